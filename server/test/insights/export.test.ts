/**
 * GET /api/v1/events/export on both stores: every matching event, oldest first, as NDJSON (each line what
 * GET /api/v1/events returns for it) or CSV, across several keyset chunks, gzip when asked.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const EVENTS = 450; // more than two chunks of 200

for (const storeCase of stores) {
  describe(`GET /api/v1/events/export (${storeCase.name})`, () => {
    let t: TestApp;
    let token: string;
    /** Every event as GET /api/v1/events lists it, oldest first. */
    let all: { event_id: string; event_type: string; properties: Record<string, unknown> }[] = [];

    beforeAll(async () => {
      t = await createTestApp(storeCase);
      token = await t.token({ org: orgId('export') });
      const now = Date.now();
      for (let b = 0; b < EVENTS; b += 90) {
        const events = Array.from({ length: 90 }, (_, i) => ({
          event_type: (b + i) % 3 === 0 ? 'signup' : 'page_view',
          // Pairs share a timestamp, so the order within an instant (event_id) is exercised too.
          timestamp: new Date(now - 1_000_000 + Math.floor((b + i) / 2) * 1000).toISOString(),
          properties: { n: b + i, note: (b + i) % 7 === 0 ? 'a, "quoted"\nline' : 'plain' },
        }));
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: bearer(token),
          payload: { events },
        });
        expect(res.statusCode, res.body).toBe(202);
      }
      const page = await t.app.inject({
        method: 'GET',
        url: '/api/v1/events?limit=1000',
        headers: bearer(token),
      });
      all = page.json().data.reverse();
      expect(all).toHaveLength(EVENTS);
    }, 60_000);

    afterAll(async () => {
      await t?.close();
    });

    it('streams every event oldest first as NDJSON, each line as GET /api/v1/events has it', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/events/export', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      const lines = res.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual(all);
    });

    it('applies the filters of GET /api/v1/events and filter', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/events/export?event_type=signup&filter=prop.note~QUOTED',
        headers: bearer(token),
      });
      const lines = res.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const expected = all.filter((e) => e.event_type === 'signup' && e.properties.note !== 'plain');
      expect(expected.length).toBeGreaterThan(0);
      expect(lines).toEqual(expected);
    });

    it('writes CSV with a header and quoted fields, gzip-compressed when accepted', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/events/export?format=csv',
        headers: { ...bearer(token), 'accept-encoding': 'gzip' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['content-type']).toContain('text/csv');
      const text = gunzipSync(res.rawPayload).toString('utf8');
      const [header, ...rest] = text.split('\r\n').filter((l, i, a) => i < a.length - 1 || l !== '');
      expect(header!.split(',')[0]).toBe('event_id');
      // Rows with a quoted line break span two physical lines; count the records by their ids instead.
      for (const e of all) expect(text).toContain(`${e.event_id},`);
      // properties as JSON text in one quoted field, its quotes doubled.
      expect(text).toContain('"{""n"":');
      expect(rest.length).toBeGreaterThanOrEqual(EVENTS);
    });

    it('defuses text a spreadsheet would run as a formula, and leaves other text as it was', async () => {
      const org = orgId('export-formula');
      const writer = await t.token({ org });
      const users = ['=HYPERLINK("http://x.example","y")', '+1+2', '-3', '@SUM(A1)', '\tcmd', 'plain-user'];
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: bearer(writer),
        payload: { events: users.map((user_id) => ({ event_type: 'signup', user_id })) },
      });
      expect(res.statusCode, res.body).toBe(202);
      const csv = await t.app.inject({
        method: 'GET',
        url: `/api/v1/events/export?format=csv&org_id=${org}`,
        headers: bearer(writer),
      });
      expect(csv.statusCode, csv.body).toBe(200);
      const userColumn = csv.body.split('\r\n')[0]!.split(',').indexOf('user_id');
      // Each user id is a cell of its own row; unquote (RFC 4180) before comparing.
      const cells = csv.body
        .split('\r\n')
        .slice(1, -1)
        .map((row) => row.match(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''))[userColumn]!)
        .map((c) => (c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c));
      expect(cells.sort()).toEqual(users.map((u) => (/^[=+\-@\t]/.test(u) ? `'${u}` : u)).sort());
    });

    it('names a bad filter in a 422 before streaming anything', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/events/export?filter=colour==red',
        headers: bearer(token),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0].path).toBe('/filter/0');
    });
  });
}
