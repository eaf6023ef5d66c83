/**
 * Retention (`GET /api/v1/insights/retention`), computed the same way for both stores from the stream of
 * matching events (visitor, time, and a mask: 1 = a start event, 2 = a return event).
 *
 * A visitor's cohort is the period of its first start event in the range; it is retained in period n (n = 0
 * being the cohort's own period) when it did a return event in period cohort + n, at or after that first
 * start event (so with the same event for both, the start event itself makes n = 0 the whole cohort).
 */
import { formatDay, startOfLocalDay } from '../../lib/time.js';
import type { VisitorEventRow } from '../../store/types.js';

export type RetentionPeriod = 'day' | 'week' | 'month';

export interface RetentionPlan {
  /** Local day numbers where each period starts: the cohorts' periods, then `periods` more after them. */
  periodDays: number[];
  /** The same as instants in the zone (length `periodDays.length`). */
  boundaries: number[];
  /** How many of the periods are cohorts. */
  cohorts: number;
  /** First start events count from `fromTs` to `toTs` (the range's days); returns are read until `scanTo`. */
  fromTs: number;
  toTs: number;
  scanTo: number;
}

/** The local day on which the period holding `day` starts: itself, its ISO week's Monday, its month's 1st. */
export function periodStart(day: number, period: RetentionPeriod): number {
  if (period === 'day') return day;
  if (period === 'week') return day - ((day + 3) % 7); // 1970-01-01 (day 0) was a Thursday
  const d = new Date(day * 86_400_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86_400_000;
}

function nextPeriod(day: number, period: RetentionPeriod): number {
  if (period === 'day') return day + 1;
  if (period === 'week') return day + 7;
  const d = new Date(day * 86_400_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000;
}

/** The periods of a request: cohorts over local days `start..end` of `tz`, and `periods` after the last. */
export function retentionPlan(
  start: number,
  end: number,
  tz: string,
  period: RetentionPeriod,
  periods: number,
): RetentionPlan {
  const periodDays: number[] = [];
  let day = periodStart(start, period);
  while (day <= end) {
    periodDays.push(day);
    day = nextPeriod(day, period);
  }
  const cohorts = periodDays.length;
  // Returns of the last cohort go up to period `periods - 1` after it; one more start closes that period.
  for (let i = 0; i < periods; i++) {
    periodDays.push(day);
    day = nextPeriod(day, period);
  }
  const boundaries = periodDays.map((d) => startOfLocalDay(d, tz));
  return {
    periodDays,
    boundaries,
    cohorts,
    fromTs: startOfLocalDay(start, tz),
    toTs: startOfLocalDay(end + 1, tz),
    scanTo: boundaries[boundaries.length - 1]!,
  };
}

interface VisitorState {
  /** The cohort's period index; -1 until a first start event. */
  cohort: number;
  firstStart: number;
  /** Bit n: retained in period cohort + n. */
  retained: number;
  /** The time of the latest return event seen before any start (one at the very time of the start counts). */
  pendingReturn: number;
}

export class RetentionCounter {
  readonly #plan: RetentionPlan;
  readonly #periods: number;
  readonly #visitors = new Map<string, VisitorState>();

  constructor(plan: RetentionPlan, periods: number) {
    this.#plan = plan;
    this.#periods = periods;
  }

  add(rows: readonly VisitorEventRow[]): void {
    const { fromTs, toTs } = this.#plan;
    for (const r of rows) {
      let v = this.#visitors.get(r.visitor);
      if (!v) {
        v = { cohort: -1, firstStart: 0, retained: 0, pendingReturn: Number.NaN };
        this.#visitors.set(r.visitor, v);
      }
      if (v.cohort < 0) {
        if ((r.mask & 1) !== 0 && r.ts >= fromTs && r.ts < toTs) {
          v.cohort = this.#periodOf(r.ts);
          v.firstStart = r.ts;
          // A return event at the same instant, streamed just before this start event, still counts.
          if (v.pendingReturn === r.ts) v.retained |= 1;
        } else if ((r.mask & 2) !== 0) {
          v.pendingReturn = r.ts;
          continue;
        }
      }
      if (v.cohort >= 0 && (r.mask & 2) !== 0 && r.ts >= v.firstStart) {
        const n = this.#periodOf(r.ts) - v.cohort;
        if (n >= 0 && n < this.#periods) v.retained |= 1 << n;
      }
    }
  }

  #periodOf(ts: number): number {
    const b = this.#plan.boundaries;
    let lo = 0;
    let hi = b.length - 1; // b[lo] <= ts < b[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (b[mid]! <= ts) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  result(): { cohort: string; size: number; retained: number[] }[] {
    const out = Array.from({ length: this.#plan.cohorts }, (_, i) => ({
      cohort: formatDay(this.#plan.periodDays[i]!),
      size: 0,
      retained: new Array<number>(this.#periods).fill(0),
    }));
    for (const v of this.#visitors.values()) {
      if (v.cohort < 0) continue;
      const c = out[v.cohort]!;
      c.size++;
      for (let n = 0; n < this.#periods; n++) if ((v.retained >> n) & 1) c.retained[n]!++;
    }
    return out;
  }
}
