import type { JsonValue } from '@acme/analytics-sdk';

// Intl formatters are costly to build and rendering asks for the same few again and again.
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

/** An `Intl.DateTimeFormat`; an unknown locale or time zone falls back to the defaults rather than throw. */
export function dateTimeFormat(
  locale: string | undefined,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  return cached(`d${locale}${JSON.stringify(options)}`, () => {
    try {
      return new Intl.DateTimeFormat(locale, options);
    } catch {
      return new Intl.DateTimeFormat(undefined, { ...options, timeZone: undefined });
    }
  });
}

export function numberFormat(
  locale: string | undefined,
  options: Intl.NumberFormatOptions = {},
): Intl.NumberFormat {
  return cached(`n${locale}${JSON.stringify(options)}`, () => {
    try {
      return new Intl.NumberFormat(locale, options);
    } catch {
      return new Intl.NumberFormat(undefined, options);
    }
  });
}

/**
 * Number options for a card's `format` attribute: `number` (default), `compact`, `percent`
 * (the value is a ratio), `currency:EUR`, or `unit:millisecond`.
 */
export function formatOptions(format: string | undefined): Intl.NumberFormatOptions {
  const [kind, arg] = (format ?? 'number').split(':');
  switch (kind) {
    case 'compact':
      return { notation: 'compact', maximumFractionDigits: 1 };
    case 'percent':
      return { style: 'percent', maximumFractionDigits: 1 };
    case 'currency':
      return { style: 'currency', currency: arg || 'USD' };
    case 'unit':
      return { style: 'unit', unit: arg || 'second', unitDisplay: 'short' };
    default:
      return { maximumFractionDigits: 2 };
  }
}

/** Today's date (`YYYY-MM-DD`) in a time zone. */
export function today(timeZone = 'UTC', now = new Date()): string {
  // en-CA formats dates as YYYY-MM-DD, whatever the page's locale.
  return dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Adds whole days to a `YYYY-MM-DD` date, in calendar terms (no time zone, no DST). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Days from `start` to `end`, both included. */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000) + 1;
}

export interface DateRange {
  start: string;
  end: string;
  days: number;
}

/** Moves a `YYYY-MM-DD` date by whole months (clamped to the month's last day, as 29 Feb → 28 Feb). */
function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, last))).toISOString().slice(0, 10);
}

/**
 * The period a card shows and the one before it, of equal length. Explicit dates win over `range`
 * (`today`, `7d`, `30d`, `90d`, any `<n>d`, `12m`, any `<n>m` up to 12); the default is the last 30 days
 * including today.
 */
export function periods(
  range: string | undefined,
  startDate: string | undefined,
  endDate: string | undefined,
  timeZone?: string,
): { current: DateRange; previous: DateRange } {
  let end = endDate || today(timeZone);
  let start = startDate;
  if (!start) {
    const n = range === 'today' ? 1 : Number.parseInt(range ?? '', 10);
    const valid = Number.isFinite(n) && n > 0;
    // 12 months back, and the day after: 12 whole months ending today (365 or 366 days).
    start = /^\d+m$/.test(range ?? '')
      ? addDays(addMonths(end, -(valid ? Math.min(n, 12) : 12)), 1)
      : addDays(end, -((valid ? Math.min(n, 366) : 30) - 1));
  }
  if (start > end) [start, end] = [end, start];
  const days = daysBetween(start, end);
  return {
    current: { start, end, days },
    previous: { start: addDays(start, -days), end: addDays(start, -1), days },
  };
}

/**
 * The instant a day (`YYYY-MM-DD`) starts in a time zone, as RFC 3339 (UTC): what the events API needs
 * for days counted anywhere but UTC (its plain dates are UTC days).
 */
export function startOfDay(date: string, timeZone: string): string {
  const utc = Date.parse(`${date}T00:00:00Z`);
  // The zone's offset at a moment: its wall-clock time read as if it were UTC, minus the moment.
  const offset = (at: number) => {
    const f = dateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const p = Object.fromEntries(f.formatToParts(at).map((part) => [part.type, part.value]));
    return Date.parse(`${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}Z`) - at;
  };
  // Twice: the offset at the guess may differ from the one at the answer across a DST change.
  let at = utc - offset(utc);
  at = utc - offset(at);
  return new Date(at).toISOString();
}

/** One line of `key: value` pairs for the table's properties column. */
export function summarize(properties: { [key: string]: JsonValue } | null | undefined, max = 120): string {
  if (!properties) return '';
  let out = '';
  for (const [key, value] of Object.entries(properties)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out += `${out ? ', ' : ''}${key}: ${text}`;
    if (out.length > max) return `${out.slice(0, max - 1)}…`;
  }
  return out;
}
