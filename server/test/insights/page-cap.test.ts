/**
 * GET /api/v1/events stops a page early when its body would pass 4 MiB: 1,000 events with 30 KiB of
 * properties would otherwise be a 30 MB answer. Walking the pages still returns every event exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const EVENTS = 240;

for (const storeCase of stores) {
  describe(`GET /api/v1/events body cap (${storeCase.name})`, () => {
    let t: TestApp;
    let token: string;
    const ids = new Set<string>();

    beforeAll(async () => {
      t = await createTestApp(storeCase);
      token = await t.token({ org: orgId('page_cap') });
      const blob = 'x'.repeat(30 * 1024);
      const now = Date.now();
      for (let b = 0; b < EVENTS; b += 24) {
        const events = Array.from({ length: 24 }, (_, i) => {
          const id = crypto.randomUUID();
          ids.add(id);
          return {
            event_id: id,
            event_type: 'big',
            timestamp: new Date(now - (b + i) * 1000).toISOString(),
            properties: { blob },
          };
        });
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: bearer(token),
          payload: { events },
        });
        expect(res.statusCode, res.body).toBe(202);
      }
    }, 120_000);

    afterAll(async () => {
      await t?.close();
    });

    it('answers a shorter page with a cursor instead of a body over 4 MiB', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { statusCode: number; rawPayload: Buffer; json(): unknown } = await t.app.inject({
          method: 'GET',
          url: `/api/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
          headers: bearer(token),
        });
        expect(res.statusCode).toBe(200);
        expect(res.rawPayload.length).toBeLessThanOrEqual(4 * 1024 * 1024);
        const body = res.json() as {
          data: { event_id: string }[];
          has_more: boolean;
          next_cursor: string | null;
        };
        if (pages === 0) {
          expect(body.data.length).toBeLessThan(EVENTS);
          expect(body.has_more).toBe(true);
        }
        seen.push(...body.data.map((e) => e.event_id));
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBeGreaterThan(1);
      expect(seen.length).toBe(EVENTS);
      expect(new Set(seen)).toEqual(ids);
    });
  });
}
