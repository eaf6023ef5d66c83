import { describe, expect, it } from 'vitest';
import { AnalyticsApiError, AnalyticsError } from '../src/errors.js';
import { isRetryable, refused, retryDelay } from '../src/retry.js';

const api = (status: number, retryAfter?: number) =>
  new AnalyticsApiError({ type: 'about:blank', title: `HTTP ${status}`, status }, retryAfter);
const network = new TypeError('Failed to fetch');

describe('retryDelay()', () => {
  it('doubles the bound from baseDelay up to maxDelay and draws the delay uniformly below it', () => {
    const bounds = [0, 1, 2, 3, 4, 5].map((a) =>
      retryDelay(a, network, 'delivery', { baseDelay: 100, maxDelay: 1000 }, () => 1),
    );
    expect(bounds).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelay(2, network, 'delivery', { baseDelay: 100 }, () => 0.25)).toBe(100);
    expect(retryDelay(0, network, 'delivery', {}, () => 0)).toBe(0);
  });

  it('defaults to 1 s doubling up to 60 s', () => {
    expect(retryDelay(0, network, 'delivery', {}, () => 1)).toBe(1000);
    expect(retryDelay(10, network, 'delivery', {}, () => 1)).toBe(60_000);
  });

  it('waits what Retry-After says, without drawing', () => {
    const draw = () => {
      throw new Error('drawn');
    };
    expect(retryDelay(5, api(429, 7000), 'delivery', {}, draw)).toBe(7000);
    expect(retryDelay(0, api(503, 0), 'read', {}, draw)).toBe(0);
  });

  it('never gives up a delivery', () => {
    for (const error of [network, api(401), api(503), new AnalyticsError('late', 'timeout')]) {
      expect(retryDelay(1000, error, 'delivery', {}, () => 0.5)).toBeTypeOf('number');
    }
  });

  it('gives up a read after `reads` retries (default 2)', () => {
    expect([0, 1, 2].map((a) => retryDelay(a, network, 'read', {}, () => 1))).toEqual([1000, 2000, false]);
    expect(retryDelay(0, network, 'read', { reads: 0 }, () => 1)).toBe(false);
    expect(retryDelay(4, api(503), 'read', { reads: 5 }, () => 1)).toBe(16_000);
  });

  it('gives up a read at once on an API error no retry can change', () => {
    for (const status of [400, 401, 403, 404, 422]) expect(retryDelay(0, api(status), 'read')).toBe(false);
    for (const status of [408, 409, 425, 429, 500, 503]) {
      expect(retryDelay(0, api(status), 'read', {}, () => 1)).toBe(1000);
    }
  });
});

describe('refused()', () => {
  it('is true for a 4xx that no retry or new token can change', () => {
    expect([400, 403, 413, 422].map((s) => refused(api(s)))).toEqual([true, true, true, true]);
    expect([401, 408, 409, 425, 429, 500].map((s) => refused(api(s)))).toEqual(Array(6).fill(false));
    expect(refused(network)).toBe(false);
  });
});

describe('isRetryable()', () => {
  it('covers 408, 409, 425, 429 and 5xx', () => {
    expect([408, 409, 425, 429, 500, 599].every(isRetryable)).toBe(true);
    expect([400, 401, 403, 404, 410, 422].some(isRetryable)).toBe(false);
  });
});
