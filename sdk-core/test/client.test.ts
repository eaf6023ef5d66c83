import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnalyticsApiError, AnalyticsError } from '../src/index.js';
import { accept, events, harness, json, problem, tick, until, useFakeTime } from './helpers.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

describe('.trackEvent()', () => {
  it('waits for flushAt events before sending', async () => {
    const { client, api } = harness({ flushAt: 3, flushInterval: 60_000 });
    await client.trackEvent({ event_type: 'a' });
    await client.trackEvent({ event_type: 'b' });
    await tick();
    expect(api.requests).toHaveLength(0);
    await client.trackEvent({ event_type: 'c' });
    await until(() => api.requests.length === 1);
    const [req] = api.requests;
    expect(req!.url.href).toBe('https://api.test/api/v1/events');
    expect(req!.body!.events.map((e) => e.event_type)).toEqual(['a', 'b', 'c']);
    expect(req!.headers.get('authorization')).toBe('Bearer key');
    expect(req!.key).toMatch(/^[\da-f-]{36}$/);
  });

  it('batches events tracked right after start-up too (the start-up send is for earlier pages only)', async () => {
    const { client, api } = harness({ flushAt: 3, flushInterval: 60_000 }, async (req) => {
      await tick(5);
      return accept(req);
    });
    await client.trackEvent({ event_type: 'a' });
    await tick();
    await client.trackEvent({ event_type: 'b' });
    await tick();
    expect(api.requests).toHaveLength(0);
    await client.trackEvent({ event_type: 'c' });
    await until(() => api.requests.length === 1);
    expect(api.requests[0]!.body!.events).toHaveLength(3);
  });

  it('sends whatever is queued flushInterval ms after the first event', async () => {
    const { client, api } = harness({ flushAt: 20, flushInterval: 1000 });
    await client.trackEvent({ event_type: 'a' });
    await vi.advanceTimersByTimeAsync(999);
    await tick();
    expect(api.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => api.requests.length === 1);
    expect(api.requests[0]!.body!.events).toHaveLength(1);
  });

  it('fills in a UUIDv7 event_id and an RFC 3339 timestamp at call time', async () => {
    const { client, api } = harness();
    await client.trackEvent({ event_type: 'a', user_id: 'u1', properties: { plan: 'pro' } });
    await client.flush();
    const [event] = api.requests[0]!.body!.events;
    expect(event!.event_id).toMatch(/^[\da-f]{8}-[\da-f]{4}-7[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
    expect(event!.timestamp).toBe('2025-03-01T12:00:00.000Z');
    expect(event).toMatchObject({ user_id: 'u1', properties: { plan: 'pro' } });
  });

  it('keeps ids and timestamps the application gives', async () => {
    const { client, api } = harness();
    const event_id = '0195501c-7a3b-7c1e-9a1b-0123456789ab';
    await client.trackEvent({ event_type: 'a', event_id, timestamp: '2025-01-01T00:00:00+02:00' });
    await client.flush();
    expect(api.requests[0]!.body!.events[0]).toMatchObject({
      event_id,
      timestamp: '2025-01-01T00:00:00+02:00',
    });
  });

  it('rejects events the API would refuse, queueing none of the call', async () => {
    const { client, api } = harness();
    for (const bad of [
      { event_type: 'has space' },
      { event_type: '' },
      { event_type: 'x'.repeat(129) },
      { event_type: 'a', properties: [] as unknown as Record<string, never> },
      { event_type: 'a', event_id: 'not-a-uuid' },
      { event_type: 'a', timestamp: 'yesterday' },
      { event_type: 'a', schema_version: 0 },
      { event_type: 'a', properties: { blob: 'x'.repeat(33_000) } },
    ]) {
      const error = await client.trackEvents([{ event_type: 'ok' }, bad]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnalyticsError);
      expect((error as AnalyticsError).code).toBe('invalid_event');
    }
    await client.flush();
    expect(api.requests).toHaveLength(0);
  });

  it('puts at most 100 events in one request', async () => {
    const { client, api } = harness({ flushAt: 1000 });
    await client.trackEvents(events(250));
    await client.flush();
    expect(api.requests.map((r) => r.body!.events.length)).toEqual([100, 100, 50]);
    expect(new Set(api.requests.map((r) => r.key)).size).toBe(3);
    expect(api.requests.flatMap((r) => r.body!.events.map((e) => e.properties))).toEqual(
      events(250).map((e) => e.properties),
    );
  });

  it('takes a very large array in one call', async () => {
    const { client, api } = harness({ maxQueueSize: 200_000, flushAt: 1e9 });
    await client.trackEvents(events(150_000));
    await client.trackEvent({ event_type: 'last' });
    await client.flush();
    expect(api.requests).toHaveLength(1501);
    // Each event carries the visitor's ids and context now: over twice the bytes of a bare event to build.
  }, 20_000);

  it('keeps every request body within 64 KiB', async () => {
    const { client, api } = harness({ flushAt: 1000 });
    for (let i = 0; i < 12; i++)
      await client.trackEvent({ event_type: 'big', properties: { i, pad: 'x'.repeat(20_000) } });
    await client.flush();
    expect(api.requests.length).toBeGreaterThanOrEqual(4);
    for (const r of api.requests) expect(new TextEncoder().encode(r.raw).length).toBeLessThanOrEqual(65536);
    expect(api.requests.flatMap((r) => r.body!.events.map((e) => (e.properties as { i: number }).i))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
  });

  it('drops the oldest events past maxQueueSize and says how many', async () => {
    const { client, api, errors } = harness({ maxQueueSize: 5, flushAt: 1000 });
    for (let i = 0; i < 8; i++) await client.trackEvent({ event_type: 'e', properties: { i } });
    expect(errors).toHaveLength(3);
    expect(errors.map((e) => [(e as AnalyticsError).code, (e as AnalyticsError).count])).toEqual([
      ['queue_overflow', 1],
      ['queue_overflow', 1],
      ['queue_overflow', 1],
    ]);
    await client.trackEvents(events(7));
    expect((errors[3] as AnalyticsError).count).toBe(7);
    await client.flush();
    expect(api.requests.flatMap((r) => r.body!.events.map((e) => (e.properties as { i: number }).i))).toEqual(
      [2, 3, 4, 5, 6],
    );
  });
});

describe('.flush()', () => {
  it('resolves only once the API has accepted the events', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { client, api } = harness({}, async (req) => {
      await gate;
      return accept(req);
    });
    await client.trackEvent({ event_type: 'a' });
    let done = false;
    const flushed = client.flush().then(() => {
      done = true;
    });
    await until(() => api.requests.length === 1);
    await tick();
    expect(done).toBe(false);
    release();
    await flushed;
    expect(done).toBe(true);
  });

  it('waits for events tracked in the same tick that were not yet written', async () => {
    const { client, api } = harness();
    void client.trackEvent({ event_type: 'a' });
    await client.flush();
    expect(api.requests).toHaveLength(1);
  });

  it('resolves at once with an empty queue', async () => {
    const { client, api } = harness();
    await client.flush();
    expect(api.requests).toHaveLength(0);
  });
});

describe('delivery retries', () => {
  it('backs off exponentially (full jitter, capped) and keeps the idempotency key and body', async () => {
    let n = 0;
    const { client, api } = harness(
      { retry: { baseDelay: 1000, maxDelay: 8000 }, platform: { random: () => 1 } },
      (req) => (++n <= 5 ? problem(503, 'service_unavailable') : accept(req)),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    const expected = [1000, 2000, 4000, 8000, 8000];
    await until(() => api.requests.length === 1);
    for (const [i, delay] of expected.entries()) {
      await vi.advanceTimersByTimeAsync(delay - 1);
      await tick();
      expect(api.requests).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => api.requests.length === i + 2);
    }
    await flushed;
    const gaps = api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at);
    expect(gaps).toEqual(expected);
    expect(new Set(api.requests.map((r) => r.key)).size).toBe(1);
    expect(new Set(api.requests.map((r) => r.raw)).size).toBe(1);
  });

  it('draws each delay uniformly below the exponential bound', async () => {
    const draws = [0.25, 0.5, 0.1];
    let n = 0;
    const { client, api } = harness(
      { retry: { baseDelay: 1000 }, platform: { random: () => draws.shift() ?? 0 } },
      (req) => (++n <= 3 ? 'network' : accept(req)),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    await until(() => api.requests.length === 1);
    for (const delay of [250, 1000, 400]) {
      const seen = api.requests.length;
      await tick();
      await vi.advanceTimersByTimeAsync(delay);
      await until(() => api.requests.length === seen + 1);
    }
    await flushed;
    expect(api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at)).toEqual([250, 1000, 400]);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    let n = 0;
    const { client, api } = harness({}, (req) => {
      n++;
      if (n === 1) return problem(429, 'rate_limited', { 'retry-after': '7' });
      if (n === 2)
        return problem(503, 'service_unavailable', {
          'retry-after': new Date(Date.now() + 3000).toUTCString(),
        });
      return accept(req);
    });
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    await until(() => api.requests.length === 1);
    await vi.advanceTimersByTimeAsync(6999);
    await tick();
    expect(api.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => api.requests.length === 2);
    await vi.advanceTimersByTimeAsync(3000);
    await flushed;
    expect(api.requests.map((r) => r.at - api.requests[0]!.at)).toEqual([0, 7000, 10_000]);
  });

  it('retries 408, 409, 429, 5xx and network errors; a timed-out request goes again with the same key', async () => {
    const answers = [
      problem(408, 'timeout'),
      problem(409, 'idempotency_key_in_use'),
      problem(429, 'rate_limited'),
      problem(500, 'internal_error'),
      'network' as const,
      'hang' as const,
    ];
    const { client, api } = harness({ timeout: 5000, retry: { baseDelay: 10, maxDelay: 10 } }, (req) =>
      answers.length ? answers.shift()! : accept(req),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    for (let i = 1; i <= 6; i++) {
      await until(() => api.requests.length === i);
      await vi.advanceTimersByTimeAsync(i === 6 ? 5010 : 10);
    }
    await flushed;
    expect(api.requests).toHaveLength(7);
    expect(new Set(api.requests.map((r) => r.key)).size).toBe(1);
  });

  it('never retries a 422: keeps the batch aside, reports it, rejects the flush and goes on', async () => {
    let n = 0;
    const { client, api, errors } = harness({ flushAt: 1000 }, (req) =>
      ++n === 1 ? problem(422, 'validation_failed') : accept(req),
    );
    await client.trackEvents(events(3));
    const error = await client.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed', count: 3 });
    expect((error as AnalyticsApiError).problem.detail).toBe('validation_failed detail');
    expect(errors).toEqual([error]);
    await vi.advanceTimersByTimeAsync(120_000);
    await tick();
    expect(api.requests).toHaveLength(1);
    const [aside] = await client.rejectedBatches();
    expect(aside!.events.map((e) => e.properties)).toEqual(events(3).map((e) => e.properties));
    expect(aside!.idempotencyKey).toBe(api.requests[0]!.key);
    expect(aside!.problem.status).toBe(422);
    // Later events still go.
    await client.trackEvent({ event_type: 'later' });
    await client.flush();
    expect(api.requests).toHaveLength(2);
    await client.discardRejectedBatches();
    expect(await client.rejectedBatches()).toEqual([]);
  });

  it('pauses while offline and resumes on online', async () => {
    const h = harness();
    h.setOnline(false);
    await h.client.trackEvent({ event_type: 'a' });
    const flushed = h.client.flush();
    await vi.advanceTimersByTimeAsync(600_000);
    await tick();
    expect(h.api.requests).toHaveLength(0);
    h.setOnline(true);
    await flushed;
    expect(h.api.requests).toHaveLength(1);
  });

  it('goes again straight away when the connection comes back during a backoff', async () => {
    let n = 0;
    const h = harness({ retry: { baseDelay: 30_000, maxDelay: 30_000 } }, (req) =>
      ++n === 1 ? 'network' : accept(req),
    );
    await h.client.trackEvent({ event_type: 'a' });
    const flushed = h.client.flush();
    await until(() => h.api.requests.length === 1);
    h.setOnline(false);
    h.setOnline(true);
    await flushed;
    expect(h.api.requests[1]!.at - h.api.requests[0]!.at).toBe(0);
  });
});

describe('auth', () => {
  it('calls getToken again once for concurrent 401s and retries each request once', async () => {
    let current = 'old';
    let refreshes = 0;
    const getToken = vi.fn(async ({ forceRefresh }: { forceRefresh: boolean }) => {
      if (forceRefresh) {
        refreshes++;
        await new Promise((r) => setImmediate(r));
        current = 'new';
      }
      return current;
    });
    const { client, api } = harness({ apiKey: undefined, getToken }, (req) =>
      req.headers.get('authorization') === 'Bearer new'
        ? req.method === 'POST'
          ? accept(req)
          : json(200, { data: [] })
        : problem(401, 'invalid_token'),
    );
    await client.trackEvent({ event_type: 'a' });
    const results = await Promise.all([client.getEventTypes(), client.getEventTypes(), client.flush()]);
    expect(results.slice(0, 2)).toEqual([[], []]);
    expect(refreshes).toBe(1);
    expect(api.requests.filter((r) => r.headers.get('authorization') === 'Bearer old')).toHaveLength(3);
    expect(api.requests.filter((r) => r.headers.get('authorization') === 'Bearer new')).toHaveLength(3);
  });

  it('gives up after one refresh when the new token is refused too', async () => {
    const getToken = vi.fn((_: { forceRefresh: boolean }) => 'bad');
    const { client, api } = harness({ apiKey: undefined, getToken }, () => problem(401, 'invalid_token'));
    const error = await client.getEventTypes().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(api.requests).toHaveLength(2);
    expect(getToken.mock.calls.map(([o]) => o.forceRefresh)).toEqual([false, true]);
  });

  it('keeps events queued through a 401 (they are valid; the credentials are not)', async () => {
    let n = 0;
    const { client, api, errors } = harness({ retry: { baseDelay: 100, maxDelay: 100 } }, (req) =>
      ++n === 1 ? problem(401, 'invalid_token') : accept(req),
    );
    await client.trackEvent({ event_type: 'a' });
    const flushed = client.flush();
    await until(() => api.requests.length === 1);
    await vi.advanceTimersByTimeAsync(100);
    await flushed;
    expect(errors.map((e) => (e as AnalyticsError).code)).toEqual(['invalid_token']);
    expect(await client.rejectedBatches()).toEqual([]);
  });
});

describe('consent', () => {
  it('queues and sends nothing while opted out, and drops what was queued', async () => {
    const { client, api } = harness({ flushAt: 100 });
    await client.trackEvent({ event_type: 'before' });
    await client.optOut();
    expect(client.optedOut).toBe(true);
    await client.trackEvent({ event_type: 'during' });
    await client.flush();
    expect(api.requests).toHaveLength(0);
    await client.optIn();
    await client.trackEvent({ event_type: 'after' });
    await client.flush();
    expect(api.requests.flatMap((r) => r.body!.events.map((e) => e.event_type))).toEqual(['after']);
  });
});

describe('page exit', () => {
  it('sends the queued events at once with keepalive, and a failed exit send is retried with the same key', async () => {
    const h = harness({ flushInterval: 60_000 }, () => 'network');
    await h.client.trackEvents(events(3));
    h.exit();
    await until(() => h.api.requests.length === 1);
    const [exit] = h.api.requests;
    expect(exit!.keepalive).toBe(true);
    expect(exit!.body!.events).toHaveLength(3);
    h.api.setHandler(accept);
    await h.client.flush();
    expect(h.api.requests).toHaveLength(2);
    expect(h.api.requests[1]!.key).toBe(exit!.key);
    expect(h.api.requests[1]!.raw).toBe(exit!.raw);
    expect(h.api.requests[1]!.keepalive).toBe(false);
  });

  it('does not send again what the exit send delivered', async () => {
    const h = harness({ flushInterval: 60_000 });
    await h.client.trackEvents(events(2));
    void h.client.trackEvent({ event_type: 'same-tick' });
    h.exit();
    await until(() => h.api.requests.length === 1);
    expect(h.api.requests[0]!.body!.events).toHaveLength(3);
    await tick();
    await h.client.flush();
    expect(h.api.requests).toHaveLength(1);
  });
});

describe('.shutdown()', () => {
  it('delivers what is queued, then refuses new events', async () => {
    const { client, api } = harness({ flushAt: 100 });
    await client.trackEvent({ event_type: 'a' });
    await client.shutdown();
    expect(api.requests).toHaveLength(1);
    await expect(client.trackEvent({ event_type: 'b' })).rejects.toMatchObject({ code: 'closed' });
  });

  it('gives up after its timeout when the API cannot be reached', async () => {
    const { client } = harness({}, () => 'network');
    await client.trackEvent({ event_type: 'a' });
    const done = client.shutdown({ timeout: 2000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await done).toMatchObject({ code: 'timeout' });
  });
});
