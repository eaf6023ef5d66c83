/**
 * The same data in both stores gives the same answers: every page of every filter shape, metrics summaries in
 * UTC (rollups) and in zones whose days are not UTC days (scans), event types and stored metric names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../src/lib/sample.js';
import { DAY_MS, dayBoundaries, formatDay } from '../../src/lib/time.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { createStore as createSqlite } from '../../src/store/sqlite/index.js';
import type { EventQuery, EventStore, NewEvent } from '../../src/store/types.js';
import { freshSchema, openPg, type Schema, skip } from './fixture.js';

const SAMPLE_DIR = new URL('../../../sample_data/', import.meta.url).pathname;
const NOW = Date.UTC(2026, 4, 20, 15, 30);

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(n: number): (NewEvent & { orgId: string; receivedAt: number })[] {
  const r = rng(42);
  const types = ['page_view', 'click', 'signup', 'purchase', 'Feature.Used'];
  const out: (NewEvent & { orgId: string; receivedAt: number })[] = [];
  let ts = NOW;
  for (let i = 0; i < n; i++) {
    // Every fourth event shares the previous timestamp: ties must break by event id on both stores.
    if (i % 4 !== 0) ts -= Math.floor(r() * 40 * 60_000);
    out.push({
      orgId: `org_p${i % 3}`,
      eventId: crypto.randomUUID(),
      eventType: types[Math.floor(r() * r() * types.length)]!,
      userId: r() < 0.1 ? null : `user_${Math.floor(r() * 60)}`,
      ts,
      receivedAt: ts + 1000,
      properties: { i, v: r(), tags: ['a', { b: i % 5 }] },
      schemaVersion: 1 + (i % 2),
    });
  }
  return out;
}

async function walk(store: EventStore, q: Omit<EventQuery, 'before'>): Promise<unknown[]> {
  const all: unknown[] = [];
  let before: EventQuery['before'];
  for (;;) {
    const page = await store.queryEvents({ ...q, before });
    all.push(...page.events);
    const last = page.events[page.events.length - 1];
    if (!page.hasMore || !last) return all;
    before = { ts: last.ts, eventId: last.eventId };
  }
}

describe.skipIf(skip)('PostgreSQL and SQLite give the same answers', () => {
  let schema: Schema;
  let dir: string;
  let pg: PostgresEventStore;
  let lite: EventStore;

  beforeAll(async () => {
    schema = await freshSchema();
    dir = mkdtempSync(join(tmpdir(), 'analytics-parity-'));
    pg = await openPg(schema.url);
    lite = await createSqlite(`sqlite:${join(dir, 'parity.db')}`);
    await lite.migrate();
    const sample = await loadSample(SAMPLE_DIR, NOW);
    const rows = generate(3000);
    for (const store of [pg, lite]) {
      expect(await store.seedSample(sample)).toBe(true);
      expect(await store.seedSample(sample)).toBe(false);
      expect(await store.bulkLoad(rows.slice(0, 2000))).toBe(2000);
      // The rest through the ingest path, in batches of 100, one org per batch, with some repeats.
      for (let i = 2000; i < rows.length; i += 100) {
        const chunk = rows.slice(i, i + 100);
        for (const org of ['org_p0', 'org_p1', 'org_p2']) {
          const events = chunk.filter((e) => e.orgId === org);
          await store.ingest({ orgId: org, events: [...events, ...events.slice(0, 3)], receivedAt: NOW });
        }
      }
    }
  }, 120_000);

  afterAll(async () => {
    await pg?.close();
    await lite?.close();
    await schema?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const from = NOW - 20 * DAY_MS;
  it.each<[string, Omit<EventQuery, 'before'>]>([
    ['everything', { orgId: 'org_p1', limit: 97 }],
    ['one type', { orgId: 'org_p0', eventTypes: ['signup'], limit: 50 }],
    [
      'two types and a range',
      { orgId: 'org_p2', eventTypes: ['click', 'purchase'], fromTs: from, toTs: NOW - DAY_MS, limit: 33 },
    ],
    ['one user', { orgId: 'org_p1', userId: 'user_7', limit: 5 }],
    ['a user and a type', { orgId: 'org_p0', userId: 'user_3', eventTypes: ['page_view'], limit: 2 }],
    ['a sample org', { orgId: 'org_acme', limit: 1000 }],
    ['an unknown org', { orgId: 'org_nobody', limit: 10 }],
  ])('walks %s page by page identically', async (_, q) => {
    const [a, b] = await Promise.all([walk(pg, q), walk(lite, q)]);
    expect(a.length).toBe(b.length);
    expect(a).toEqual(b);
  });

  it.each(['UTC', 'America/New_York', 'Asia/Kathmandu', 'Europe/London'])(
    'summarises 45 days in %s identically',
    async (tz) => {
      const last = Math.floor(NOW / DAY_MS);
      const first = last - 44;
      const dates = Array.from({ length: 45 }, (_, i) => formatDay(first + i));
      for (const org of ['org_p0', 'org_acme', 'org_globex']) {
        const names = await lite.storedMetricNames(org);
        expect(await pg.storedMetricNames(org)).toEqual(names);
        const q = {
          orgId: org,
          dayStarts: dayBoundaries(first, last, tz),
          dates,
          events: true,
          activeUsers: true,
          eventTypes: ['signup', 'Feature.Used', 'never_seen'],
          storedMetrics: names,
        };
        const [a, b] = await Promise.all([pg.metricsSummary(q), lite.metricsSummary(q)]);
        expect(a).toEqual(b);
        expect(a.days.some((d) => d.events > 0)).toBe(true);
      }
    },
  );

  it('lists event types identically', async () => {
    for (const org of ['org_p0', 'org_p1', 'org_hooli', 'org_nobody']) {
      expect(await pg.eventTypes(org)).toEqual(await lite.eventTypes(org));
    }
  });
});
