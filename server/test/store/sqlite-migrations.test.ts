import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidToBytes, uuidv7 } from '../../src/lib/ids.js';
import { SqliteEventStore } from '../../src/store/sqlite/index.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A database file left by a server that ran only the first migration, holding a few events. */
function versionOneDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-migrate-'));
  dirs.push(dir);
  const path = join(dir, 'v1.db');
  const db = new Database(path);
  db.exec(MIGRATIONS[0]!.sql);
  db.pragma('user_version = 1');
  db.prepare("INSERT INTO orgs (id, org_id) VALUES (1, 'org_old')").run();
  db.prepare("INSERT INTO event_types (id, name) VALUES (1, 'click'), (2, 'login')").run();
  db.prepare("INSERT INTO users (id, user_id) VALUES (1, 'u_old')").run();
  const t0 = Date.UTC(2026, 0, 10);
  const ids = Array.from({ length: 5 }, (_, i) => uuidv7(t0 + i * 1000));
  const insert = db.prepare(
    `INSERT INTO events (org, ts, event_id, type, user, received_at, schema_version, properties)
     VALUES (1, ?, ?, ?, ?, ?, 1, ?)`,
  );
  ids.forEach((id, i) => {
    insert.run(t0 + i * 1000, uuidToBytes(id), (i % 2) + 1, i === 4 ? null : 1, t0, `{"i":${i}}`);
  });
  db.prepare('INSERT INTO daily_users (org, day, user) VALUES (1, ?, 1)').run(Math.floor(t0 / 86_400_000));
  db.prepare(
    `INSERT INTO idempotency_keys (org, key, request_hash, status, body, created_at)
     VALUES (1, 'key-1', 'hash-1', 202, '{"accepted":5}', ?)`,
  ).run(t0);
  db.close();
  return { path, ids, t0 };
}

describe('SQLite migrations', () => {
  it('moves version-1 events and idempotency records into the rowid tables without losing any', async () => {
    const { path, ids, t0 } = versionOneDatabase();
    const store = new SqliteEventStore(path);
    await store.migrate();
    try {
      expect(store.db.handle.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);

      const page = await store.queryEvents({ orgId: 'org_old', limit: 10 });
      expect(page.events.map((e) => e.eventId)).toEqual([...ids].reverse());
      expect(page.events.map((e) => e.properties)).toEqual([4, 3, 2, 1, 0].map((i) => ({ i })));
      expect(page.events[0]!.userId).toBeNull();
      expect(page.events[1]).toMatchObject({ userId: 'u_old', eventType: 'login', ts: t0 + 3000 });

      // The filters read the new index.
      const logins = await store.queryEvents({ orgId: 'org_old', limit: 10, eventTypes: ['login'] });
      expect(logins.events.map((e) => e.eventId)).toEqual([ids[3], ids[1]]);
      const byUser = await store.queryEvents({ orgId: 'org_old', limit: 10, userId: 'u_old' });
      expect(byUser.events.map((e) => e.eventId)).toEqual([ids[3], ids[2], ids[1], ids[0]]);

      // Dedup still holds for the moved rows, and the stored response is still replayed.
      const again = await store.ingest({
        orgId: 'org_old',
        receivedAt: Date.now(),
        events: [
          { eventId: ids[0]!, eventType: 'click', userId: null, ts: t0, properties: {}, schemaVersion: 1 },
        ],
      });
      expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
      const claim = await store.claimIdempotencyKey({
        orgId: 'org_old',
        key: 'key-1',
        requestHash: 'hash-1',
        now: Date.now(),
      });
      expect(claim).toEqual({
        state: 'completed',
        sameRequest: true,
        response: { status: 202, body: '{"accepted":5}' },
      });
    } finally {
      await store.close();
    }
  });

  it('is a no-op on a database that is already current', async () => {
    const { path } = versionOneDatabase();
    const first = new SqliteEventStore(path);
    await first.migrate();
    const schema = first.db.all('SELECT name, sql FROM sqlite_schema ORDER BY name');
    await first.close();
    const second = new SqliteEventStore(path);
    await second.migrate();
    expect(second.db.all('SELECT name, sql FROM sqlite_schema ORDER BY name')).toEqual(schema);
    expect((await second.queryEvents({ orgId: 'org_old', limit: 10 })).events).toHaveLength(5);
    await second.close();
  });
});
