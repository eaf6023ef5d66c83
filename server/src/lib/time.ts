/**
 * Date and time handling shared by every store: RFC 3339 instants, calendar dates, and the boundaries of
 * local days in an IANA zone. Everything is epoch milliseconds in UTC once parsed.
 */
import type { FieldError } from './errors.js';

export const DAY_MS = 86_400_000;

/** The longest range of local days a read covers (the summary, the insights, delivery). */
export const MAX_DAYS = 366;

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const CANONICAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The last instant whose UTC form has a four-digit year. A local time late on 9999-12-31 with a negative
 * offset is later than this, and `toISOString()` would write it `+010000-01-01T…`, which is not RFC 3339.
 */
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The number written by the two ASCII digits at `i`. */
function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** An RFC 3339 timestamp with an offset (`Z` or `±hh:mm`) → epoch ms, or `null` when invalid. */
export function parseInstant(text: string): number | null {
  // Fast path for what SDKs send (`Date.prototype.toISOString`), parsed per event on ingest: no captures,
  // no arrays. Anything unusual (days past the 28th, leap seconds, offsets) takes the full path below.
  if (text.length === 24 && CANONICAL_RE.test(text)) {
    const y = twoDigits(text, 0) * 100 + twoDigits(text, 2);
    const mo = twoDigits(text, 5);
    const d = twoDigits(text, 8);
    const h = twoDigits(text, 11);
    const mi = twoDigits(text, 14);
    const s = twoDigits(text, 17);
    if (y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h <= 23 && mi <= 59 && s <= 59) {
      return Date.UTC(y, mo - 1, d, h, mi, s, twoDigits(text, 20) * 10 + text.charCodeAt(22) - 48);
    }
  }
  const m = RFC3339_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 60) return null;
  const frac = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // A leap second (:60) is folded onto the next second's start, as most systems do.
  const ms =
    Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59)) + (s === 60 ? 1000 : 0) + frac - offsetMin * 60_000;
  return ms > MAX_INSTANT ? null : ms;
}

/** How far event timestamps may lie from the time the server received them. */
export interface TimestampWindow {
  pastMs: number;
  futureMs: number;
}

/** `ANALYTICS_TIMESTAMP_PAST_DAYS` and `ANALYTICS_TIMESTAMP_FUTURE_DAYS`'s defaults. */
export const DEFAULT_TIMESTAMP_WINDOW: TimestampWindow = { pastMs: 400 * DAY_MS, futureMs: DAY_MS };

/**
 * Why an event's instant is refused, or `null` when it lies within `window` around `receivedAt`. Events are
 * stored in monthly partitions on PostgreSQL, made on demand: without a window, one batch of timestamps a
 * month apart from 1970 to 2099 made 1,550 of them, and every later read paid for planning over them all.
 * Only ingest is held to the window; query ranges (`start_date`, `from`) may reach anywhere.
 */
export function outsideWindow(ms: number, receivedAt: number, window: TimestampWindow): string | null {
  if (ms >= receivedAt - window.pastMs && ms <= receivedAt + window.futureMs) return null;
  return `must be within ${days(window.pastMs)} before and ${days(window.futureMs)} after the time the server received it`;
}

function days(ms: number): string {
  const n = ms / DAY_MS;
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** `YYYY-MM-DD` → the UTC day number (days since 1970-01-01), or `null` when invalid. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validYmd(y, mo, d)) return null;
  return Date.UTC(y, mo - 1, d) / DAY_MS;
}

/** A UTC day number → `YYYY-MM-DD`. */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Epoch ms → RFC 3339 in UTC with milliseconds (`2024-05-01T12:00:00.000Z`). */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** A query bound: a date (`YYYY-MM-DD`, a whole UTC day) or an RFC 3339 instant. */
export type Bound = { kind: 'date'; day: number } | { kind: 'instant'; ms: number };

export function parseBound(text: string): Bound | null {
  const day = parseDate(text);
  if (day !== null) return { kind: 'date', day };
  const ms = parseInstant(text);
  return ms === null ? null : { kind: 'instant', ms };
}

/**
 * The `start_date`/`end_date` of a read's query string as the half-open range [fromTs, toTs) in ms: a date
 * is its whole UTC day, an instant itself. Problems are pushed onto `errors` (field errors of a 422), so
 * the caller reports them together with its other parameters'.
 */
