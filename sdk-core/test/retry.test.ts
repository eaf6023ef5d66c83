import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnalyticsApiError, AnalyticsError } from '../src/errors.js';
import type { RetryPolicy } from '../src/index.js';
import { isRetryable, refused, retryDelay, retryPolicy } from '../src/retry.js';
import { accept, harness, json, problem, tick, until, useFakeTime } from './helpers.js';

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

describe('retryPolicy()', () => {
  it('uses a function as the policy itself', () => {
    const own: RetryPolicy = () => 42;
    expect(retryPolicy(own)).toBe(own);
  });

  it('builds the default policy from settings and the platform random', () => {
    const policy = retryPolicy({ baseDelay: 10, maxDelay: 25, reads: 1 }, () => 0.5);
    expect([0, 1, 2].map((a) => policy(a, network, 'delivery'))).toEqual([5, 10, 12.5]);
    expect([0, 1].map((a) => policy(a, network, 'read'))).toEqual([5, false]);
  });
});

describe('the retry option', () => {
  beforeEach(useFakeTime);
  afterEach(() => {
    vi.useRealTimers();
  });

  it('as settings: reads: 0 answers a read with its first failure', async () => {
    const { client, api } = harness({ retry: { reads: 0 } }, () => problem(503, 'service_unavailable'));
    await expect(client.getEventTypes()).rejects.toMatchObject({ status: 503 });
    expect(api.requests).toHaveLength(1);
  });

  it('as a function: waits what it returns, told the attempt, the error and what failed', async () => {
    const calls: [number, unknown, string][] = [];
    let n = 0;
    const { client, api } = harness(
      {
        retry: (attempt, error, request) => {
          calls.push([attempt, error, request]);
          return 250 * (attempt + 1);
        },
      },
      (req) => (++n <= 2 ? problem(503, 'service_unavailable') : accept(req)),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    await until(() => api.requests.length === 1);
    await vi.advanceTimersByTimeAsync(250);
    await until(() => api.requests.length === 2);
    await vi.advanceTimersByTimeAsync(500);
    await flushed;
    expect(api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at)).toEqual([250, 500]);
    expect(
      calls.map(([attempt, error, request]) => [attempt, (error as AnalyticsApiError).status, request]),
    ).toEqual([
      [0, 503, 'delivery'],
      [1, 503, 'delivery'],
    ]);
  });

  it('as a function: giving up a delivery rejects the flush and keeps the batch queued under its key', async () => {
    let down = true;
    const { client, api } = harness({ retry: (attempt) => (attempt < 2 ? 100 : false) }, (req) =>
      down ? 'network' : accept(req),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush().catch((e: unknown) => e);
    await until(() => api.requests.length === 1);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => api.requests.length === 2);
    await vi.advanceTimersByTimeAsync(100);
    expect(await flushed).toBeInstanceOf(TypeError);
    expect(api.requests).toHaveLength(3);
    // Given up: nothing more is sent until the next flush.
    await vi.advanceTimersByTimeAsync(60_000);
    await tick();
    expect(api.requests).toHaveLength(3);
    down = false;
    await client.flush();
    expect(api.requests).toHaveLength(4);
    expect(new Set(api.requests.map((r) => r.key)).size).toBe(1);
    expect(new Set(api.requests.map((r) => r.raw)).size).toBe(1);
  });

  it('as a function: decides read retries, and is not asked about refused batches', async () => {
    const asked: string[] = [];
    let n = 0;
    const { client, api } = harness(
      {
        retry: (attempt, _error, request) => {
          asked.push(request);
          return request === 'read' && attempt < 3 ? 10 : false;
        },
      },
      (req) =>
        req.method === 'POST'
          ? problem(422, 'validation_failed')
          : ++n < 4
            ? problem(401, 'invalid_token')
            : json(200, { data: [] }),
    );
    const types = client.getEventTypes();
    for (let i = 1; i <= 3; i++) {
      await until(() => api.requests.length === i);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(await types).toEqual([]);
    expect(asked).toEqual(['read', 'read', 'read']);
    await client.trackEvent({ event_type: 'a' });
    await expect(client.flush()).rejects.toMatchObject({ status: 422 });
    expect(asked).toHaveLength(3);
  });
});
