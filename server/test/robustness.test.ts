import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, orgId, stores, type TestApp } from './helpers.js';

describe.each(stores)('client input never causes a 5xx ($name)', (storeCase) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(storeCase);
    token = await t.token({ org: orgId('fuzz') });
  });
  afterAll(() => t.close());

  it('answers any JSON body to POST /api/v1/events with 202 or a 4xx problem', async () => {
    const event = fc.record(
      {
        event_type: fc.oneof(fc.string(), fc.constantFrom('page_view', 'a.b:c$-_')),
        event_id: fc.oneof(fc.uuid(), fc.string()),
        user_id: fc.oneof(fc.string(), fc.integer()),
        timestamp: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        properties: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
        org_id: fc.string(),
        schema_version: fc.oneof(fc.integer(), fc.double()),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(fc.jsonValue(), fc.record({ events: fc.array(event, { maxLength: 5 }) }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: { 'content-type': 'application/json', ...bearer(token) },
          payload: JSON.stringify(b) ?? 'null',
        });
        expect(res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500), res.body).toBe(
          true,
        );
        if (res.statusCode !== 202) expect(res.headers['content-type']).toContain('application/problem+json');
      }),
      { numRuns: 150 },
    );
  });

  it('answers any query string on the read endpoints with 200 or a 4xx problem', async () => {
    const key = fc.constantFrom(
      'limit',
      'cursor',
      'start_date',
      'end_date',
      'event_type',
      'user_id',
      'metrics',
      'metrics[]',
      'tz',
      'org_id',
      'x',
    );
    const query = fc.array(fc.tuple(key, fc.string()), { maxLength: 6 });
    const path = fc.constantFrom('/api/v1/events', '/api/v1/metrics/summary', '/api/v1/event-types');
    await fc.assert(
      fc.asyncProperty(path, query, async (p, q) => {
        const qs = new URLSearchParams(q).toString();
        const res = await t.app.inject({ url: `${p}?${qs}`, headers: bearer(token) });
        expect(
          res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500),
          `${p}?${qs} → ${res.body}`,
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
