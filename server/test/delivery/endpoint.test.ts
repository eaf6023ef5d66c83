/**
 * GET /api/v1/delivery against a brute-force oracle, on every store: fast-check draws SDK installs (events
 * with seqs and timestamps around the 2024 daylight-saving change of Europe), batches that send some of
 * them (re-sends and overlaps included) at chosen receive times with `client` reports (queue depth, drops
 * by reason, cumulative), and a query (range, zone, and the moment it is asked). The batches go through
 * the API; each store's answer must equal the oracle's, computed from the batches alone with plain sets,
 * local dates from Intl and nothing of the server's code. Time is the wall clock faked (`Date` only), so
 * the 24 h rule is exercised without sleeping.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2024, 2, 28); // 2024-03-28: Europe's DST change (31 Mar) is in reach
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu'];
const REASONS = [
  'queue_overflow',
  'opt_out',
  'storage_cleared',
  'sampled',
  'before_send',
  'storage_unavailable',
];
const SEQ_REASONS = new Set(['queue_overflow', 'opt_out', 'storage_cleared']);

interface GenInstall {
  id: string;
  /** Timestamp of seq i+1. */
  ts: number[];
}
interface GenReport {
  install: number;
  depth: number;
  dropped: Record<string, { count: number; ranges?: [number, number][] }>;
}
interface GenBatch {
  /** Receive time (the faked clock). */
  at: number;
  /** [install index, seq] pairs, in order. */
  events: [number, number][];
  /** Plain events without delivery fields (they must change nothing). */
  plain: number;
  report: GenReport | undefined;
}
interface Scenario {
  installs: GenInstall[];
  batches: GenBatch[];
  now: number;
  tz: string;
  /** Days from BASE − 2 of the query's first day, and its length. */
  startOffset: number;
  days: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    installs: fc.array(
      fc.array(fc.integer({ min: 0, max: (4 * DAY + 20 * HOUR) / 60_000 }), { minLength: 1, maxLength: 25 }),
      { minLength: 1, maxLength: 4 },
    ),
    batches: fc.array(
      fc.record({
        atMinute: fc.integer({ min: 0, max: (2 * DAY) / 60_000 }),
        picks: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
        plain: fc.nat({ max: 2 }),
        report: fc.option(
          fc.record({
            install: fc.nat(),
            depth: fc.nat({ max: 5 }),
            reasons: fc.subarray(REASONS),
            counts: fc.array(fc.nat({ max: 20 }), { minLength: 6, maxLength: 6 }),
            ranges: fc.array(
              fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.nat({ max: 3 })), { maxLength: 3 }),
              {
                minLength: 6,
                maxLength: 6,
              },
            ),
          }),
          { nil: undefined },
        ),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    nowHours: fc.integer({ min: 0, max: 72 }),
    tz: fc.constantFrom(...ZONES),
    startOffset: fc.integer({ min: 0, max: 5 }),
    days: fc.integer({ min: 1, max: 9 }),
  })
  .map((raw) => {
    const installs = raw.installs.map((minutes, i) => ({
      id: `inst${i}_${Math.random().toString(36).slice(2, 8)}`,
      ts: minutes.map((m) => BASE + m * 60_000),
    }));
    // Receive times are 4–6 days after BASE, in order; every timestamp is then at most a day ahead.
    const batches = raw.batches
      .map((b): GenBatch => {
        const events = b.picks.map(([i, s]): [number, number] => {
          const install = i % installs.length;
          return [install, (s % installs[install]!.ts.length) + 1];
        });
        let report: GenReport | undefined;
        if (b.report) {
          const dropped: GenReport['dropped'] = {};
          b.report.reasons.forEach((reason) => {
            const k = REASONS.indexOf(reason);
            const entry: { count: number; ranges?: [number, number][] } = { count: b.report!.counts[k]! };
            if (SEQ_REASONS.has(reason)) entry.ranges = b.report!.ranges[k]!.map(([a, len]) => [a, a + len]);
            dropped[reason] = entry;
          });
          report = { install: b.report.install % installs.length, depth: b.report.depth, dropped };
        }
        return { at: BASE + 4 * DAY + b.atMinute * 60_000, events, plain: b.plain, report };
      })
      .sort((a, b) => a.at - b.at);
    const now = batches[batches.length - 1]!.at + raw.nowHours * HOUR;
    return { installs, batches, now, tz: raw.tz, startOffset: raw.startOffset, days: raw.days };
  });