export function parseRangeQuery(
  q: { start_date?: string | undefined; end_date?: string | undefined },
  errors: { path: string; message: string }[],
): { fromTs?: number; toTs?: number } {
  const range: { fromTs?: number; toTs?: number } = {};
  if (q.start_date !== undefined) {
    const b = parseBound(q.start_date);
    if (!b) errors.push({ path: '/start_date', message: 'must be a date YYYY-MM-DD or an RFC 3339 instant' });
    else range.fromTs = b.kind === 'date' ? b.day * DAY_MS : b.ms;
  }
  if (q.end_date !== undefined) {
    const b = parseBound(q.end_date);
    if (!b) errors.push({ path: '/end_date', message: 'must be a date YYYY-MM-DD or an RFC 3339 instant' });
    else range.toTs = b.kind === 'date' ? (b.day + 1) * DAY_MS : b.ms;
  }
  if (range.fromTs !== undefined && range.toTs !== undefined && range.fromTs > range.toTs) {
    errors.push({ path: '/end_date', message: 'must not be before start_date' });
  }
  return range;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is an IANA zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

function localParts(ms: number, tz: string): { y: number; m: number; d: number; wallMs: number } {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const y = parts.year ?? 1970;
  const m = parts.month ?? 1;
  const d = parts.day ?? 1;
  const wallMs = Date.UTC(y, m - 1, d, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return { y, m, d, wallMs };
}

/** The zone's offset from UTC at an instant, ms (positive east of Greenwich). */
export function zoneOffset(ms: number, tz: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return localParts(whole, tz).wallMs - whole;
}

/**
 * The instant a local calendar day begins in `tz`. Two passes settle the offset across a DST change; where
 * local midnight does not exist (a spring-forward gap at midnight) the day begins at the first instant after
 * the gap, found by bisection over whole minutes (transitions happen on minute boundaries).
 */
export function startOfLocalDay(day: number, tz: string): number {
  if (tz === 'UTC') return day * DAY_MS;
  const wall = day * DAY_MS;
  let t = wall - zoneOffset(wall, tz);
  t = wall - zoneOffset(t, tz);
  if (localParts(t, tz).wallMs === wall) return t;
  let lo = (t - 3 * 3_600_000) / 60_000; // in minutes: localDay(lo) < day
  let hi = (t + 3 * 3_600_000) / 60_000; // localDay(hi) >= day
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(mid * 60_000, tz) >= day) hi = mid;
    else lo = mid;
  }
  return hi * 60_000;
}

/** The local calendar day (UTC day number of the local date) of an instant in `tz`. */
export function localDay(ms: number, tz: string): number {
  if (tz === 'UTC') return Math.floor(ms / DAY_MS);
  const { y, m, d } = localParts(ms, tz);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** Boundaries of days `firstDay..lastDay` (inclusive) in `tz`: length = days + 1. */
export function dayBoundaries(firstDay: number, lastDay: number, tz: string): number[] {
  const out: number[] = [];
  for (let day = firstDay; day <= lastDay + 1; day++) out.push(startOfLocalDay(day, tz));
  return out;
}

/**
 * The local days `start..end` (day numbers) of a read's `start_date`/`end_date` in its zone `tz` (default
 * UTC), or `undefined` with every bad field pushed onto `errors`. Without `end_date` the range ends today
 * in the zone; without `start_date` it spans `defaultDays` days. At most `MAX_DAYS` days.
 */
export function parseDayRange(
  q: { start_date?: string | undefined; end_date?: string | undefined; tz?: string | undefined },
  errors: FieldError[],
  { defaultDays = 30, now = Date.now() }: { defaultDays?: number; now?: number } = {},
): { start: number; end: number; tz: string } | undefined {
  const before = errors.length;
  const tz = q.tz ?? 'UTC';
  const zoneOk = isValidTimeZone(tz);
  if (!zoneOk) errors.push({ path: '/tz', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
  const today = localDay(now, zoneOk ? tz : 'UTC');
  const end = q.end_date === undefined ? today : parseDate(q.end_date);
  if (end === null) errors.push({ path: '/end_date', message: 'must be a date YYYY-MM-DD' });
  const start = q.start_date === undefined ? (end ?? today) - defaultDays + 1 : parseDate(q.start_date);
  if (start === null) errors.push({ path: '/start_date', message: 'must be a date YYYY-MM-DD' });
  if (start !== null && end !== null) {
    if (start > end) errors.push({ path: '/start_date', message: 'must not be after end_date' });
    else if (end - start + 1 > MAX_DAYS) {
      errors.push({ path: '/end_date', message: `the range may cover at most ${MAX_DAYS} days` });
    }
  }
  return errors.length > before || start === null || end === null ? undefined : { start, end, tz };
}
