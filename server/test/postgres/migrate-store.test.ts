/**
 * `npm run migrate-store` as an operator runs it (a child process): copies every table, stops and resumes,
 * checks counts, and the copy answers like the original.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../src/lib/sample.js';
import { DAY_MS, dayBoundaries, formatDay } from '../../src/lib/time.js';
import { COPIED_TABLES } from '../../src/store/postgres/copy.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { ingestResponseBody } from '../../src/store/shared.js';
import { createStore as createSqlite } from '../../src/store/sqlite/index.js';
import type { EventQuery, EventStore, IngestResult } from '../../src/store/types.js';
import { countRows, freshSchema, openPg, type Schema, skip } from './fixture.js';

const CLI = new URL('../../src/cli/migrate-store.ts', import.meta.url).pathname;
const SAMPLE_DIR = new URL('../../../sample_data/', import.meta.url).pathname;

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

async function walk(store: EventStore, q: Omit<EventQuery, 'before' | 'limit'>): Promise<unknown[]> {
  const all: unknown[] = [];
  let before: EventQuery['before'];
  for (;;) {
    const page = await store.queryEvents({ ...q, limit: 1000, before });
    all.push(...page.events);
    const last = page.events[page.events.length - 1];
    if (!page.hasMore || !last) return all;
    before = { ts: last.ts, eventId: last.eventId };
  }
}

describe.skipIf(skip)('npm run migrate-store', () => {
  let dir: string;
  let sqliteUrl: string;
  let schema: Schema;
  let source: EventStore;
  let replayed: IngestResult;
  const now = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'analytics-copy-'));
    sqliteUrl = `sqlite:${join(dir, 'source.db')}`;
    schema = await freshSchema();
    source = await createSqlite(sqliteUrl);
    await source.migrate();
    await source.seedSample(await loadSample(SAMPLE_DIR, now));
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      orgId: `org_c${i % 4}`,
      eventId: crypto.randomUUID(),
      eventType: ['view', 'click', 'buy'][i % 3]!,
      userId: i % 10 === 0 ? null : `user_${i % 97}`,
      ts: now - i * 37_000,
      receivedAt: now,
      properties: { i, nested: { ok: i % 2 === 0 } },
      schemaVersion: 1,
    }));
    await source.bulkLoad(rows);
    await source.claimIdempotencyKey({ orgId: 'org_c1', key: 'k-1', requestHash: 'hash-1', now });
    replayed = await source.ingest({
      orgId: 'org_c1',
      events: [
        {
          eventId: crypto.randomUUID(),
          eventType: 'view',
          userId: 'u',
          ts: now,
          properties: {},
          schemaVersion: 1,
        },
      ],
      receivedAt: now,
      idempotency: { key: 'k-1', requestHash: 'hash-1' },
    });
    await source.close();
    source = await createSqlite(sqliteUrl);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await schema?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a source that does not exist, without creating it', async () => {
    const res = await runCli(['--from', `sqlite:${join(dir, 'missing.db')}`, '--to', schema.url]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/cannot open/);
  });

  it('stops after --max-chunks and resumes where it stopped, with counts checked', async () => {
    const first = await runCli([
      '--from',
      sqliteUrl,
      '--to',
      schema.url,
      '--chunk',
      '500',
      '--max-chunks',
      '5',
    ]);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/run the same command again/);
    const target = await openPg(schema.url);
    try {
      const partial = await countRows(target, 'events');
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(4000);
      const { rows } = await target.pool.query<{ copied: string; done: boolean }>(
        "SELECT copied, done FROM store_copy_progress WHERE table_name = 'events'",
      );
      expect(rows).toEqual([{ copied: String(partial), done: false }]);
    } finally {
      await target.close();
    }
    const second = await runCli(['--from', sqliteUrl, '--to', schema.url, '--chunk', '500']);
    expect(second.code, second.out).toBe(0);
    for (const table of COPIED_TABLES) expect(second.out).toMatch(new RegExp(`${table}\\s+\\d+ = \\d+`));
    expect(second.out).toMatch(/events\s+4\d{3} = 4\d{3}/);
    // Running it again copies nothing twice.
    const third = await runCli(['--from', sqliteUrl, '--to', schema.url]);
    expect(third.code, third.out).toBe(0);
    expect(third.out).not.toContain('≠');
  }, 120_000);

  it('answers every read like the source', async () => {
    const target = await openPg(schema.url);
    try {
      for (const org of ['org_c0', 'org_c3', 'org_acme', 'org_globex']) {
        expect(await walk(target, { orgId: org })).toEqual(await walk(source, { orgId: org }));
        expect(await target.eventTypes(org)).toEqual(await source.eventTypes(org));
        expect(await target.storedMetricNames(org)).toEqual(await source.storedMetricNames(org));
        const last = Math.floor(now / DAY_MS);
        const q = {
          orgId: org,
          dayStarts: dayBoundaries(last - 89, last, 'UTC'),
          dates: Array.from({ length: 90 }, (_, i) => formatDay(last - 89 + i)),
          events: true,
          activeUsers: true,
          eventTypes: ['click'],
          storedMetrics: await source.storedMetricNames(org),
        };
        expect(await target.metricsSummary(q)).toEqual(await source.metricsSummary(q));
      }
      // Completed idempotency records travel too: the same request is replayed, byte for byte.
      expect(
        await target.claimIdempotencyKey({
          orgId: 'org_c1',
          key: 'k-1',
          requestHash: 'hash-1',
          now: now + 1,
        }),
      ).toEqual({
        state: 'completed',
        sameRequest: true,
        response: { status: 202, body: ingestResponseBody(replayed) },
      });
      // The sample marker came along, so a replica started with ANALYTICS_SEED=sample does not seed again.
      expect(await target.seedSample(await loadSample(SAMPLE_DIR, now))).toBe(false);
    } finally {
      await target.close();
    }
  });

  it('refuses to merge into a target that holds other data', async () => {
    const other = await freshSchema();
    const target: PostgresEventStore = await openPg(other.url);
    try {
      await target.ingest({
        orgId: 'org_x',
        events: [
          {
            eventId: crypto.randomUUID(),
            eventType: 'v',
            userId: null,
            ts: now,
            properties: {},
            schemaVersion: 1,
          },
        ],
        receivedAt: now,
      });
      const res = await runCli(['--from', sqliteUrl, '--to', other.url]);
      expect(res.code).toBe(1);
      expect(res.out).toMatch(/already holds/);
    } finally {
      await target.close();
      await other.dispose();
    }
  });
});