// ---- the oracle ---------------------------------------------------------------------------------------

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function localDate(ms: number, tz: string): string {
  let f = dateFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(tz, f);
  }
  return f.format(new Date(ms));
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function oracle(s: Scenario, start: string, end: string) {
  const dates: string[] = [];
  for (let d = Date.parse(start); isoDate(d) <= end; d += DAY) dates.push(isoDate(d));
  type Day = {
    installs: Set<string>;
    received: number;
    duplicates: number;
    missing: number;
    pending: number;
  };
  const days = new Map<string, Day>(
    dates.map((d) => [d, { installs: new Set(), received: 0, duplicates: 0, missing: 0, pending: 0 }]),
  );
  const intentional: Record<string, number> = Object.fromEntries(REASONS.map((r) => [r, 0]));
  s.installs.forEach((install, i) => {
    const first = new Map<number, { ts: number; at: number }>();
    const dropped = new Map<string, { count: number; seqs: Set<number> }>();
    let lastSeen = -1;
    let report: { at: number; depth: number } | undefined;
    for (const b of s.batches) {
      for (const [j, seq] of b.events) {
        if (j !== i) continue;
        lastSeen = b.at;
        const ts = install.ts[seq - 1]!;
        if (first.has(seq)) {
          const d = days.get(localDate(ts, s.tz));
          if (d) d.duplicates++;
        } else first.set(seq, { ts, at: b.at });
      }
      if (b.report?.install === i) {
        lastSeen = b.at;
        report = { at: b.at, depth: b.report.depth };
        for (const [reason, entry] of Object.entries(b.report.dropped)) {
          const had = dropped.get(reason) ?? { count: 0, seqs: new Set<number>() };
          had.count = Math.max(had.count, entry.count);
          for (const [a, z] of entry.ranges ?? []) for (let q = a; q <= z; q++) had.seqs.add(q);
          dropped.set(reason, had);
        }
      }
    }
    if (lastSeen < 0) return;
    let active = false;
    for (const { ts } of first.values()) {
      const d = days.get(localDate(ts, s.tz));
      if (!d) continue;
      d.received++;
      d.installs.add(install.id);
      active = true;
    }
    const intended = new Set<number>();
    for (const [reason, e] of dropped) if (SEQ_REASONS.has(reason)) for (const q of e.seqs) intended.add(q);
    const top = Math.max(0, ...first.keys(), ...intended);
    const lastAt = report?.at ?? lastSeen;
    for (let q = 1; q <= top; q++) {
      if (first.has(q) || intended.has(q)) continue;
      let next: { ts: number; at: number } | undefined;
      for (let r = q + 1; r <= top && !next; r++) next = first.get(r);
      const { ts, at } = next ?? { ts: lastAt, at: lastAt };
      const d = days.get(localDate(ts, s.tz));
      if (!d) continue;
      if (s.now - at > DAY) d.missing++;
      else d.pending++;
    }
    const reportDay = report ? days.get(localDate(report.at, s.tz)) : undefined;
    if (reportDay && report) reportDay.pending += report.depth;
    if (active || reportDay) for (const [reason, e] of dropped) intentional[reason]! += e.count;
  });
  const ratio = (r: number, m: number) => (r + m === 0 ? 1 : r / (r + m));
  const all = new Set<string>();
  const totals = { received: 0, duplicates: 0, missing: 0, pending: 0 };
  const out = dates.map((date) => {
    const d = days.get(date)!;
    for (const id of d.installs) all.add(id);
    totals.received += d.received;
    totals.duplicates += d.duplicates;
    totals.missing += d.missing;
    totals.pending += d.pending;
    const { installs, ...rest } = d;
    return { date, installs: installs.size, ...rest, completeness: ratio(d.received, d.missing) };
  });
  return {
    start_date: start,
    end_date: end,
    tz: s.tz,
    totals: {
      installs: all.size,
      ...totals,
      intentional,
      completeness: ratio(totals.received, totals.missing),
    },
    days: out,
  };
}

// ---- the run ------------------------------------------------------------------------------------------

let counter = 0;
function eventId(install: number, seq: number, salt: string): string {
  // One id per (install, seq) of a run: a re-send repeats it, as an SDK retry does.
  const hex = (install * 1_000 + seq).toString(16).padStart(12, '0');
  return `0190b7c4-${salt}-7a31-9c4f-${hex}`;
}

