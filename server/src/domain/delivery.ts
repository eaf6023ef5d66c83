/**
 * Delivery completeness, apart from storage: the per-install bookkeeping (merged seq ranges, duplicates,
 * the latest client report, dropped counts and ranges) and the report `GET /api/v1/delivery` answers.
 * Both stores load an install's state, apply a batch with `applyDeliveryBatch` and save it back, and both
 * answer the report through `deliveryReport`, so their numbers agree by construction.
 *
 * Day attribution. A received event counts on the local day of its `timestamp`; the stores keep, per org,
 * counts per quarter hour of event time (`QUARTER_MS`), and in each install's row, per UTC day, a 96-bit
 * mask of the quarter hours it had events in. Every time zone in use today is offset from UTC by whole
 * quarter hours, so a quarter hour lies inside one local day of any zone: the report re-buckets these
 * exactly for any `tz`, reading O(installs seen + quarter hours of the range) rows, never the events. A gap
 * counts on the day of the event just after it, so each range keeps the timestamp and receive time of its
 * first event.
 *
 * At ingest a batch costs, besides its events, one read of its installs' rows (by key), one multi-row
 * write of them and one multi-row upsert of the quarter-hour counts; a batch without delivery fields
 * costs nothing.
 */
import type { ClientReport as ClientReportIn, DeliveryResponse } from '../contract.js';
import { ApiError, type FieldError } from '../lib/errors.js';
import { DAY_MS, dayBoundaries, formatDay, parseInstant } from '../lib/time.js';

