import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/lib/ids.js';
import { createStore } from '../../src/store/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'analytics-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite checkpoints on a worker thread', () => {
  it('copies committed pages into the database file without the writer, and closes cleanly', async () => {
    const path = join(dir, 'a.db');
    const store = await createStore(`sqlite:${path}`);
    await store.migrate();
    const before = statSync(path).size;
    for (let b = 0; b < 20; b++) {
      const now = Date.now();
      await store.ingest({
        orgId: 'org_ckpt',
        receivedAt: now,
        events: Array.from({ length: 100 }, (_, i) => ({
          eventId: uuidv7(now),
          eventType: 'page_view',
          userId: `u${i}`,
          ts: now,
          properties: { path: `/p/${b}/${i}`, text: 'x'.repeat(200) },
          schemaVersion: 1,
        })),
      });
    }
    // The writer's own threshold (32,000 pages) is far away: only the worker can have grown the file.
    const deadline = Date.now() + 15_000;
    while (statSync(path).size === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statSync(path).size).toBeGreaterThan(before);
    expect(existsSync(`${path}-wal`)).toBe(true);

    await store.close();
    // The store's connection closed last: it checkpointed the rest and removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = await createStore(`sqlite:${path}`);
    expect((await reopened.eventTypes('org_ckpt'))[0]).toMatchObject({ eventType: 'page_view', count: 2000 });
    await reopened.close();
  });
});
