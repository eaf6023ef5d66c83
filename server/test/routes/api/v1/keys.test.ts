import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../src/app.js';
import { loadConfig } from '../../../../src/config.js';
import { openStore } from '../../../../src/store/index.js';
import type { PostgresEventStore } from '../../../../src/store/postgres/index.js';
import type { SqliteEventStore } from '../../../../src/store/sqlite/index.js';
import type { EventStore } from '../../../../src/store/types.js';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../../../helpers.js';

const SHOP = 'https://shop.example';
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Created {
  id: string;
  key: string;
  name: string;
  prefix: string;
  allowed_origins: string[];
  rate_limit_per_minute: number | null;
  created_at: string;
}

/** Every row of `ingest_keys` as text (binary columns in hex and base64), read past the API. */
async function keyTable(store: EventStore): Promise<string[]> {
  const text = (v: unknown) =>
    Buffer.isBuffer(v) ? `${v.toString('hex')} ${v.toString('base64')}` : JSON.stringify(v);
  if (store.info.kind === 'sqlite') {
    const rows = (store as SqliteEventStore).db.raw('SELECT * FROM ingest_keys');
    return rows.map((r) => r.map(text).join(' '));
  }
  const { rows } = await (store as PostgresEventStore).pool.query({
    text: 'SELECT * FROM ingest_keys',
    rowMode: 'array',
  });
  return (rows as unknown[][]).map((r) => r.map(text).join(' '));
}

/** Another app (its own store and caches) on the suite's database: a second replica, or a restart. */
async function secondApp(databaseUrl: string): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const config = loadConfig({ NODE_ENV: 'test' }, { databaseUrl, seed: 'none' });
  config.rateLimit = false;
  config.corsOrigins = ['*'];
  const store = await openStore(databaseUrl);
  const app = await buildApp({ config, store });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