/** Why events an install tracked (or meant to) were never sent: the contract's `client.dropped` keys. */
export const DROP_REASONS = [
  'queue_overflow',
  'opt_out',
  'storage_cleared',
  'sampled',
  'before_send',
  'storage_unavailable',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
/** Reasons whose events had a seq: their ranges are intentional gaps, not missing events. */
export const SEQ_REASONS: ReadonlySet<DropReason> = new Set(['queue_overflow', 'opt_out', 'storage_cleared']);

/** Event time is bucketed by quarter hours (the finest step of any zone's offset). */
export const QUARTER_MS = 15 * 60_000;
const QUARTERS_PER_DAY = DAY_MS / QUARTER_MS; // 96
/** A day mask is kept as two integers of 48 bits: each exact in a double and in JSON. */
const HALF = 48;

/** A gap is `missing` once the event after it was received longer ago than this; `pending` before. */
export const PENDING_MS = DAY_MS;

/**
 * What one org may make an attacker with its publishable key store, at most: installs (the least recently
 * seen go first), ranges per install (past it the install is degraded and its closest ranges merge),
 * dropped ranges per reason and install, and UTC days per install (past it the install is degraded and
 * further days are not counted in `installs`).
 */
export interface DeliveryLimits {
  maxInstalls: number;
  maxRanges: number;
  maxDroppedRanges: number;
  maxDays: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  maxInstalls: 100_000,
  maxRanges: 256,
  maxDroppedRanges: 64,
  maxDays: 90,
};

/**
 * A run of received seqs `from..to`; `ts` and `at` are the event time and receive time of the event `from`
 * (the one just after the gap before the range).
 */
export interface SeqRange {
  from: number;
  to: number;
  ts: number;
  at: number;
}

export interface DroppedEntry {
  count: number;
  /** Inclusive `[from, to]`, sorted and merged (seq reasons only). */
  ranges: [number, number][];
}

/** What the server knows of one install. Instants are epoch ms. */
export interface InstallState {
  installId: string;
  firstSeen: number;
  lastSeen: number;
  /** Distinct seqs received. */
  received: number;
  duplicates: number;
  /** Sorted by `from`, disjoint and not adjacent. */
  ranges: SeqRange[];
  /** A cap was reached: ranges merged over gaps, or days went uncounted. */
  degraded: boolean;
  /** The latest `client` report: events still queued, the oldest of them, and when it came. */
  queueDepth: number | null;
  oldestQueuedAt: number | null;
  reportedAt: number | null;
  dropped: Partial<Record<DropReason, DroppedEntry>>;
  /** UTC day → `[low 48 bits, high 48 bits]` of the quarter hours with a received event. */
  days: Map<number, [number, number]>;
}

/** A `client` report as the store takes it. */
export interface ClientReport {
  installId: string;
  queueDepth: number;
  oldestQueuedAt: number | null;
  dropped: Partial<Record<DropReason, DroppedEntry>>;
}

/**
 * The delivery facts of an ingest batch, column by column (cheap to hand to the SQLite writer thread): one
 * entry per event carrying `context.delivery`, in request order, and the batch's `client` report.
 */
export interface DeliveryBatch {
  installIds: string[];
  seqs: number[];
  ts: number[];
  client: ClientReport | undefined;
  /** Overrides of `DEFAULT_DELIVERY_LIMITS` (a store option). */
  limits?: Partial<DeliveryLimits> | undefined;
}

/** What an ingest added, for the Prometheus counters. */
export interface DeliveryCounts {
  received: number;
  duplicates: number;
  /** How much each reason's reported count grew. */
  dropped: Partial<Record<DropReason, number>>;
}

/** The delivery facts of prepared events and the batch's report; undefined when there are none. */
export function deliveryBatch(
  events: readonly { ts: number; context?: { delivery?: { install_id: string; seq: number } } | null }[],
  client: ClientReport | undefined,
  limits?: Partial<DeliveryLimits>,
): DeliveryBatch | undefined {
  let out: DeliveryBatch | undefined;
  for (const e of events) {
    const d = e.context?.delivery;
    if (!d) continue;
    out ??= { installIds: [], seqs: [], ts: [], client, limits };
    out.installIds.push(d.install_id);
    out.seqs.push(d.seq);
    out.ts.push(e.ts);
  }
  if (!out && client) out = { installIds: [], seqs: [], ts: [], client, limits };
  return out;
}

/**
 * A schema-valid `client` report as the store takes it; 422 naming the field for what the schema cannot
 * say (an instant that does not parse, a range whose end comes before its start).
 */
export function prepareClientReport(input: ClientReportIn): ClientReport {
  const errors: FieldError[] = [];
  let oldestQueuedAt: number | null = null;
  if (input.oldest_queued_at !== undefined) {
    oldestQueuedAt = parseInstant(input.oldest_queued_at);
    if (oldestQueuedAt === null) {
      errors.push({
        path: '/client/oldest_queued_at',
        message: 'must be an RFC 3339 timestamp with an offset',
      });
    }
  }
  const dropped: ClientReport['dropped'] = {};
  for (const reason of DROP_REASONS) {
    const given = input.dropped?.[reason];
    if (!given) continue;
    const ranges: [number, number][] = [];
    const listed = 'ranges' in given ? (given.ranges ?? []) : [];
    listed.forEach((r, i) => {
      if (r[0]! > r[1]!) {
        errors.push({
          path: `/client/dropped/${reason}/ranges/${i}`,
          message: 'must be [from, to] with from <= to',
        });
      } else ranges.push([r[0]!, r[1]!]);
    });
    dropped[reason] = { count: given.count, ranges: unionRanges(ranges, [], Number.POSITIVE_INFINITY) };
  }
  if (errors.length > 0) {
    throw new ApiError('validation_failed', 'The `client` report is invalid; see `errors`.', { errors });
  }
  return { installId: input.install_id, queueDepth: input.queue_depth, oldestQueuedAt, dropped };
}

export function newInstall(installId: string, now: number): InstallState {
  return {
    installId,
    firstSeen: now,
    lastSeen: now,
    received: 0,
    duplicates: 0,
    ranges: [],
    degraded: false,
    queueDepth: null,
    oldestQueuedAt: null,
    reportedAt: null,
    dropped: {},
    days: new Map(),
  };
}

/** Index of the last range with `from <= seq`, or -1. */
function rangeAtOrBefore(ranges: readonly SeqRange[], seq: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.from <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Record one arrival of `seq`; false when it was received before (a duplicate). Past `maxRanges` the two
 * ranges with the smallest gap between them merge (the install is degraded): storage stays bounded, and
 * those few seqs are lost to the accounting (a later arrival of one of them counts as a duplicate).
 */
export function addSeq(state: InstallState, seq: number, ts: number, at: number, maxRanges: number): boolean {
  const ranges = state.ranges;
  const i = rangeAtOrBefore(ranges, seq);
  const left = i >= 0 ? ranges[i]! : undefined;
  if (left && seq <= left.to) {
    state.duplicates++;
    return false;
  }
  state.received++;
  const right = ranges[i + 1];
  const joinsLeft = left !== undefined && left.to === seq - 1;
  const joinsRight = right !== undefined && right.from === seq + 1;
  if (joinsLeft && joinsRight) {
    left.to = right.to;
    ranges.splice(i + 1, 1);
  } else if (joinsLeft) left.to = seq;
  else if (joinsRight) {
    right.from = seq;
    right.ts = ts;
    right.at = at;
  } else {
    ranges.splice(i + 1, 0, { from: seq, to: seq, ts, at });
    if (ranges.length > maxRanges) {
      state.degraded = true;
      let best = 0;
      for (let j = 1; j < ranges.length - 1; j++) {
        if (ranges[j + 1]!.from - ranges[j]!.to < ranges[best + 1]!.from - ranges[best]!.to) best = j;
      }
      ranges[best]!.to = ranges[best + 1]!.to;
      ranges.splice(best + 1, 1);
    }
  }
  return true;
}

/** Union of sorted merged inclusive ranges, merged again; past `max` the closest neighbours merge. */
export function unionRanges(
  a: readonly (readonly [number, number])[],
  b: readonly (readonly [number, number])[],
  max: number,
): [number, number][] {
  const all = [...a, ...b].map((r): [number, number] => [r[0], r[1]]).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  while (out.length > max) {
    let best = 0;
    for (let j = 1; j < out.length - 1; j++) {
      if (out[j + 1]![0] - out[j]![1] < out[best + 1]![0] - out[best]![1]) best = j;
    }
    out[best]![1] = out[best + 1]![1];
    out.splice(best + 1, 1);
  }
  return out;
}

/** Apply a cumulative report: the latest queue, the largest count and the union of ranges per reason. */
export function applyReport(
  state: InstallState,
  report: ClientReport,
  at: number,
  limits: DeliveryLimits,
  counts: DeliveryCounts,
): void {
  state.queueDepth = report.queueDepth;
  state.oldestQueuedAt = report.oldestQueuedAt;
  state.reportedAt = at;
  for (const reason of DROP_REASONS) {
    const given = report.dropped[reason];
    if (!given) continue;
    const had = state.dropped[reason];
    const count = Math.max(had?.count ?? 0, given.count);
    if (count > (had?.count ?? 0))
      counts.dropped[reason] = (counts.dropped[reason] ?? 0) + count - (had?.count ?? 0);
    const ranges = SEQ_REASONS.has(reason)
      ? unionRanges(had?.ranges ?? [], given.ranges, limits.maxDroppedRanges)
      : [];
    state.dropped[reason] = { count, ranges };
  }
}

/** The installs a batch touches, in a stable order (stores lock and read them in this order). */
export function batchInstalls(batch: DeliveryBatch): string[] {
  const ids = new Set(batch.installIds);
  if (batch.client) ids.add(batch.client.installId);
  return [...ids].sort();
}

/** Per-org counts of one quarter hour of event time. */
export interface SlotCount {
  received: number;
  duplicates: number;
}

/** What a batch changes besides the install states: the org's quarter-hour counts. */
export interface DeliveryDelta {
  slots: Map<number, SlotCount>;
  counts: DeliveryCounts;
}

export function limitsOf(batch: DeliveryBatch): DeliveryLimits {
  return batch.limits ? { ...DEFAULT_DELIVERY_LIMITS, ...batch.limits } : DEFAULT_DELIVERY_LIMITS;
}

/**
 * Apply a batch to the states of its installs (`states` holds every install of `batchInstalls`, new ones
 * made by the caller with `newInstall`).
 */
export function applyDeliveryBatch(
  states: Map<string, InstallState>,
  batch: DeliveryBatch,
  receivedAt: number,
): DeliveryDelta {
  const limits = limitsOf(batch);
  const delta: DeliveryDelta = { slots: new Map(), counts: { received: 0, duplicates: 0, dropped: {} } };
  for (let k = 0; k < batch.seqs.length; k++) {
    const installId = batch.installIds[k]!;
    const state = states.get(installId)!;
    state.lastSeen = Math.max(state.lastSeen, receivedAt);
    const ts = batch.ts[k]!;
    const fresh = addSeq(state, batch.seqs[k]!, ts, receivedAt, limits.maxRanges);
    const quarter = Math.floor(ts / QUARTER_MS);
    let slot = delta.slots.get(quarter);
    if (!slot) {
      slot = { received: 0, duplicates: 0 };
      delta.slots.set(quarter, slot);
    }
    if (!fresh) {
      slot.duplicates++;
      delta.counts.duplicates++;
      continue;
    }
    slot.received++;
    delta.counts.received++;
    const day = Math.floor(quarter / QUARTERS_PER_DAY);
    let mask = state.days.get(day);
    if (!mask) {
      if (state.days.size >= limits.maxDays) {
        state.degraded = true;
        continue;
      }
      mask = [0, 0];
      state.days.set(day, mask);
    }
    const bit = quarter - day * QUARTERS_PER_DAY;
    if (bit < HALF) mask[0] = orBit(mask[0], bit);
    else mask[1] = orBit(mask[1], bit - HALF);
  }
  if (batch.client) {
    const state = states.get(batch.client.installId)!;
    state.lastSeen = Math.max(state.lastSeen, receivedAt);
    applyReport(state, batch.client, receivedAt, limits, delta.counts);
  }
  return delta;
}

/** `mask | 2^bit` for masks below 2^48 (JavaScript's bitwise operators stop at 32 bits). */
function orBit(mask: number, bit: number): number {
  const b = 2 ** bit;
  return Math.floor(mask / b) % 2 === 1 ? mask : mask + b;
}

// ---- serialisation (the same text in both stores) --------------------------------------------------

/** Ranges as stored: a flat JSON array `[from, to, ts, at, …]`. */
export function encodeRanges(ranges: readonly SeqRange[]): string {
  const flat: number[] = [];
  for (const r of ranges) flat.push(r.from, r.to, r.ts, r.at);
  return JSON.stringify(flat);
}

/** Day masks as stored: a flat JSON array `[day, low, high, …]`. */
export function encodeDays(days: ReadonlyMap<number, [number, number]>): string {
  const flat: number[] = [];
  for (const [day, [low, high]] of days) flat.push(day, low, high);
  return JSON.stringify(flat);
}

export function decodeDays(text: string): Map<number, [number, number]> {
  const flat = JSON.parse(text) as number[];
  const out = new Map<number, [number, number]>();
  for (let i = 0; i + 2 < flat.length; i += 3) out.set(flat[i]!, [flat[i + 1]!, flat[i + 2]!]);
  return out;
}

export function decodeRanges(text: string): SeqRange[] {
  const flat = JSON.parse(text) as number[];
  const out: SeqRange[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    out.push({ from: flat[i]!, to: flat[i + 1]!, ts: flat[i + 2]!, at: flat[i + 3]! });
  }
  return out;
}

// ---- the report ------------------------------------------------------------------------------------

/** An install as the report reads it. */
export type ReportInstall = Pick<
  InstallState,
  'installId' | 'ranges' | 'dropped' | 'queueDepth' | 'reportedAt' | 'lastSeen' | 'days'
>;

export interface DeliveryData {
  /** Installs seen (received from) since the range's first instant less the timestamp window's future. */
  installs: ReportInstall[];
  /** Quarter-hour slots of the range: `[quarter, received, duplicates]`. */
  slots: [number, number, number][];
}

export interface ReportRequest {
  /** Local-day boundaries (`dayBoundaries`): day i is `[dayStarts[i], dayStarts[i+1])`. */
  dayStarts: number[];
  /** The first local day, as a day number (for the dates). */
  start: number;
  tz: string;
  now: number;
}

interface DayTotals {
  installs: Set<string>;
  received: number;
  duplicates: number;
  missing: number;
  pending: number;
}

/** Index of the day `ms` falls in, or -1 outside the range. */
function dayIndex(dayStarts: readonly number[], ms: number): number {
  if (ms < dayStarts[0]! || ms >= dayStarts[dayStarts.length - 1]!) return -1;
  let lo = 0;
  let hi = dayStarts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (dayStarts[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** How many seqs of `from..to` none of `cover` (sorted, disjoint) holds. */
export function uncovered(from: number, to: number, cover: readonly [number, number][]): number {
  let n = to - from + 1;
  for (const [a, b] of cover) {
    if (b < from) continue;
    if (a > to) break;
    n -= Math.min(b, to) - Math.max(a, from) + 1;
  }
  return n;
}

const ratio = (received: number, missing: number) =>
  received + missing === 0 ? 1 : received / (received + missing);

/** The report for a range from what the store read (`DeliveryData`). */
export function deliveryReport(data: DeliveryData, req: ReportRequest): DeliveryResponse {
  const { dayStarts, now } = req;
  const n = dayStarts.length - 1;
  const days: DayTotals[] = Array.from({ length: n }, () => ({
    installs: new Set(),
    received: 0,
    duplicates: 0,
    missing: 0,
    pending: 0,
  }));
  for (const [quarter, received, duplicates] of data.slots) {
    const i = dayIndex(dayStarts, quarter * QUARTER_MS);
    if (i < 0) continue;
    days[i]!.received += received;
    days[i]!.duplicates += duplicates;
  }
  const active = new Set<string>();
  const firstUtcDay = Math.floor(dayStarts[0]! / DAY_MS);
  const lastUtcDay = Math.floor((dayStarts[n]! - 1) / DAY_MS);
  for (const install of data.installs) {
    for (const [day, [low, high]] of install.days) {
      if (day < firstUtcDay || day > lastUtcDay) continue;
      for (let bit = 0; bit < QUARTERS_PER_DAY; bit++) {
        const half = bit < HALF ? low : high;
        if (Math.floor(half / 2 ** (bit % HALF)) % 2 === 0) continue;
        const i = dayIndex(dayStarts, (day * QUARTERS_PER_DAY + bit) * QUARTER_MS);
        if (i < 0) continue;
        days[i]!.installs.add(install.installId);
        active.add(install.installId);
      }
    }
  }
  const intentional = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  for (const install of data.installs) {
    const cover = unionRanges(
      [...SEQ_REASONS].flatMap((r) => install.dropped[r]?.ranges ?? []),
      [],
      Number.POSITIVE_INFINITY,
    );
    const gap = (from: number, to: number, ts: number, at: number) => {
      if (to < from) return;
      const size = uncovered(from, to, cover);
      if (size === 0) return;
      const i = dayIndex(dayStarts, ts);
      if (i < 0) return;
      if (now - at > PENDING_MS) days[i]!.missing += size;
      else days[i]!.pending += size;
    };
    let prev = 0;
    for (const r of install.ranges) {
      gap(prev + 1, r.from - 1, r.ts, r.at);
      prev = r.to;
    }
    // Seqs reported dropped past the last received one: what is left between is a gap without an event
    // after it, counted on the day of the install's last report.
    const reportedAt = install.reportedAt ?? install.lastSeen;
    const lastDropped = cover.length > 0 ? cover[cover.length - 1]![1] : 0;
    gap(prev + 1, lastDropped, reportedAt, reportedAt);
    const reportDay = install.reportedAt === null ? -1 : dayIndex(dayStarts, install.reportedAt);
    if (reportDay >= 0 && install.queueDepth) days[reportDay]!.pending += install.queueDepth;
    if (reportDay >= 0 || active.has(install.installId)) {
      for (const reason of DROP_REASONS) intentional[reason] += install.dropped[reason]?.count ?? 0;
    }
  }
  const totals = { received: 0, duplicates: 0, missing: 0, pending: 0 };
  const out = days.map((d, i) => {
    totals.received += d.received;
    totals.duplicates += d.duplicates;
    totals.missing += d.missing;
    totals.pending += d.pending;
    return {
      date: formatDay(req.start + i),
      installs: d.installs.size,
      received: d.received,
      duplicates: d.duplicates,
      missing: d.missing,
      pending: d.pending,
      completeness: ratio(d.received, d.missing),
    };
  });
  return {
    start_date: formatDay(req.start),
    end_date: formatDay(req.start + n - 1),
    tz: req.tz,
    totals: {
      installs: active.size,
      ...totals,
      intentional,
      completeness: ratio(totals.received, totals.missing),
    },
    days: out,
  };
}

/** `GET /api/v1/delivery` for a validated range of local days `start..end` in `tz`. */
export async function deliveryForRange(
  store: {
    deliveryData(q: {
      orgId: string;
      fromTs: number;
      toTs: number;
      seenSince: number;
    }): Promise<DeliveryData>;
  },
  request: { orgId: string; start: number; end: number; tz: string; now: number; futureMs: number },
): Promise<DeliveryResponse> {
  const dayStarts = dayBoundaries(request.start, request.end, request.tz);
  const fromTs = dayStarts[0]!;
  const toTs = dayStarts[dayStarts.length - 1]!;
  // An event of the range came in at most `futureMs` before its timestamp (ingest refuses it earlier);
  // a report of the range, not before the range began.
  const data = await store.deliveryData({
    orgId: request.orgId,
    fromTs,
    toTs,
    seenSince: fromTs - request.futureMs,
  });
  return deliveryReport(data, { dayStarts, start: request.start, tz: request.tz, now: request.now });
}
