/**
 * Two API replicas on one PostgreSQL database, each with its own pool, over real HTTP: what a load balancer
 * in front of several processes needs to hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventsPage } from '../../src/contract.js';
import type { EventStore, IngestBatch } from '../../src/store/types.js';
import {
  countRows,
  events,
  freshSchema,
  getJson,
  post,
  type Replica,
  type Schema,
  skip,
  startReplica,
  token,
} from './fixture.js';

describe.skipIf(skip)('two replicas on one PostgreSQL database', () => {
  let schema: Schema;
  let a: Replica;
  let b: Replica;
  /** While set, replica A's store holds every ingest until it is opened. */
  let gate: Promise<void> | null = null;

  beforeAll(async () => {
    schema = await freshSchema();
    const holdable = (store: EventStore): EventStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'ingest') {
            return async (batch: IngestBatch) => {
              if (gate) await gate;
              return target.ingest(batch);
            };
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    // Started together: both run the migrations at once, under the advisory lock.
    [a, b] = await Promise.all([startReplica(schema.url, holdable), startReplica(schema.url)]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schema?.dispose();
  });

  describe('idempotency across replicas', () => {
    it('stores once when the same key reaches both replicas at the same moment', async () => {
      const org = 'org_race';
      const bearer = await token(a.config, org, 'events:write events:read');
      const rounds = 30;
      const size = 20;
      for (let round = 0; round < rounds; round++) {
        // No event ids: the server makes them, so a second store of the batch would not dedup by id.
        const body = { events: events(size, { withIds: false }) };
        const key = `race-${round}`;
        const [ra, rb] = await Promise.all([
          post(a.url, bearer, body, { 'idempotency-key': key }),
          post(b.url, bearer, body, { 'idempotency-key': key }),
        ]);
        const results = [ra, rb];
        for (const r of results) expect([202, 409]).toContain(r.status);
        const ok = results.filter((r) => r.status === 202);
        expect(ok.length).toBeGreaterThanOrEqual(1);
        if (ok.length === 2) {
          // The later one replayed the first response, byte for byte.
          expect(ok.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
          expect(ok[0]!.body).toBe(ok[1]!.body);
        }
      }
      expect(await countRows(a.store, 'events', org)).toBe(rounds * size);
      expect(await countRows(a.store, 'idempotency_keys', org)).toBe(rounds);
    });

    it('answers 409 on one replica while the other holds the key in flight, then replays', async () => {
      const org = 'org_inflight';
      const bearer = await token(a.config, org, 'events:write events:read');
      const body = { events: events(5, { withIds: false }) };
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      const first = post(a.url, bearer, body, { 'idempotency-key': 'held' });
      // Wait until A's claim is visible in the shared table (no sleeps: poll the row itself).
      while ((await countRows(b.store, 'idempotency_keys', org)) === 0)
        await new Promise((r) => setImmediate(r));
      const during = await post(b.url, bearer, body, { 'idempotency-key': 'held' });
      expect(during.status).toBe(409);
      expect(JSON.parse(during.body).code).toBe('idempotency_key_in_use');
      open();
      gate = null;
      const done = await first;
      expect(done.status).toBe(202);
      const replay = await post(b.url, bearer, body, { 'idempotency-key': 'held' });
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toBe(done.body);
      const other = await post(b.url, bearer, { events: events(1) }, { 'idempotency-key': 'held' });
      expect(other.status).toBe(422);
      expect(await countRows(a.store, 'events', org)).toBe(5);
    });

    it('stores an event id once when both replicas receive it at the same moment without a key', async () => {
      const org = 'org_dedup';
      const bearer = await token(a.config, org, 'events:write');
      const body = { events: events(50) };
      const [ra, rb] = await Promise.all([post(a.url, bearer, body), post(b.url, bearer, body)]);
      expect([ra.status, rb.status]).toEqual([202, 202]);
      const [ja, jb] = [JSON.parse(ra.body), JSON.parse(rb.body)];
      expect(ja.accepted + jb.accepted).toBe(50);
      expect(ja.duplicates + jb.duplicates).toBe(50);
      expect(await countRows(a.store, 'events', org)).toBe(50);
    });
  });

  it('walks every page with cursors issued by one replica and redeemed on the other', async () => {
    const org = 'org_walk';
    const bearer = await token(a.config, org, 'events:write events:read');
    const end = Date.now();
    const all: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Some events share a timestamp, so the event id tie-break is exercised across pages.
      const batch = events(75, { end: end - i * 75_000 }).map((e, j) => ({
        ...e,
        timestamp: new Date(end - i * 75_000 - Math.floor(j / 3) * 1000).toISOString(),
      }));
      const res = await post(i % 2 ? a.url : b.url, bearer, { events: batch });
      expect(res.status).toBe(202);
      all.push(...batch.map((e) => e.event_id!));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let hop = 0;
    do {
      const base: string = hop++ % 2 === 0 ? a.url : b.url;
      const page: EventsPage = await getJson<EventsPage>(
        base,
        bearer,
        `/api/v1/events?limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.data.map((e) => e.event_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(hop).toBe(8);
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen)).toEqual(new Set(all));
  });

  it('refuses on one replica a cursor the other issued for another org', async () => {
    const bearerA = await token(a.config, 'org_walk', 'events:read');
    const bearerB = await token(b.config, 'org_race', 'events:read');
    const page = await getJson<EventsPage>(a.url, bearerA, '/api/v1/events?limit=10');
    expect(page.next_cursor).not.toBeNull();
    const res = await fetch(
      `${b.url}/api/v1/events?limit=10&cursor=${encodeURIComponent(page.next_cursor!)}`,
      {
        headers: { authorization: `Bearer ${bearerB}` },
      },
    );
    expect(res.status).toBe(422);
  });

  it('keeps rollups exact under concurrent ingest for one org and day through both replicas', async () => {
    const org = 'org_rollup';
    const bearer = await token(a.config, org);
    const now = Date.now();
    const batches = Array.from({ length: 24 }, (_, k) =>
      events(50, {
        end: now - k,
        type: (i) => (i % 3 === 0 ? 'signup' : 'page_view'),
        user: (i) => `user_${(i * 7 + k) % 40}`,
      }),
    );
    const results = await Promise.all(
      batches.map((batch, k) => post(k % 2 ? a.url : b.url, bearer, { events: batch })),
    );
    for (const r of results) expect(r.status).toBe(202);
    const total = batches.length * 50;
    const signups = batches.flat().filter((e) => e.event_type === 'signup').length;
    const users = new Set(batches.flat().map((e) => e.user_id)).size;
    const today = new Date(now).toISOString().slice(0, 10);
    const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
    const summary = await getJson<{ totals: Record<string, number> }>(
      b.url,
      bearer,
      `/api/v1/metrics/summary?start_date=${yesterday}&end_date=${today}&metrics=events&metrics=active_users&metrics=events:signup`,
    );
    expect(summary.totals).toEqual({ events: total, active_users: users, 'events:signup': signups });
    const types = await getJson<{ data: { event_type: string; count: number }[] }>(
      a.url,
      bearer,
      '/api/v1/event-types',
    );
    expect(types.data.map((t) => [t.event_type, t.count])).toEqual([
      ['page_view', total - signups],
      ['signup', signups],
    ]);
  });
});
