import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayBoundaries,
  formatDay,
  isValidTimeZone,
  localDay,
  parseDate,
  parseInstant,
} from '../../src/lib/time.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('parseInstant()', () => {
  it('reads RFC 3339 with Z or an offset, fractions to the millisecond', () => {
    expect(parseInstant('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(iso(parseInstant('2024-02-29T23:00:00.123456+05:30')!)).toBe('2024-02-29T17:30:00.123Z');
    expect(iso(parseInstant('2024-01-01t00:00:00-01:00')!)).toBe('2024-01-01T01:00:00.000Z');
  });

  it('rejects instants without offset, impossible dates and other shapes', () => {
    for (const bad of [
      '2024-05-01T12:00:00',
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-05-01',
      '1714564800',
      '2024-05-01T25:00:00Z',
      '',
    ]) {
      expect(parseInstant(bad), bad).toBeNull();
    }
  });

  it('reads the toISOString form (its fast path) exactly like the same instant written otherwise', () => {
    const digits = (n: number) =>
      fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
    fc.assert(
      fc.property(
        fc.tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3)),
        ([y, mo, d, h, mi, s, ms]) => {
          const canonical = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
          // The same instant with an explicit zero offset never takes the fast path.
          expect(parseInstant(canonical)).toBe(parseInstant(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}+00:00`));
        },
      ),
      { numRuns: 5000 },
    );
    for (const bad of ['2024-02-30T00:00:00.000Z', '2024-01-01T24:00:00.000Z', '1969-12-31T23:59:59.999Z']) {
      expect(parseInstant(bad), bad).toBeNull();
    }
    expect(parseInstant('2024-02-29T23:59:60.000Z')).toBe(Date.UTC(2024, 2, 1));
    expect(parseInstant('2024-05-01T12:34:56.789Z')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56, 789));
  });
});

describe('parseDate()', () => {
  it('gives the UTC day number of a valid calendar date', () => {
    expect(parseDate('1970-01-02')).toBe(1);
    expect(formatDay(parseDate('2024-02-29')!)).toBe('2024-02-29');
    expect(parseDate('2024-02-30')).toBeNull();
    expect(parseDate('2024-2-1')).toBeNull();
  });
});

describe('dayBoundaries()', () => {
  it('are UTC midnights for UTC', () => {
    const d = parseDate('2024-03-09')!;
    expect(dayBoundaries(d, d + 1, 'UTC').map(iso)).toEqual([
      '2024-03-09T00:00:00.000Z',
      '2024-03-10T00:00:00.000Z',
      '2024-03-11T00:00:00.000Z',
    ]);
  });

  it('follow daylight saving time (a 23-hour day in New York)', () => {
    const d = parseDate('2024-03-10')!;
    const [a, b] = dayBoundaries(d, d, 'America/New_York');
    expect(iso(a!)).toBe('2024-03-10T05:00:00.000Z');
    expect(iso(b!)).toBe('2024-03-11T04:00:00.000Z');
  });

  it('handle offsets that are not whole hours', () => {
    const d = parseDate('2024-06-01')!;
    expect(iso(dayBoundaries(d, d, 'Asia/Kolkata')[0]!)).toBe('2024-05-31T18:30:00.000Z');
    expect(iso(dayBoundaries(d, d, 'Asia/Kathmandu')[0]!)).toBe('2024-05-31T18:15:00.000Z');
  });

  it('start a day whose midnight does not exist at the end of the gap', () => {
    // Santiago skipped from 00:00 to 01:00 on 2024-09-08.
    const d = parseDate('2024-09-08')!;
    const start = dayBoundaries(d, d, 'America/Santiago')[0]!;
    expect(iso(start)).toBe('2024-09-08T04:00:00.000Z');
    expect(localDay(start, 'America/Santiago')).toBe(d);
    expect(localDay(start - 1, 'America/Santiago')).toBe(d - 1);
  });
});

describe('isValidTimeZone()', () => {
  it('accepts IANA names and rejects others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