async function run(t: TestApp, s: Scenario, org: string): Promise<unknown> {
  const salt = (counter++ % 0xffff).toString(16).padStart(4, '0');
  for (const b of s.batches) {
    vi.setSystemTime(b.at);
    const events: object[] = b.events.map(([i, seq]) => ({
      event_id: eventId(i, seq, salt),
      event_type: 'page_view',
      timestamp: new Date(s.installs[i]!.ts[seq - 1]!).toISOString(),
      context: { delivery: { install_id: s.installs[i]!.id, seq } },
    }));
    for (let p = 0; p < b.plain; p++)
      events.push({ event_type: 'plain', timestamp: new Date(b.at).toISOString() });
    if (events.length === 0) events.push({ event_type: 'plain' });
    const body: Record<string, unknown> = { events };
    if (b.report) {
      body.client = {
        install_id: s.installs[b.report.install]!.id,
        queue_depth: b.report.depth,
        dropped: b.report.dropped,
      };
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(await t.token({ org })), 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(202);
  }
  vi.setSystemTime(s.now);
  const start = isoDate(BASE - 2 * DAY + s.startOffset * DAY);
  const end = isoDate(Date.parse(start) + (s.days - 1) * DAY);
  const res = await t.app.inject({
    url: `/api/v1/delivery?start_date=${start}&end_date=${end}&tz=${encodeURIComponent(s.tz)}`,
    headers: bearer(await t.token({ org })),
  });
  expect(res.statusCode, res.body).toBe(200);
  const got = res.json();
  expect(got).toEqual(oracle(s, start, end));
  return got;
}

describe('GET /api/v1/delivery', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    for (const sc of stores) apps.push(await createTestApp(sc));
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('equals the brute-force oracle on every store (received, duplicates, missing vs pending, intentional, days, zones)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const answers: unknown[] = [];
        for (const t of apps) answers.push(await run(t, s, orgId('oracle')));
        for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
      }),
      { numRuns: Number(process.env.DELIVERY_RUNS ?? 40) },
    );
  }, 240_000);

  it('turns a gap from pending to missing 24 h after the event after it arrived', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const t of apps) {
      const org = orgId('clock');
      const at = BASE + 5 * DAY;
      vi.setSystemTime(at);
      const send = (seq: number) => ({
        event_type: 'page_view',
        timestamp: new Date(at).toISOString(),
        context: { delivery: { install_id: 'clockInstall', seq } },
      });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(await t.token({ org })), 'content-type': 'application/json' },
        payload: { events: [send(1), send(4)] },
      });
      expect(res.statusCode).toBe(202);
      const ask = async (now: number) => {
        vi.setSystemTime(now);
        const r = await t.app.inject({
          url: `/api/v1/delivery?start_date=${isoDate(at)}&end_date=${isoDate(at)}`,
          headers: bearer(await t.token({ org })),
        });
        return r.json().totals;
      };
      expect(await ask(at + DAY)).toMatchObject({ received: 2, missing: 0, pending: 2, completeness: 1 });
      expect(await ask(at + DAY + 1)).toMatchObject({
        received: 2,
        missing: 2,
        pending: 0,
        completeness: 0.5,
      });
    }
  });

  it('loses no seq when batches of the same installs arrive at once', async () => {
    for (const t of apps) {
      const org = orgId('concurrent');
      const headers = { ...bearer(await t.token({ org })), 'content-type': 'application/json' };
      // 20 batches, each with seqs of both installs, interleaved so each batch extends both installs' ranges.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, b) =>
          t.app.inject({
            method: 'POST',
            url: '/api/v1/events',
            headers,
            payload: {
              events: ['racerA', 'racerB'].flatMap((install) =>
                [1, 2, 3].map((k) => ({
                  event_type: 'page_view',
                  context: { delivery: { install_id: install, seq: b * 3 + k } },
                })),
              ),
              client: { install_id: 'racerA', queue_depth: 0, dropped: { opt_out: { count: b } } },
            },
          }),
        ),
      );
      for (const r of results) expect(r.statusCode, r.body).toBe(202);
      const res = await t.app.inject({ url: '/api/v1/delivery', headers: bearer(await t.token({ org })) });
      expect(res.json().totals).toMatchObject({
        installs: 2,
        received: 120,
        duplicates: 0,
        missing: 0,
        pending: 0,
        completeness: 1,
      });
      expect(res.json().totals.intentional.opt_out).toBe(19);
    }
  }, 60_000);
});
