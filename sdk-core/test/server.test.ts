import { startTestServer, type TestServer } from '@acme/analytics-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyticsApiError,
  AnalyticsClient,
  type AnalyticsClientOptions,
  type AnalyticsError,
  createMetricsStore,
} from '../src/index.js';

let server: TestServer;
let n = 0;

beforeAll(async () => {
  server = await startTestServer({ rateLimit: false });
});
afterAll(async () => {
  await server?.close();
});

/** A client of its own org, so tests never see each other's events. */
async function client(options: Partial<AnalyticsClientOptions> = {}) {
  const org = `org_sdk_${++n}`;
  const errors: AnalyticsError[] = [];
  const c = new AnalyticsClient({
    baseUrl: server.url,
    apiKey: await server.token({ org }),
    persistence: 'memory',
    onError: (e) => errors.push(e),
    retry: { baseDelay: 20, maxDelay: 100 },
    ...options,
  });
  return { client: c, org, errors };
}

const all = async (c: AnalyticsClient, limit = 50) => {
  const ids: string[] = [];
  for await (const e of c.getEvents({ limit })) ids.push(e.event_id);
  return ids;
};

describe('against the real API server', () => {
  it('delivers every tracked event once and walks them back page by page, newest first', async () => {
    const { client: c, org } = await client({ flushAt: 30 });
    const sent: string[] = [];
    for (let i = 0; i < 250; i++) {
      const event_id = crypto.randomUUID();
      sent.push(event_id);
      await c.trackEvent({ event_type: i % 2 ? 'click' : 'view', event_id, user_id: `u${i % 7}` });
    }
    await c.flush();
    const read: string[] = [];
    const timestamps: string[] = [];
    for await (const e of c.getEvents({ limit: 40 })) {
      expect(e.org_id).toBe(org);
      read.push(e.event_id);
      timestamps.push(e.timestamp);
    }
    expect(read.length).toBe(250);
    expect(new Set(read)).toEqual(new Set(sent));
    expect([...timestamps].sort().reverse()).toEqual(timestamps);
    const clicks: string[] = [];
    for await (const e of c.getEvents({ event_type: 'click', user_id: 'u1', limit: 7 }))
      clicks.push(e.event_type);
    expect(clicks.length).toBeGreaterThan(0);
    expect(new Set(clicks)).toEqual(new Set(['click']));
  });

  it('replays a batch whose response was lost instead of storing it twice', async () => {
    let lost = false;
    const replays: (string | null)[] = [];
    const fetchLosingFirstAnswer: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST') {
        replays.push(res.headers.get('idempotent-replayed'));
        if (!lost) {
          lost = true;
          // The server stored the batch and answered; the answer never reached the page.
          throw new TypeError('network connection lost');
        }
      }
      return res;
    };
    const { client: c } = await client({ fetch: fetchLosingFirstAnswer });
    await c.trackEvents(Array.from({ length: 10 }, () => ({ event_type: 'buy' })));
    await c.flush();
    expect(replays).toEqual([null, 'true']);
    expect(await all(c)).toHaveLength(10);
  });

  it('keeps a batch the API refuses aside and reports the problem document', async () => {
    const { client: c, errors } = await client();
    await c.trackEvent({ event_type: 'ok' });
    await c.flush();
    await c.trackEvent({ event_type: 'other_org', org_id: 'org_someone_else' });
    const error = (await c.flush().catch((e: unknown) => e)) as AnalyticsApiError;
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('org_mismatch');
    expect(error.requestId).toMatch(/.+/);
    expect(errors).toEqual([error]);
    const [aside] = await c.rejectedBatches();
    expect(aside!.events[0]!.org_id).toBe('org_someone_else');
    expect(await all(c)).toHaveLength(1);
  });

  it('refreshes an expired token once and goes on', async () => {
    const org = `org_sdk_${++n}`;
    const forced: boolean[] = [];
    const expired = await server.token({ org, ttl: '-1m' });
    const fresh = await server.token({ org });
    const c = new AnalyticsClient({
      baseUrl: server.url,
      persistence: 'memory',
      getToken: ({ forceRefresh }) => {
        forced.push(forceRefresh);
        return forceRefresh || forced.includes(true) ? fresh : expired;
      },
    });
    await c.trackEvent({ event_type: 'a' });
    await Promise.all([c.flush(), c.getEventTypes(), c.getMetricsSummary()]);
    expect(forced.filter(Boolean)).toHaveLength(1);
    expect(await c.getEventTypes()).toEqual([expect.objectContaining({ event_type: 'a', count: 1 })]);
  });

  it('reads the metrics summary through a store', async () => {
    const { client: c } = await client();
    await c.trackEvents([
      { event_type: 'signup', user_id: 'a' },
      { event_type: 'signup', user_id: 'b' },
      { event_type: 'login', user_id: 'a' },
    ]);
    await c.flush();
    const today = new Date().toISOString().slice(0, 10);
    const store = createMetricsStore(c, {
      start_date: today,
      end_date: today,
      metrics: ['events', 'active_users', 'events:signup'],
    });
    await store.refresh();
    expect(store.error.value).toBeNull();
    expect(store.data.value!.totals).toEqual({ events: 3, active_users: 2, 'events:signup': 2 });
    store.dispose();
  });

  it('surfaces a tampered cursor as a typed 422', async () => {
    const { client: c } = await client();
    const error = (await c
      .getEventsPage({}, { cursor: 'bogus' })
      .catch((e: unknown) => e)) as AnalyticsApiError;
    expect(error.status).toBe(422);
    expect(error.code).toBe('invalid_cursor');
  });
});
