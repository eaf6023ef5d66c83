import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { parsePgUrl } from '../../src/store/postgres/url.js';
import { ingestResponseBody } from '../../src/store/shared.js';
import type { NewEvent } from '../../src/store/types.js';
import { freshSchema, openPg, type Schema, skip, token } from './fixture.js';

const LEASE = 60_000;

function event(over: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: crypto.randomUUID(),
    eventType: 'page_view',
    userId: 'u1',
    ts: Date.now(),
    properties: {},
    schemaVersion: 1,
    ...over,
  };
}

describe('parsePgUrl', () => {
  it('takes schema and pool_max out of the URL and keeps credentials out of the location', () => {
    const t = parsePgUrl(
      'postgres://app:s3cret@db.internal:6432/analytics?schema=tenant_a&pool_max=25&sslmode=require',
    );
    expect(t.schema).toBe('tenant_a');
    expect(t.poolMax).toBe(25);
    expect(t.connectionString).toBe('postgres://app:s3cret@db.internal:6432/analytics?sslmode=require');
    expect(t.location).toBe('db.internal:6432/analytics?schema=tenant_a');
    expect(t.location).not.toContain('s3cret');
    expect(t.options).toContain('-c search_path=tenant_a');
    expect(t.options).toContain('-c synchronous_commit=on');
  });

  it.each([
    ['postgres://h/db?schema=Robert%27);DROP', /schema/],
    ['postgres://h/db?pool_max=0', /pool_max/],
    ['postgres://h/db?pool_max=abc', /pool_max/],
  ])('refuses %s', (url, message) => {
    expect(() => parsePgUrl(url)).toThrow(message);
  });
});

