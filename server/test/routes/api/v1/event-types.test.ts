import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, HISTORIC_TIMESTAMPS, orgId, stores, type TestApp } from '../../../helpers.js';

describe.each(stores)('GET /api/v1/event-types ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('types');
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(storeCase, { env: HISTORIC_TIMESTAMPS });
    token = await t.token({ org });
  });
  afterAll(() => t.close());

  it('answers an empty list for an org without events', async () => {
    const res = await t.app.inject({ url: '/api/v1/event-types', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: [] });
  });

  it('lists types most frequent first with counts and the newest timestamp', async () => {
    const events = [
      { event_type: 'view', timestamp: '2024-01-01T00:00:00Z' },
      { event_type: 'view', timestamp: '2024-01-03T00:00:00Z' },
      { event_type: 'view', timestamp: '2024-01-02T00:00:00Z' },
      { event_type: 'buy', timestamp: '2024-01-05T08:00:00.250Z' },
    ];
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: { events },
    });
    const res = await t.app.inject({ url: '/api/v1/event-types', headers: bearer(token) });
    expect(res.json().data).toEqual([
      { event_type: 'view', count: 3, last_seen: '2024-01-03T00:00:00.000Z' },
      { event_type: 'buy', count: 1, last_seen: '2024-01-05T08:00:00.250Z' },
    ]);
  });
});
