/**
 * Funnels (`POST /api/v1/insights/funnel`), computed the same way for both stores: the store streams, in
 * time order, each matching event's visitor, time, which steps it qualifies for (a bit mask) and the
 * breakdown value; everything else happens here, so SQLite and PostgreSQL cannot disagree on the counting.
 *
 * A visitor reaches step k when it did steps 1..k in that order, each strictly after the previous, all
 * within `windowMs` of its step 1. Of its step-1 events in the range, the one that gets it furthest counts
 * (the earliest of those on a tie; at the same instant, the lowest breakdown value). From a given step 1, taking each next step at its earliest possible
 * event reaches as far as any choice does (an earlier event leaves every later one available), so the
 * greedy walk below is exact, and its times are the ones reported.
 */
import type { VisitorEventRow } from '../../store/types.js';

export interface FunnelStepResult {
  index: number;
  event_type: string;
  visitors: number;
  conversion_from_first: number;
  conversion_from_previous: number;
  median_seconds_from_previous: number | null;
}

/** Where one visitor got: how many steps (0: never did step 1), the step times, its breakdown value. */
interface Outcome {
  level: number;
  times: number[];
  value: string | null;
}

/**
 * Per visitor: for each step, the times of its events that qualify, in time order (the stream is in time
 * order), and the breakdown value of each step-1 event.
 */
interface Trail {
  times: number[][];
  startValues: (string | null)[];
}

/** Collects the stream's rows per visitor; `outcomes()` walks each visitor once. */
export class FunnelCounter {
  readonly #trails = new Map<string, Trail>();
  readonly #steps: number;
  readonly #windowMs: number;

  constructor(steps: number, windowMs: number) {
    this.#steps = steps;
    this.#windowMs = windowMs;
  }

  add(rows: readonly VisitorEventRow[]): void {
    const steps = this.#steps;
    for (const r of rows) {
      let t = this.#trails.get(r.visitor);
      if (!t) {
        t = { times: Array.from({ length: steps }, () => []), startValues: [] };
        this.#trails.set(r.visitor, t);
      }
      for (let k = 0, bits = r.mask; bits !== 0 && k < steps; k++, bits >>>= 1) {
        if ((bits & 1) === 0) continue;
        t.times[k]!.push(r.ts);
        if (k === 0) t.startValues.push(r.value ?? null);
      }
    }
  }

  /** Each visitor that did step 1, with how far it got. */
  outcomes(): Outcome[] {
    const out: Outcome[] = [];
    for (const t of this.#trails.values()) {
      const o = walk(t, this.#steps, this.#windowMs);
      if (o) out.push(o);
    }
    return out;
  }
}

/** The index of the first entry of sorted `list` greater than `ts` (list.length when none is). */
function firstAfter(list: number[], ts: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! > ts) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function walk(t: Trail, steps: number, windowMs: number): Outcome | undefined {
  let best: Outcome | undefined;
  const starts = t.times[0]!;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    // Nothing later can beat a complete funnel (only one at the same instant, by its value).
    if (best && best.level === steps && start > best.times[0]!) break;
    const limit = start + windowMs;
    const times = [start];
    let prev = start;
    for (let k = 1; k < steps; k++) {
      // The earliest event of step k strictly after the previous step: binary search, not a walk.
      const list = t.times[k]!;
      const j = firstAfter(list, prev);
      if (j === list.length || list[j]! > limit) break;
      prev = list[j]!;
      times.push(prev);
    }
    const value = t.startValues[i]!;
    // Furthest first, then earliest; step-1 events at the same instant are told apart by their breakdown
    // value (lowest first, unset last), not by the order the store happened to return them in.
    if (
      !best ||
      times.length > best.level ||
      (times.length === best.level && start === best.times[0] && compareValues(value, best.value) < 0)
    ) {
      best = { level: times.length, times, value };
    }
  }
  return best;
}

/** The response's `steps` for a set of visitor outcomes. */
export function stepResults(outcomes: readonly Outcome[], eventTypes: readonly string[]): FunnelStepResult[] {
  const counts = eventTypes.map(() => 0);
  const gaps: number[][] = eventTypes.map(() => []);
  for (const o of outcomes) {
    for (let k = 0; k < o.level; k++) {
      counts[k]!++;
      if (k > 0) gaps[k]!.push(o.times[k]! - o.times[k - 1]!);
    }
  }
  const first = counts[0] ?? 0;
  return eventTypes.map((eventType, k) => {
    const visitors = counts[k]!;
    const previous = k === 0 ? visitors : counts[k - 1]!;
    return {
      index: k,
      event_type: eventType,
      visitors,
      conversion_from_first: first === 0 ? 0 : visitors / first,
      conversion_from_previous: k === 0 ? (visitors === 0 ? 0 : 1) : previous === 0 ? 0 : visitors / previous,
      median_seconds_from_previous: k === 0 ? null : medianSeconds(gaps[k]!),
    };
  });
}

/** The median of gaps in ms, as seconds (the mean of the two middle values for an even count). */
function medianSeconds(gaps: number[]): number | null {
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const ms = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return ms / 1000;
}

/** The value that stands for every breakdown value beyond the top `limit`. */
export const OTHER_VALUE = '$other';

/**
 * The breakdown: visitors grouped by the value of their step-1 event, the top `limit` by visitors at step
 * 1 (then by value, unset last), and the rest together as `$other`.
 */
export function breakdownResults(
  outcomes: readonly Outcome[],
  eventTypes: readonly string[],
  limit: number,
): { value: string | null; steps: FunnelStepResult[] }[] {
  const groups = new Map<string | null, Outcome[]>();
  for (const o of outcomes) {
    const g = groups.get(o.value);
    if (g) g.push(o);
    else groups.set(o.value, [o]);
  }
  const ranked = [...groups.entries()].sort(([a, x], [b, y]) => y.length - x.length || compareValues(a, b));
  const top = ranked.slice(0, limit).map(([value, g]) => ({ value, steps: stepResults(g, eventTypes) }));
  const rest = ranked.slice(limit).flatMap(([, g]) => g);
  if (rest.length > 0) top.push({ value: OTHER_VALUE, steps: stepResults(rest, eventTypes) });
  return top;
}

function compareValues(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
