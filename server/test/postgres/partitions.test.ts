import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { monthOf, partitionName } from '../../src/store/postgres/partitions.js';
import type { NewEvent } from '../../src/store/types.js';
import { countRows, freshSchema, openPg, type Schema, skip } from './fixture.js';

async function partitions(store: PostgresEventStore): Promise<string[]> {
  const { rows } = await store.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass('events') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

function event(ts: number, eventId = crypto.randomUUID()): NewEvent {
  return { eventId, eventType: 'page_view', userId: 'u1', ts, properties: {}, schemaVersion: 1 };
}

describe.skipIf(skip)('PostgreSQL migrations', () => {
  let schema: Schema;
  beforeAll(async () => {
    schema = await freshSchema();
  });
  afterAll(() => schema?.dispose());

  it('applies each step once when several replicas start at the same moment', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPg(schema.url)));
    try {
      const { rows } = await stores[0]!.pool.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      // Every replica works on the result.
      await Promise.all(stores.map((s) => s.ping()));
      const result = await stores[3]!.ingest({
        orgId: 'org_m',
        events: [event(Date.now())],
        receivedAt: Date.now(),
      });
      expect(result.accepted).toBe(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('is a no-op on an up-to-date schema', async () => {
    const store = await openPg(schema.url);
    try {
      await store.migrate();
      expect(await countRows(store, 'schema_migrations')).toBe(MIGRATIONS.length);
    } finally {
      await store.close();
    }
  });

  it('puts org_id first in the primary key of every per-tenant table', async () => {
    const store = await openPg(schema.url);
    try {
      const { rows } = await store.pool.query<{ table: string; first: string }>(
        `SELECT t.relname AS table, a.attname AS first
           FROM pg_index x
           JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
          WHERE x.indisprimary AND n.nspname = current_schema() AND t.relkind IN ('r', 'p')
            AND NOT t.relispartition
          ORDER BY 1`,
      );
      const firsts = Object.fromEntries(rows.map((r) => [r.table, r.first]));
      for (const table of [
        'events',
        'event_ids',
        'daily_counts',
        'daily_users',
        'metrics',
        'idempotency_keys',
        'user_orgs',
      ]) {
        expect(firsts[table], table).toBe('org_id');
      }
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(skip)('PostgreSQL partitions', () => {
  let schema: Schema;
  let store: PostgresEventStore;
  beforeAll(async () => {
    schema = await freshSchema();
    store = await openPg(schema.url);
  });
  afterAll(async () => {
    await store?.close();
    await schema?.dispose();
  });

  it('makes monthly partitions from last month to three months ahead at start', async () => {
    const now = monthOf(Date.now());
    const names = await partitions(store);
    for (let m = now - 1; m <= now + 3; m++) expect(names).toContain(partitionName(m));
    expect(names).toContain('events_from_2100');
  });

  it('makes the months that come into range as time passes', async () => {
    const later = Date.now() + 200 * 86_400_000;
    const created = await store.maintainPartitions(later);
    expect(created).toContain(monthOf(later) + 3);
    expect(await partitions(store)).toContain(partitionName(monthOf(later) + 3));
    expect(await store.maintainPartitions(later)).toEqual([]);
  });

  it('makes a partition on demand for an event outside the prepared months', async () => {
    const far = Date.UTC(2041, 6, 15, 12);
    const past = Date.UTC(2003, 1, 28, 23, 59, 59, 999);
    const before = await partitions(store);
    expect(before).not.toContain('events_y2041m07');
    const result = await store.ingest({
      orgId: 'org_far',
      events: [event(far), event(past)],
      receivedAt: Date.now(),
    });
    expect(result.accepted).toBe(2);
    const after = await partitions(store);
    expect(after).toContain('events_y2041m07');
    expect(after).toContain('events_y2003m02');
    const page = await store.queryEvents({ orgId: 'org_far', limit: 10 });
    expect(page.events.map((e) => e.ts)).toEqual([far, past]);
  });

  it('stores events from 2100 on in the catch-all without new partitions', async () => {
    const before = await partitions(store);
    const ts = Date.UTC(2187, 0, 1);
    expect(
      (await store.ingest({ orgId: 'org_far', events: [event(ts)], receivedAt: Date.now() })).accepted,
    ).toBe(1);
    expect(await partitions(store)).toEqual(before);
    const { rows } = await store.pool.query('SELECT 1 FROM events_from_2100 WHERE org_id = $1', ['org_far']);
    expect(rows).toHaveLength(1);
  });

  it('recreates a partition dropped behind a running store and retries the insert', async () => {
    const ts = Date.UTC(2044, 2, 10);
    await store.ingest({ orgId: 'org_drop', events: [event(ts)], receivedAt: Date.now() });
    // Another process (an operator's retention job) drops it; this store's cache still lists the month.
    await store.pool.query('DROP TABLE events_y2044m03');
    const result = await store.ingest({
      orgId: 'org_drop',
      events: [event(ts + 1000)],
      receivedAt: Date.now(),
    });
    expect(result.accepted).toBe(1);
    expect(await partitions(store)).toContain('events_y2044m03');
  });

  it('lets two replicas create the same new month at once', async () => {
    const other = await openPg(schema.url);
    try {
      const ts = Date.UTC(2052, 8, 1);
      const results = await Promise.all(
        [store, other, store, other].map((s) =>
          s.ingest({ orgId: 'org_race', events: [event(ts)], receivedAt: Date.now() }),
        ),
      );
      expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(4);
      expect((await partitions(store)).filter((p) => p === 'events_y2052m09')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('dedups an event id across partitions (same id, another month)', async () => {
    const id = crypto.randomUUID();
    const first = await store.ingest({
      orgId: 'org_dup',
      events: [event(Date.UTC(2045, 0, 5), id)],
      receivedAt: 1,
    });
    const again = await store.ingest({
      orgId: 'org_dup',
      events: [event(Date.UTC(2045, 5, 5), id)],
      receivedAt: 2,
    });
    expect([first.accepted, again.accepted, again.duplicates]).toEqual([1, 0, 1]);
    expect(await countRows(store, 'events', 'org_dup')).toBe(1);
  });

  it('prunes partitions for an org page in a time range (EXPLAIN)', async () => {
    const { rows } = await store.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM events WHERE org_id = 'org_far'
         AND "timestamp" >= '2041-07-01' AND "timestamp" < '2041-08-01'
       ORDER BY "timestamp" DESC, event_id DESC LIMIT 50`,
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('events_y2041m07');
    expect(plan).not.toContain('events_y2003m02');
  });
});
