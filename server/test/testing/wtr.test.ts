import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyticsServerPlugin, analyticsServerPlugin } from '../../src/testing/wtr.js';

// The browser suites (sdk-core, widgets) drive this plugin from real pages; here its commands are called
// the way web-test-runner calls them, against the real server it starts.
describe('analyticsServerPlugin()', () => {
  let plugin: AnalyticsServerPlugin;
  const run = (command: string, payload?: unknown) => plugin.executeCommand({ command, payload });
  beforeAll(async () => {
    plugin = analyticsServerPlugin({
      events: [
        { org_id: 'acme', event_id: crypto.randomUUID(), event_type: 'seeded' },
        { org_id: 'globex', event_id: crypto.randomUUID(), event_type: 'seeded' },
      ],
      tokens: { acme: { org: 'acme', scope: 'events:read' } },
      env: (events) => ({ fixtures: events.length }),
    });
    await plugin.serverStart();
  });
  afterAll(() => plugin.serverStop());

  it('hands the page the API URL, the tokens minted at start and the suite’s data', async () => {
    const env = (await run('analytics-env')) as {
      apiUrl: string;
      tokens: { acme: string };
      fixtures: number;
    };
    expect(env.fixtures).toBe(2);
    const res = await fetch(`${env.apiUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${env.tokens.acme}` },
    });
    expect(((await res.json()) as { data: { event_type: string }[] }).data.map((e) => e.event_type)).toEqual([
      'seeded',
    ]);
  });

  it('stops and starts the server again on the same URL and database', async () => {
    const { org, token, url } = (await run('analytics-org', { prefix: 'org_wtr' })) as {
      org: string;
      token: string;
      url: string;
    };
    expect(org).toMatch(/^org_wtr_/);
    const posted = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ event_id: crypto.randomUUID(), event_type: 'kept' }] }),
    });
    expect(posted.status).toBe(202);
    await run('analytics-stop');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(await run('analytics-start')).toBe(url);
    const stored = (await run('analytics-events', { org, all: true })) as { data: { event_type: string }[] };
    expect(stored.data.map((e) => e.event_type)).toEqual(['kept']);
  });

  it('answers no command it does not know, so other plugins can', async () => {
    expect(await run('something-else')).toBeUndefined();
  });

  it('kills only a server it runs as its own process', async () => {
    await expect(run('analytics-kill')).rejects.toThrow(/process: true/);
  });
});
