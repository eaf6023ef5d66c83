/**
 * What a publishable key copied from a public page lets an attacker store in the delivery bookkeeping:
 * floods of random install ids, seqs, timestamps and reported ranges stay within the caps, on every store,
 * and the installs seen least recently are the ones that go.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientReport } from '../../src/contract.js';
import { type DeliveryLimits, prepareClientReport } from '../../src/domain/delivery.js';
import { prepareEvents } from '../../src/domain/ingest.js';
import { openStore } from '../../src/store/index.js';
import type { EventStore } from '../../src/store/types.js';
import { orgId, stores } from '../helpers.js';

const DAY = 86_400_000;
const LIMITS: DeliveryLimits = { maxInstalls: 20, maxRanges: 8, maxDroppedRanges: 4, maxDays: 5 };

async function withStore(
  storeCase: (typeof stores)[number],
  fn: (store: EventStore) => Promise<void>,
): Promise<void> {
  const db = await storeCase.provision();
  const store = await openStore(db.url, { deliveryLimits: LIMITS });
  try {
    await fn(store);
  } finally {
    await store.close();
    await db.dispose();
  }
}

async function send(
  store: EventStore,
  org: string,
  now: number,
  events: { install: string; seq: number; ts: number }[],
  client?: ClientReport,
): Promise<void> {
  const prepared = prepareEvents(
    events.map((e) => ({
      event_type: 'flood',
      timestamp: new Date(e.ts).toISOString(),
      context: { delivery: { install_id: e.install, seq: e.seq } },
    })),
    now,
  );
  await store.ingest({
    orgId: org,
    events: prepared,
    receivedAt: now,
    ...(client && { client: prepareClientReport(client) }),
  });
}

const everything = (store: EventStore, org: string) =>
  store.deliveryData({ orgId: org, fromTs: 0, toTs: 4_000_000_000_000, seenSince: 0 });

describe.each(stores)('delivery bounds ($name)', (storeCase) => {
  it('keeps installs, ranges, dropped ranges and days within the caps under a flood', async () => {
    await withStore(storeCase, async (store) => {
      const org = orgId('flood');
      const base = Date.now();
      const floodArb = fc.array(
        fc.record({
          installs: fc.array(fc.integer({ min: 0, max: 199 }), { minLength: 1, maxLength: 5 }),
          events: fc.array(
            fc.record({
              pick: fc.nat(),
              seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
              day: fc.integer({ min: 0, max: 60 }),
            }),
            { minLength: 1, maxLength: 40 },
          ),
          ranges: fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.nat({ max: 1_000 })), {
            maxLength: 32,
          }),
        }),
        { minLength: 40, maxLength: 40 },
      );
      const [flood] = fc.sample(floodArb, { numRuns: 1, seed: 42 });
      let now = base;
      for (const batch of flood!) {
        now += 1_000;
        const ids = batch.installs.map((i) => `attacker_${i}`);
        await send(
          store,
          org,
          now,
          batch.events.map((e) => ({
            install: ids[e.pick % ids.length]!,
            seq: e.seq,
            ts: now - e.day * DAY,
          })),
          {
            install_id: ids[0]!,
            queue_depth: 1_000_000,
            dropped: {
              opt_out: { count: 1_000_000, ranges: batch.ranges.map(([a, len]) => [a, a + len]) },
              sampled: { count: 5 },
            },
          },
        );
        const { installs } = await everything(store, org);
        // At most the cap, but never an install of the batch that was just written.
        expect(installs.length).toBeLessThanOrEqual(Math.max(LIMITS.maxInstalls, ids.length));
        for (const install of installs) {
          expect(install.ranges.length).toBeLessThanOrEqual(LIMITS.maxRanges);
          expect(install.days.size).toBeLessThanOrEqual(LIMITS.maxDays);
          for (const entry of Object.values(install.dropped)) {
            expect(entry!.ranges.length).toBeLessThanOrEqual(LIMITS.maxDroppedRanges);
          }
        }
      }
      const { installs, slots } = await everything(store, org);
      expect(installs.length).toBeLessThanOrEqual(LIMITS.maxInstalls);
      expect(installs.some((i) => i.ranges.length === LIMITS.maxRanges)).toBe(true);
      // One row per quarter hour of event time: bounded by the timestamp window, not by what is sent.
      expect(slots.length).toBeLessThanOrEqual(61 * 96);
    });
  }, 120_000);

  it('ages out the installs seen least recently first', async () => {
    await withStore(storeCase, async (store) => {
      const org = orgId('ageing');
      const base = Date.now();
      for (let i = 0; i < LIMITS.maxInstalls; i++) {
        await send(store, org, base + i * 1_000, [{ install: `install_${i}`, seq: 1, ts: base }]);
      }
      // install_0 comes back: now install_1 is the least recently seen.
      await send(store, org, base + 100_000, [{ install: 'install_0', seq: 2, ts: base }]);
      await send(store, org, base + 200_000, [{ install: 'newcomer', seq: 1, ts: base }]);
      const ids = (await everything(store, org)).installs.map((i) => i.installId).sort();
      expect(ids).toHaveLength(LIMITS.maxInstalls);
      expect(ids).not.toContain('install_1');
      expect(ids).toContain('install_0');
      expect(ids).toContain('newcomer');
      // The counter follows: one more newcomer pushes out exactly one more (install_2).
      await send(store, org, base + 300_000, [{ install: 'another', seq: 1, ts: base }]);
      const after = (await everything(store, org)).installs.map((i) => i.installId);
      expect(after).toHaveLength(LIMITS.maxInstalls);
      expect(after).not.toContain('install_2');
    });
  });

  it('marks an install degraded past its range cap and keeps counting what it received', async () => {
    await withStore(storeCase, async (store) => {
      const org = orgId('degraded');
      const now = Date.now();
      // Every other seq: each one a range of its own.
      await send(
        store,
        org,
        now,
        Array.from({ length: 30 }, (_, i) => ({ install: 'gappy', seq: 2 * i + 1, ts: now })),
      );
      const [install] = (await everything(store, org)).installs;
      expect(install!.ranges).toHaveLength(LIMITS.maxRanges);
      expect(install!.ranges[0]!.from).toBe(1);
      expect(install!.ranges[LIMITS.maxRanges - 1]!.to).toBe(59);
      const full = await store.deliveryData({ orgId: org, fromTs: 0, toTs: now + DAY, seenSince: 0 });
      expect(full.slots.reduce((n, s) => n + s[1], 0)).toBe(30);
    });
  });
});