describe.each(stores)('/api/v1/keys ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('keys');
  const other = orgId('keys_other');
  let admin: string;
  let adminOther: string;

  beforeAll(async () => {
    t = await createTestApp(storeCase);
    admin = await t.token({ org, role: 'admin', scope: 'keys:write keys:read events:read' });
    adminOther = await t.token({ org: other, role: 'admin', scope: 'keys:write keys:read' });
  });
  afterAll(() => t.close());

  const create = async (
    token: string,
    body: Record<string, unknown> = { name: 'storefront', allowed_origins: [SHOP] },
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { ...bearer(token), ...JSON_HEADERS },
      payload: body,
    });
  const list = (token: string) => t.app.inject({ url: '/api/v1/keys', headers: bearer(token) });
  const revoke = (token: string, id: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${id}`, headers: bearer(token) });
  const ingest = (key: string, headers: Record<string, string> = { origin: SHOP }, events = makeEvents(2)) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(key), ...JSON_HEADERS, ...headers },
      payload: { events },
    });

  describe('POST /api/v1/keys', () => {
    it('answers 201 with the key, shown this once: pk_ and at least 32 base62 characters', async () => {
      const res = await create(admin, {
        name: 'storefront',
        allowed_origins: [SHOP, 'http://localhost:3000'],
        rate_limit_per_minute: 120,
      });
      expect(res.statusCode).toBe(201);
      const body = res.json() as Created;
      expect(body.key).toMatch(/^pk_[A-Za-z0-9]{32,}$/);
      expect(body).toMatchObject({
        name: 'storefront',
        allowed_origins: [SHOP, 'http://localhost:3000'],
        rate_limit_per_minute: 120,
        prefix: body.key.slice(0, 9),
      });
      expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(body.created_at)).toBeGreaterThan(Date.now() - 60_000);
      // Relative, so it resolves under whatever prefix a proxy mounts the API at.
      const location = String(res.headers.location);
      expect(new URL(location, 'http://api.example/api/v1/keys').pathname).toBe(`/api/v1/keys/${body.id}`);
      expect(new URL(location, 'https://shop.example/stats/api/v1/keys').href).toBe(
        `https://shop.example/stats/api/v1/keys/${body.id}`,
      );

      const again = (await create(admin)).json() as Created;
      expect(again.key).not.toBe(body.key);
    });

    it('stores only a hash: no row of the table holds the key or its secret part', async () => {
      const { key } = (await create(admin)).json() as Created;
      const rows = await keyTable(t.store);
      expect(rows.length).toBeGreaterThan(0);
      const hash = createHash('sha256').update(key).digest('hex');
      expect(rows.some((r) => r.includes(hash))).toBe(true);
      for (const row of rows) {
        expect(row).not.toContain(key);
        expect(row).not.toContain(key.slice(9));
      }
    });

    it('needs the admin role and keys:write', async () => {
      const member = await t.token({ org, role: 'member', scope: 'keys:write keys:read' });
      const res = await create(member);
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('insufficient_role');

      const reader = await t.token({ org, role: 'admin', scope: 'keys:read events:write' });
      const denied = await create(reader);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe('insufficient_scope');
      expect(denied.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_scope", scope="keys:write"',
      );

      const { key } = (await create(admin)).json() as Created;
      const byKey = await t.app.inject({
        method: 'POST',
        url: '/api/v1/keys',
        headers: { ...bearer(key), ...JSON_HEADERS, origin: SHOP },
        payload: { name: 'escalation', allowed_origins: [] },
      });
      expect(byKey.statusCode).toBe(403);
      expect(byKey.json().code).toBe('insufficient_scope');
    });

    it('refuses origins that are not origins as browsers send them, naming each', async () => {
      const res = await create(admin, {
        name: 'bad',
        allowed_origins: [
          SHOP,
          'https://shop.example/',
          'https://SHOP.example',
          'ftp://x.example',
          '*',
          'null',
        ],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual([
        '/allowed_origins/1',
        '/allowed_origins/2',
        '/allowed_origins/3',
        '/allowed_origins/4',
        '/allowed_origins/5',
      ]);
      for (const body of [
        { allowed_origins: [SHOP] },
        { name: '', allowed_origins: [SHOP] },
        { name: 'x' },
        { name: 'x', allowed_origins: [SHOP], rate_limit_per_minute: 0 },
        { name: 'x', allowed_origins: [SHOP], extra: true },
      ]) {
        expect((await create(admin, body)).statusCode, JSON.stringify(body)).toBe(422);
      }
      expect((await list(admin)).json().data.map((k: Created) => k.name)).not.toContain('bad');
    });
  });

  describe('GET /api/v1/keys', () => {
    it("lists the org's keys without their secrets, and only the org's", async () => {
      const made = (await create(admin, { name: 'listed', allowed_origins: [SHOP] })).json() as Created;
      const res = await list(await t.token({ org, role: 'admin', scope: 'keys:read' }));
      expect(res.statusCode).toBe(200);
      const entry = (res.json().data as Created[]).find((k) => k.id === made.id);
      expect(entry).toEqual({
        id: made.id,
        name: 'listed',
        prefix: made.prefix,
        allowed_origins: [SHOP],
        rate_limit_per_minute: null,
        created_at: made.created_at,
      });
      expect(res.body).not.toContain(made.key);
      expect(res.body).not.toContain(made.key.slice(9));
      expect((await list(adminOther)).json().data).toEqual([]);
    });
  });

  describe('DELETE /api/v1/keys/{id}', () => {
    it('revokes: 204, gone from the list, the key answers 401 invalid_token', async () => {
      const made = (await create(admin)).json() as Created;
      expect((await ingest(made.key)).statusCode).toBe(202);
      const res = await revoke(admin, made.id);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await list(admin)).json().data.map((k: Created) => k.id)).not.toContain(made.id);
      const refused = await ingest(made.key);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('invalid_token');
      expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      // Revoking again changes nothing and says so the same way.
      expect((await revoke(admin, made.id)).statusCode).toBe(204);
    });

    it("answers 404 for an unknown id and for another org's key, which keeps working", async () => {
      const theirs = (await create(adminOther)).json() as Created;
      const res = await revoke(admin, theirs.id);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
      const id = crypto.randomUUID();
      const unknown = await revoke(admin, id);
      expect(unknown.statusCode).toBe(404);
      // The same answer as for an id that exists in another org: nothing tells them apart.
      const { request_id: _a, ...a } = res.json();
      const { request_id: _b, ...b } = unknown.json();
      expect({ ...a, detail: a.detail.replace(theirs.id, id) }).toEqual(b);
      expect((await revoke(admin, 'not-a-uuid')).statusCode).toBe(404);
      expect((await ingest(theirs.key)).statusCode).toBe(202);
    });

    it('is refused within 5 s by another app on the same database', async () => {
      const second = await secondApp(t.databaseUrl);
      try {
        const made = (await create(admin)).json() as Created;
        const send = () =>
          second.app.inject({
            method: 'POST',
            url: '/api/v1/events',
            headers: { ...bearer(made.key), ...JSON_HEADERS, origin: SHOP },
            payload: { events: makeEvents(1) },
          });
        // The second app has looked the key up and remembers it.
        expect((await send()).statusCode).toBe(202);
        expect((await revoke(admin, made.id)).statusCode).toBe(204);
        const revokedAt = Date.now();
        // Until it refuses, every accepted request must have started less than 5 s after the revocation.
        for (;;) {
          const started = Date.now();
          const res = await send();
          if (res.statusCode !== 202) {
            expect(res.statusCode).toBe(401);
            expect(res.json().code).toBe('invalid_token');
            break;
          }
          expect(started - revokedAt).toBeLessThan(5_000);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await second.close();
      }
    }, 20_000);
  });

  describe('POST /api/v1/events with a publishable key', () => {
    let key: string;
    beforeAll(async () => {
      key = ((await create(admin, { name: 'ingest', allowed_origins: [SHOP] })).json() as Created).key;
    });

    it("stores events under the key's org", async () => {
      const events = makeEvents(3, { type: 'pk_check' });
      const res = await ingest(key, { origin: SHOP }, events);
      expect(res.statusCode).toBe(202);
      expect(res.json().accepted).toBe(3);
      const read = await t.app.inject({ url: '/api/v1/events?event_type=pk_check', headers: bearer(admin) });
      expect(
        read
          .json()
          .data.map((e: { event_id: string }) => e.event_id)
          .sort(),
      ).toEqual(events.map((e) => e.event_id).sort());
      const foreign = await ingest(key, { origin: SHOP }, [{ ...makeEvents(1)[0]!, org_id: other }] as never);
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json().code).toBe('org_mismatch');
    });

    it('refuses other origins, and requests without Origin, with 403 origin_not_allowed', async () => {
      const cases: Record<string, string>[] = [
        {},
        { origin: 'https://evil.example' },
        { origin: 'https://shop.example:8443' },
      ];
      for (const headers of cases) {
        const res = await ingest(key, headers);
        expect(res.statusCode, JSON.stringify(headers)).toBe(403);
        expect(res.json().code).toBe('origin_not_allowed');
      }
    });

    it('accepts any origin, or none, when the key lists no origins', async () => {
      const open = ((await create(admin, { name: 'server', allowed_origins: [] })).json() as Created).key;
      expect((await ingest(open, {})).statusCode).toBe(202);
      expect((await ingest(open, { origin: 'https://anywhere.example' })).statusCode).toBe(202);
    });

    it('reads nothing: every other route answers 403 insufficient_scope', async () => {
      for (const url of [
        '/api/v1/events',
        '/api/v1/event-types',
        '/api/v1/metrics/summary',
        '/api/v1/keys',
      ]) {
        const res = await t.app.inject({ url, headers: { ...bearer(key), origin: SHOP } });
        expect(res.statusCode, url).toBe(403);
        expect(res.json().code, url).toBe('insufficient_scope');
      }
    });

    it('answers 401 invalid_token for an unknown or malformed key', async () => {
      for (const bad of [`pk_${'A'.repeat(32)}`, 'pk_short', `pk_${'a'.repeat(31)}!`]) {
        const res = await ingest(bad);
        expect(res.statusCode, bad).toBe(401);
        expect(res.json().code).toBe('invalid_token');
      }
    });
  });
});

