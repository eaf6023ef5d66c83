/**
 * The range arithmetic of delivery completeness (`domain/delivery.ts`) against brute force: plain sets of
 * seqs, fed in random orders with duplicates and overlapping ranges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSeq,
  applyReport,
  DEFAULT_DELIVERY_LIMITS,
  type DeliveryCounts,
  decodeDays,
  decodeRanges,
  encodeDays,
  encodeRanges,
  newInstall,
  type SeqRange,
  uncovered,
  unionRanges,
} from '../../src/domain/delivery.js';

/** Every seq the ranges hold. */
function covered(ranges: readonly (readonly [number, number])[]): Set<number> {
  const out = new Set<number>();
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.add(s);
  return out;
}

function expectCanonical(ranges: readonly (readonly [number, number])[]): void {
  for (let i = 0; i < ranges.length; i++) {
    expect(ranges[i]![0]).toBeLessThanOrEqual(ranges[i]![1]);
    // Sorted, disjoint and not adjacent (adjacent ranges would have merged).
    if (i > 0) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1] + 1);
  }
}

const pairs = (ranges: readonly SeqRange[]) => ranges.map((r): [number, number] => [r.from, r.to]);

const arrivalsArb = fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 200 });
const rangeArb = fc
  .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 12 }))
  .map(([a, len]): [number, number] => [a, a + len]);

describe('addSeq()', () => {
  it('keeps the received seqs as merged ranges, each with its first event', () => {
    fc.assert(
      fc.property(arrivalsArb, (arrivals) => {
        const state = newInstall('i', 0);
        const first = new Map<number, number>();
        let duplicates = 0;
        arrivals.forEach((seq, k) => {
          const fresh = addSeq(state, seq, 1_000 + k, 2_000 + k, Number.POSITIVE_INFINITY);
          expect(fresh).toBe(!first.has(seq));
          if (first.has(seq)) duplicates++;
          else first.set(seq, k);
        });
        expect(covered(pairs(state.ranges))).toEqual(new Set(first.keys()));
        expectCanonical(pairs(state.ranges));
        expect(state.received).toBe(first.size);
        expect(state.duplicates).toBe(duplicates);
        // The event at each range's start is the first arrival of that seq: the event after the gap.
        for (const r of state.ranges) {
          expect(r.ts).toBe(1_000 + first.get(r.from)!);
          expect(r.at).toBe(2_000 + first.get(r.from)!);
        }
        expect(state.degraded).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never keeps more than maxRanges ranges, and loses no received seq', () => {
    fc.assert(
      fc.property(arrivalsArb, fc.integer({ min: 1, max: 6 }), (arrivals, max) => {
        const state = newInstall('i', 0);
        const seen = new Set<number>();
        for (const seq of arrivals) {
          addSeq(state, seq, 0, 0, max);
          seen.add(seq);
          expect(state.ranges.length).toBeLessThanOrEqual(max);
        }
        expectCanonical(pairs(state.ranges));
        const held = covered(pairs(state.ranges));
        for (const s of seen) expect(held.has(s)).toBe(true);
        expect(state.received + state.duplicates).toBe(arrivals.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('unionRanges()', () => {
  it('is the union of two lists, merged', () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 20 }), fc.array(rangeArb, { maxLength: 20 }), (a, b) => {
        const out = unionRanges(unionRanges(a, [], Infinity), b, Infinity);
        expectCanonical(out);
        expect(covered(out)).toEqual(new Set([...covered(a), ...covered(b)]));
      }),
      { numRuns: 300 },
    );
  });

  it('past max, merges neighbours: a superset of the union, at most max ranges', () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (a, max) => {
        const out = unionRanges(a, [], max);
        expect(out.length).toBeLessThanOrEqual(max);
        expectCanonical(out);
        const held = covered(out);
        for (const s of covered(a)) expect(held.has(s)).toBe(true);
        if (a.length > 0) {
          expect(out[0]![0]).toBe(Math.min(...a.map((r) => r[0])));
          expect(out[out.length - 1]![1]).toBe(Math.max(...a.map((r) => r[1])));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('uncovered()', () => {
  it('counts the seqs of a span no range holds', () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 10 }), rangeArb, (list, [from, to]) => {
        const cover = unionRanges(list, [], Infinity);
        const held = covered(cover);
        let n = 0;
        for (let s = from; s <= to; s++) if (!held.has(s)) n++;
        expect(uncovered(from, to, cover)).toBe(n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('applyReport()', () => {
  it('keeps the largest count and the union of ranges, whatever order reports come in', () => {
    const reportArb = fc.record({
      count: fc.nat({ max: 1_000 }),
      ranges: fc.array(rangeArb, { maxLength: 6 }),
      depth: fc.nat({ max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(reportArb, { minLength: 1, maxLength: 8 }), (reports) => {
        const state = newInstall('i', 0);
        const counts: DeliveryCounts = { received: 0, duplicates: 0, dropped: {} };
        reports.forEach((r, k) => {
          applyReport(
            state,
            {
              installId: 'i',
              queueDepth: r.depth,
              oldestQueuedAt: null,
              dropped: { opt_out: { count: r.count, ranges: unionRanges(r.ranges, [], Infinity) } },
            },
            k,
            DEFAULT_DELIVERY_LIMITS,
            counts,
          );
        });
        const max = Math.max(...reports.map((r) => r.count));
        expect(state.dropped.opt_out!.count).toBe(max);
        expect(counts.dropped.opt_out ?? 0).toBe(max);
        expect(covered(state.dropped.opt_out!.ranges)).toEqual(covered(reports.flatMap((r) => r.ranges)));
        expect(state.queueDepth).toBe(reports[reports.length - 1]!.depth);
        expect(state.reportedAt).toBe(reports.length - 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('encodeRanges() / encodeDays()', () => {
  it('round-trip', () => {
    const state = newInstall('i', 0);
    for (const seq of [5, 1, 2, 9, Number.MAX_SAFE_INTEGER]) addSeq(state, seq, seq * 3, seq * 7, 256);
    expect(decodeRanges(encodeRanges(state.ranges))).toEqual(state.ranges);
    const days = new Map<number, [number, number]>([
      [19_000, [2 ** 48 - 1, 1]],
      [19_001, [0, 2 ** 47]],
    ]);
    expect(decodeDays(encodeDays(days))).toEqual(days);
  });
});
