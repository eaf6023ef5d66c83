/**
 * Rows stored before the visitors migration get their visitor and page columns from the chunked backfill
 * after start, on both stores: SQLite from a real version-2 database file, PostgreSQL from rows whose
 * columns are emptied and marked as the migration marks them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidToBytes, uuidv7 } from '../../src/lib/ids.js';
import { DAY_MS, dayBoundaries, formatDay } from '../../src/lib/time.js';
import { openStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import type { EventStore, MetricsSummaryQuery } from '../../src/store/types.js';
import { freshSchema, PG_URL } from '../postgres/fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 10, 9);
const DAY = Math.floor(T0 / DAY_MS);
const N = 12_000; // more than two chunks of 5,000

/** What every row of the data set is: a page view with a path and referrer, or a click; 1 in 4 anonymous. */
function row(i: number) {
  const view = i % 2 === 0;
  return {
    type: view ? 'page_view' : 'click',
    user: i % 4 === 3 ? null : `u${i % 50}`,
    properties: view ? { path: `/p/${i % 7}?utm_source=ads`, referrer: 'https://www.news.example/a' } : { i },
  };
}

function summaryQuery(orgId: string): MetricsSummaryQuery {
  return {
    orgId,
    dayStarts: dayBoundaries(DAY, DAY, 'UTC'),
    dates: [formatDay(DAY)],
    events: true,
    activeUsers: true,
    eventTypes: [],
    storedMetrics: [],
    visitors: true,
  };
}

async function expectFilled(store: EventStore, orgId: string): Promise<void> {
  await store.backfill();
  const page = await store.queryEvents({
    orgId,
    limit: 1000,
    filters: [{ dimension: 'path', op: '==', value: '/p/3' }],
  });
  expect(page.events.length).toBeGreaterThan(0);
  for (const e of page.events) {
    expect(e).toMatchObject({ path: '/p/3', referrerHost: 'news.example', utmSource: 'ads', isBot: false });
    expect(e.visitorId).toBe(e.userId);
  }
  const summary = await store.metricsSummary(summaryQuery(orgId));
  expect(summary.totalVisitors).toBe(50);
  expect(summary.days[0]!.visitors).toBe(50);
}

describe('EventStore.backfill() (sqlite)', () => {
  it('fills rows a version-2 database held, in chunks, after the migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'analytics-backfill-'));
    dirs.push(dir);
    const path = join(dir, 'v2.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[0]!.sql);
    db.exec(MIGRATIONS[1]!.sql);
    db.pragma('user_version = 2');
    db.prepare("INSERT INTO orgs (id, org_id) VALUES (1, 'org_old')").run();
    db.prepare("INSERT INTO event_types (id, name) VALUES (1, 'page_view'), (2, 'click')").run();
    const insertUser = db.prepare('INSERT INTO users (id, user_id) VALUES (?, ?)');
    for (let u = 0; u < 50; u++) insertUser.run(u + 1, `u${u}`);
    const insert = db.prepare(
      `INSERT INTO events (org, ts, event_id, type, user, received_at, schema_version, properties)
       VALUES (1, ?, ?, ?, ?, ?, 1, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < N; i++) {
        const r = row(i);
        const ts = T0 + i * 1000;
        const user = r.user === null ? null : Number(r.user.slice(1)) + 1;
        insert.run(
          ts,
          uuidToBytes(uuidv7(ts)),
          r.type === 'page_view' ? 1 : 2,
          user,
          ts,
          JSON.stringify(r.properties),
        );
      }
    })();
    db.close();

    const store = await openStore(`sqlite:${path}`);
    try {
      await expectFilled(store, 'org_old');
      // Nothing is left to do, and the marker is gone.
      expect(await store.backfill()).toBeGreaterThanOrEqual(0);
      const check = new Database(path, { readonly: true });
      expect(check.prepare("SELECT count(*) AS n FROM meta WHERE key = 'backfill_visitors'").get()).toEqual({
        n: 0,
      });
      // Every page view has its path; visitor ids stay empty, as reads take the user (see writer.ts).
      expect(check.prepare('SELECT count(*) AS n FROM events WHERE type = 1 AND path IS NULL').get()).toEqual(
        {
          n: 0,
        },
      );
      check.close();
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe.skipIf(PG_URL === '')('EventStore.backfill() (postgres)', () => {
  it('fills rows received before the migration, in chunks, and keeps values rows already have', async () => {
    const schema = await freshSchema();
    let store = await openStore(schema.url);
    try {
      const orgId = 'org_old';
      await store.bulkLoad(
        Array.from({ length: N }, (_, i) => {
          const r = row(i);
          return {
            orgId,
            eventId: uuidv7(T0 + i * 1000),
            eventType: r.type,
            userId: r.user,
            ts: T0 + i * 1000,
            receivedAt: T0 + i * 1000,
            properties: r.properties,
            schemaVersion: 1,
          };
        }),
      );
      // As a database migrated from version 1 holds them: no derived columns, no daily visitors, and the
      // marker the migration writes.
      const pool = (store as unknown as { pool: import('pg').Pool }).pool;
      await pool.query(
        `UPDATE events SET visitor_id = NULL, path = NULL, referrer_host = NULL, utm_source = NULL,
           utm_medium = NULL, utm_campaign = NULL`,
      );
      await pool.query('DELETE FROM daily_visitors');
      await pool.query(
        `INSERT INTO meta (key, value) VALUES ('backfill_visitors', json_build_object('before_ms', $1::float8)::text)`,
        [T0 + DAY_MS],
      );
      await store.close();
      store = await openStore(schema.url);
      await expectFilled(store, orgId);
      const reopened = (store as unknown as { pool: import('pg').Pool }).pool;
      const { rows } = await reopened.query(
        "SELECT count(*)::int AS n FROM meta WHERE key = 'backfill_visitors'",
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await store.close();
      await schema.dispose();
    }
  }, 60_000);
});