describe.each(stores)('CORS for publishable keys ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('keys_cors');
  const DASHBOARD = 'https://dashboard.example';
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp(storeCase, { corsOrigins: [DASHBOARD] });
    admin = await t.token({ org, role: 'admin', scope: 'keys:write' });
  });
  afterAll(() => t.close());

  const preflight = (origin: string, method: string, url = '/api/v1/events') =>
    t.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });

  it("allows ingest from a key's origins, preflight included, and no reads", async () => {
    const origin = 'https://cors-shop.example';
    expect((await preflight(origin, 'POST')).headers['access-control-allow-origin']).toBeUndefined();
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { ...bearer(admin), ...JSON_HEADERS },
      payload: { name: 'cors', allowed_origins: [origin] },
    });
    const { key, id } = made.json() as Created;

    const ok = await preflight(origin, 'POST');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(origin);
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect(String(ok.headers.vary)).toMatch(/origin/i);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(key), ...JSON_HEADERS, origin },
      payload: { events: makeEvents(1) },
    });
    expect(sent.statusCode).toBe(202);
    expect(sent.headers['access-control-allow-origin']).toBe(origin);

    // Reads stay closed to the key's origin, on the same path and on others.
    expect((await preflight(origin, 'GET')).headers['access-control-allow-origin']).toBeUndefined();
    expect(
      (await preflight(origin, 'GET', '/api/v1/metrics/summary')).headers['access-control-allow-origin'],
    ).toBeUndefined();
    const read = await t.app.inject({ url: '/api/v1/events', headers: { ...bearer(admin), origin } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    // The configured origins work as before.
    expect((await preflight(DASHBOARD, 'GET')).headers['access-control-allow-origin']).toBe(DASHBOARD);

    // Revoked: the origin is no longer allowed (this process forgets at once).
    await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${id}`, headers: bearer(admin) });
    expect((await preflight(origin, 'POST')).headers['access-control-allow-origin']).toBeUndefined();
  });
});
