import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/lib/ids.js';
import { SqliteEventStore } from '../../src/store/sqlite/index.js';
import { toEventColumns } from '../../src/store/sqlite/writer.js';
import { WriterThread } from '../../src/store/sqlite/writer-thread.js';
import type { NewEvent } from '../../src/store/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function databasePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-writer-'));
  dirs.push(dir);
  return join(dir, 'w.db');
}

function events(n: number, type = 'click'): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: uuidv7(),
    eventType: type,
    userId: `u${i % 7}`,
    ts: Date.now() - i,
    properties: { i },
    schemaVersion: 1,
  }));
}

describe('the SQLite writer thread', () => {
  it('writes a file database from the thread; what it answered is visible to reads at once', async () => {
    const store = new SqliteEventStore(databasePath());
    await store.migrate();
    expect(store.writer).toBe('thread');
    const batches = Array.from({ length: 12 }, () => events(50));
    const results = await Promise.all(
      batches.map((evs) => store.ingest({ orgId: 'org_w', events: evs, receivedAt: Date.now() })),
    );
    expect(results.every((r) => r.accepted === 50)).toBe(true);
    // Read on the event loop's own connection, right after the answers.
    const page = await store.queryEvents({ orgId: 'org_w', limit: 1000 });
    expect(page.events).toHaveLength(600);
    const types = await store.eventTypes('org_w');
    expect(types).toEqual([expect.objectContaining({ eventType: 'click', count: 600 })]);
    // A retry is still a duplicate, decided by the thread's connection.
    const again = await store.ingest({ orgId: 'org_w', events: batches[0]!, receivedAt: Date.now() });
    expect(again).toMatchObject({ accepted: 0, duplicates: 50 });
    expect(store.writeStats().transactions).toBeLessThan(13); // grouped: fewer commits than batches
    await store.close();
  });

  it('finishes every accepted batch before close() resolves', async () => {
    const path = databasePath();
    const store = new SqliteEventStore(path);
    await store.migrate();
    const pending = Array.from({ length: 20 }, () =>
      store.ingest({ orgId: 'org_c', events: events(20), receivedAt: Date.now() }),
    );
    await store.close();
    expect((await Promise.all(pending)).every((r) => r.accepted === 20)).toBe(true);
    const reopened = new SqliteEventStore(path);
    await reopened.migrate();
    expect((await reopened.queryEvents({ orgId: 'org_c', limit: 1000 })).events).toHaveLength(400);
    await reopened.close();
  });

  it('rejects what was pending when the thread dies, and reports the failure', async () => {
    const path = databasePath();
    const store = new SqliteEventStore(path, {});
    await store.migrate(); // the schema, from the store's own connection
    let failure = '';
    const thread = new WriterThread({ path, synchronous: 'NORMAL', autocheckpointPages: 1000 }, (reason) => {
      failure = reason;
    });
    const ok = await thread.writeGroup([
      { orgId: 'org_t', receivedAt: Date.now(), events: toEventColumns(events(1)) },
    ]);
    expect(ok[0]).toMatchObject({ ok: true, result: { accepted: 1 } });
    const pending = thread.writeGroup([
      { orgId: 'org_t', receivedAt: Date.now(), events: toEventColumns(events(100)) },
    ]);
    await thread.terminate();
    await expect(pending).rejects.toThrow(/writer thread stopped/);
    expect(failure).toMatch(/exited/);
    await expect(thread.purgeIdempotencyKeys(0)).rejects.toThrow(/writer thread stopped/);
    // The dead thread's connection holds no lock: another connection of the process writes at once.
    // (This is what the store's fallback to the event loop relies on.)
    const inline = new SqliteEventStore(path);
    await inline.migrate();
    await inline.bulkLoad(events(5).map((e) => ({ ...e, orgId: 'org_t', receivedAt: Date.now() })));
    expect((await inline.queryEvents({ orgId: 'org_t', limit: 1000 })).events.length).toBeGreaterThanOrEqual(
      6,
    );
    await inline.close();
    await store.close();
  });

  it('writes on the event loop for an in-memory database', async () => {
    const store = new SqliteEventStore(':memory:');
    await store.migrate();
    expect(store.writer).toBe('inline');
    expect((await store.ingest({ orgId: 'o', events: events(3), receivedAt: Date.now() })).accepted).toBe(3);
    await store.close();
  });
});
