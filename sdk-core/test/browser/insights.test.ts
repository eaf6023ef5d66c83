// The insights entry in Chromium against the real API server: the browser's own fetch, gzip and streams.
// (That leaving the export loop stops the server's query is checked in Node, test/insights.test.ts: a browser
// buffers too much of a response for a test here to tell a cancelled one from an abandoned one.)
import { executeServerCommand } from '@web/test-runner-commands';
import { AnalyticsClient } from '../../src/index.js';
import { createInsights } from '../../src/insights.js';
import { assert, equal, type Org } from './helpers.js';

const MANY = 1000;

describe('insights in Chromium', () => {
  it('exportEvents streams every matching event, oldest first, line by line', async () => {
    const { url, token } = await executeServerCommand<Org, { prefix: string; scope: string }>(
      'analytics-org',
      {
        prefix: 'org_insights',
        scope: 'events:write events:read metrics:read',
      },
    );
    const t0 = Date.now() - 10 * 86_400_000;
    for (let i = 0; i < MANY; i += 100) {
      const events = Array.from({ length: 100 }, (_, j) => ({
        event_type: (i + j) % 2 ? 'click' : 'view',
        timestamp: new Date(t0 + (i + j) * 1000).toISOString(),
        // Multi-byte text split across chunks must come out whole.
        properties: { n: i + j, text: `€ ${'ü'.repeat(500)} ${i + j}` },
      }));
      const res = await fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      assert(res.status === 202, `seeding answered ${res.status}`);
    }
    const client = new AnalyticsClient({ baseUrl: url, apiKey: token, persistence: 'memory' });
    const seen: number[] = [];
    for await (const e of createInsights(client).exportEvents({ event_type: 'view' })) {
      const n = e.properties.n as number;
      equal(e.properties.text, `€ ${'ü'.repeat(500)} ${n}`, `event ${n}'s text`);
      seen.push(n);
    }
    equal(
      seen,
      Array.from({ length: MANY / 2 }, (_, i) => i * 2),
      'exported views',
    );
  });
});
