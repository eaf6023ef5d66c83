import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/lib/errors.js';
import { FILTER_DIMENSIONS, matchesFilter, parseFilter, parseFilters } from '../../src/lib/filters.js';

describe('parseFilter()', () => {
  it('parses each operator', () => {
    expect(parseFilter('path==/pricing')).toEqual({ dimension: 'path', op: '==', value: '/pricing' });
    expect(parseFilter('country!=DE')).toEqual({ dimension: 'country', op: '!=', value: 'DE' });
    expect(parseFilter('referrer_host~google')).toEqual({
      dimension: 'referrer_host',
      op: '~',
      value: 'google',
    });
    expect(parseFilter('browser!~chrome')).toEqual({ dimension: 'browser', op: '!~', value: 'chrome' });
  });
  it('keeps operator characters inside the value', () => {
    expect(parseFilter('path==/a==b~c')).toEqual({ dimension: 'path', op: '==', value: '/a==b~c' });
    expect(parseFilter('utm_campaign==')).toEqual({ dimension: 'utm_campaign', op: '==', value: '' });
  });
  it('parses property filters with a restricted key', () => {
    expect(parseFilter('prop.plan==pro')).toEqual({ dimension: 'prop', key: 'plan', op: '==', value: 'pro' });
    expect(parseFilter('prop.$set.a-b==1')).toEqual({
      dimension: 'prop',
      key: '$set.a-b',
      op: '==',
      value: '1',
    });
    expect(parseFilter("prop.x') OR 1=1--==1")).toMatch(/malformed filter/);
    expect(parseFilter("prop.x') OR (1==1")).toMatch(/property key/);
    expect(parseFilter('prop.==1')).toMatch(/property key/);
  });
  it('refuses unknown dimensions and malformed text, naming them', () => {
    expect(parseFilter('ip==1.2.3.4')).toMatch(/unknown dimension "ip"/);
    expect(parseFilter('path')).toMatch(/malformed filter/);
    expect(parseFilter('==x')).toMatch(/malformed filter/);
    expect(parseFilter('Path==x')).toMatch(/malformed filter/);
  });
  it('round-trips every dimension and operator with any value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FILTER_DIMENSIONS),
        fc.constantFrom('==', '!=', '~', '!~'),
        fc.string({ maxLength: 50 }),
        (dimension, op, value) => {
          expect(parseFilter(`${dimension}${op}${value}`)).toEqual({ dimension, op, value });
        },
      ),
    );
  });
});

describe('parseFilters()', () => {
  it('accepts none, one or many', () => {
    expect(parseFilters(undefined)).toEqual([]);
    expect(parseFilters('os==iOS')).toHaveLength(1);
    expect(parseFilters(['os==iOS', 'device==mobile'])).toHaveLength(2);
  });
  it('answers a 422 naming each bad filter by its position', () => {
    try {
      parseFilters(['os==iOS', 'nope==1', 'x']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      const apiError = error as ApiError;
      expect(apiError.status).toBe(422);
      expect(apiError.errors?.map((e) => e.path)).toEqual(['/filter/1', '/filter/2']);
    }
  });
  it('refuses more than 20 filters', () => {
    expect(() => parseFilters(Array.from({ length: 21 }, () => 'os==iOS'))).toThrow(/at most 20/);
  });
});

describe('matchesFilter()', () => {
  it('treats an unset dimension as different and as not containing', () => {
    expect(matchesFilter('==', null, 'x')).toBe(false);
    expect(matchesFilter('!=', null, 'x')).toBe(true);
    expect(matchesFilter('~', null, 'x')).toBe(false);
    expect(matchesFilter('!~', null, 'x')).toBe(true);
  });
  it('ignores ASCII case in contains, and only ASCII case', () => {
    expect(matchesFilter('~', 'News.Google.com', 'GOOGLE')).toBe(true);
    expect(matchesFilter('~', 'ÉCOLE', 'école')).toBe(false);
  });
});