describe.skipIf(skip)('PostgresEventStore', () => {
  let schema: Schema;
  let store: PostgresEventStore;
  beforeAll(async () => {
    schema = await freshSchema();
    store = await openPg(schema.url, { idempotencyLeaseMs: LEASE });
  });
  afterAll(async () => {
    await store?.close();
    await schema?.dispose();
  });

  it('commits synchronously, in UTC, in its own schema', async () => {
    const { rows } = await store.pool.query<{ sc: string; tz: string; schema: string }>(
      "SELECT current_setting('synchronous_commit') AS sc, current_setting('TimeZone') AS tz, current_schema() AS schema",
    );
    expect(rows[0]).toEqual({ sc: 'on', tz: 'UTC', schema: store.schema });
  });

  describe('idempotency claims', () => {
    const claim = (key: string, now: number, requestHash = 'h1') =>
      store.claimIdempotencyKey({ orgId: 'org_idem', key, requestHash, now });

    it('claims a new key, then reports it in flight until its lease runs out', async () => {
      const now = Date.now();
      expect(await claim('lease', now)).toEqual({ state: 'claimed' });
      expect(await claim('lease', now + 1)).toEqual({ state: 'in_flight' });
      expect(await claim('lease', now + LEASE - 1)).toEqual({ state: 'in_flight' });
      // The first holder crashed: after the lease another request may take the key over.
      expect(await claim('lease', now + LEASE + 1, 'h2')).toEqual({ state: 'claimed' });
      expect(await claim('lease', now + LEASE + 2, 'h2')).toEqual({ state: 'in_flight' });
    });

    it('frees a released key for the next request', async () => {
      const now = Date.now();
      expect(await claim('released', now)).toEqual({ state: 'claimed' });
      await store.releaseIdempotencyKey('org_idem', 'released');
      expect(await claim('released', now + 1)).toEqual({ state: 'claimed' });
    });

    it('completes the key in the ingest statement with the exact 202 body', async () => {
      const now = Date.now();
      expect(await claim('done', now)).toEqual({ state: 'claimed' });
      const dup = event();
      await store.ingest({ orgId: 'org_idem', events: [dup], receivedAt: now });
      const result = await store.ingest({
        orgId: 'org_idem',
        events: [event(), dup, event()],
        receivedAt: now,
        idempotency: { key: 'done', requestHash: 'h1' },
      });
      expect(result.accepted).toBe(2);
      expect(result.duplicates).toBe(1);
      const replay = await claim('done', now + 5);
      expect(replay).toEqual({
        state: 'completed',
        sameRequest: true,
        response: { status: 202, body: ingestResponseBody(result) },
      });
      expect(await claim('done', now + 6, 'other')).toMatchObject({ state: 'completed', sameRequest: false });
      // Release never removes a completed record.
      await store.releaseIdempotencyKey('org_idem', 'done');
      expect(await claim('done', now + 7)).toMatchObject({ state: 'completed' });
    });

    it('purges only records older than the cut-off', async () => {
      const old = Date.now() - 3 * 86_400_000;
      await claim('old-1', old);
      await claim('old-2', old);
      await claim('fresh', Date.now());
      expect(await store.purgeIdempotencyKeys(Date.now() - 86_400_000)).toBe(2);
      expect(await claim('fresh', Date.now())).toEqual({ state: 'in_flight' });
    });
  });

  describe('.ingest()', () => {
    it('counts an id repeated inside one batch once, first occurrence kept', async () => {
      const id = crypto.randomUUID();
      const result = await store.ingest({
        orgId: 'org_batch',
        events: [event({ eventId: id, eventType: 'first' }), event({ eventId: id, eventType: 'second' })],
        receivedAt: Date.now(),
      });
      expect(result).toEqual({ accepted: 1, duplicates: 1, eventIds: [id, id] });
      const page = await store.queryEvents({ orgId: 'org_batch', limit: 10 });
      expect(page.events.map((e) => e.eventType)).toEqual(['first']);
    });

    it('round-trips properties as JSON values (jsonb)', async () => {
      const properties = {
        nested: { list: [1, 'two', null, { deep: true }], empty: {} },
        unicode: 'Grüße 👋 "quoted" \\ back\\slash \u2028',
        big: 1.5e300,
        neg: -0.001,
      };
      const e = event({ properties });
      await store.ingest({ orgId: 'org_json', events: [e], receivedAt: Date.now() });
      const page = await store.queryEvents({ orgId: 'org_json', limit: 1 });
      expect(page.events[0]!.properties).toEqual(properties);
    });

    it('refuses text PostgreSQL cannot store with field errors', async () => {
      await expect(
        store.ingest({
          orgId: 'org_bad',
          events: [event(), event({ userId: 'a\u0000b' }), event({ properties: { s: 'x\ud800' } })],
          receivedAt: Date.now(),
        }),
      ).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [
          { path: '/events/1/user_id', message: expect.any(String) },
          { path: '/events/2/properties', message: expect.any(String) },
        ],
      });
      // A literal backslash-u sequence in text is fine.
      const ok = await store.ingest({
        orgId: 'org_bad',
        events: [event({ properties: { s: '\\u0000 and \\ud800 as text' } })],
        receivedAt: Date.now(),
      });
      expect(ok.accepted).toBe(1);
    });

    it('answers such a batch over HTTP with a 422 problem, not a 500', async () => {
      const config = loadConfig({ NODE_ENV: 'test' }, { databaseUrl: schema.url });
      config.rateLimit = false;
      const app = await buildApp({ config, store });
      try {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await token(config, 'org_bad')}`,
          },
          payload: JSON.stringify({ events: [{ event_type: 'x', properties: { s: 'nul\u0000' } }] }),
        });
        expect(res.statusCode).toBe(422);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().errors).toEqual([{ path: '/events/0/properties', message: expect.any(String) }]);
      } finally {
        await app.close();
      }
    });
  });

  describe('.close()', () => {
    it('finishes a batch already being written, then refuses new work', async () => {
      const other = await openPg(schema.url);
      const batch = Array.from({ length: 100 }, () => event());
      const pending = other.ingest({ orgId: 'org_close', events: batch, receivedAt: Date.now() });
      await other.close();
      expect((await pending).accepted).toBe(100);
      await expect(other.ping()).rejects.toThrow(/closed/);
      expect((await store.queryEvents({ orgId: 'org_close', limit: 1000 })).events).toHaveLength(100);
    });
  });
});
