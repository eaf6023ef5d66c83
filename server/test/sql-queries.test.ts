/**
 * Runs every `@sqlite` statement of sql/queries.sql against a database seeded from sample_data/ (through the
 * server's own seeding, timestamps shifted) and checks the results against values computed here, directly
 * from the sample files, without the server's code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../src/lib/sample.js';
import { createStore, type SqliteEventStore } from '../src/store/sqlite/index.js';
import { DAY, date, events, expectedDau, expectedTopOrgs, now, ROOT, statements } from './sql-fixture.js';

describe('sql/queries.sql', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: Database.Database;
  const sqlite = statements('sqlite');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'analytics-sql-'));
    store = (await createStore(`sqlite:${join(dir, 'sample.db')}`)) as SqliteEventStore;
    await store.migrate();
    expect(await store.seedSample(await loadSample(join(ROOT, 'sample_data'), now))).toBe(true);
    db = new Database(join(dir, 'sample.db'), { readonly: true });
  });
  afterAll(async () => {
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the SQLite statements T1.1, T1.2 and T1.3 and a place for each PostgreSQL form', () => {
    expect([...sqlite.keys()]).toEqual(['T1.1', 'T1.1-rollup', 'T1.2', 'T1.2-events', 'T1.3']);
    expect([...statements('postgres').keys()]).toEqual(['T1.1', 'T1.2', 'T1.3']);
  });

  it('T1.1 ranks the top 5 orgs by events in the last 30 days, with name and plan', () => {
    const expected = expectedTopOrgs();
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(db.prepare(sqlite.get('T1.1')!).all({ now_ms: now })).toEqual(expected);
  });

  it('T1.1 from the rollup ranks by the 30 UTC days ending today', () => {
    const lastDay = Math.floor(now / DAY);
    const counts = new Map<string, number>();
    for (const e of events) {
      const d = Math.floor(e.ts / DAY);
      if (d >= lastDay - 29 && d <= lastDay) counts.set(e.org_id, (counts.get(e.org_id) ?? 0) + 1);
    }
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    const rows = db.prepare(sqlite.get('T1.1-rollup')!).all({ last_day: lastDay }) as {
      org_id: string;
      events: number;
    }[];
    expect(rows.map((r) => [r.org_id, r.events])).toEqual(expected);
  });

  it('T1.2 gives DAU per org for every day of the range, zero days included (both forms)', () => {
    const endDay = Math.floor(now / DAY) + 2; // two days after the newest event: zeros at the end
    const startDay = endDay - 44;
    const expected = expectedDau(startDay, endDay);
    expect(expected.some((r) => r.dau === 0)).toBe(true);
    expect(expected.some((r) => r.dau > 1)).toBe(true);
    const params = { start_date: date(startDay), end_date: date(endDay) };
    expect(db.prepare(sqlite.get('T1.2')!).all(params)).toEqual(expected);
    expect(db.prepare(sqlite.get('T1.2-events')!).all(params)).toEqual(expected);
  });

  it('T1.3 is the schema the migrations create', () => {
    const fresh = new Database(':memory:');
    fresh.exec(sqlite.get('T1.3')!);
    const shape = (d: Database.Database, table: string) => ({
      columns: d.prepare(`PRAGMA table_xinfo(${table})`).all(),
      indexes: (d.prepare(`PRAGMA index_list(${table})`).all() as { name: string }[])
        .map((i) => ({ ...i, columns: d.prepare(`PRAGMA index_xinfo(${i.name})`).all() }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
      withoutRowid: /WITHOUT ROWID/i.test(
        (d.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(table) as { sql: string }).sql,
      ),
    });
    for (const table of ['orgs', 'users', 'event_types', 'events', 'daily_counts', 'daily_users']) {
      expect(shape(fresh, table), table).toEqual(shape(db, table));
    }
    fresh.close();
  });
});
