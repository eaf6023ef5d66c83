import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnalyticsApiError } from '../src/index.js';
import { harness, json, problem, tick, until, useFakeTime } from './helpers.js';

beforeEach(useFakeTime);
afterEach(() => {
  vi.useRealTimers();
});

describe('reads', () => {
  it('getEvents walks every page with the cursor and the same filters', async () => {
    const pages = [
      { data: [{ event_id: '1' }, { event_id: '2' }], next_cursor: 'c1', has_more: true },
      { data: [{ event_id: '3' }], next_cursor: 'c2', has_more: true },
      { data: [{ event_id: '4' }], next_cursor: null, has_more: false },
    ];
    const { client, api } = harness({}, (req) => json(200, pages[api.requests.indexOf(req)]));
    const seen: string[] = [];
    for await (const e of client.getEvents({ event_type: ['a', 'b'], user_id: 'u', limit: 2 }))
      seen.push(e.event_id);
    expect(seen).toEqual(['1', '2', '3', '4']);
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
    for (const r of api.requests) {
      expect(r.url.pathname).toBe('/api/v1/events');
      expect(r.url.searchParams.getAll('event_type')).toEqual(['a', 'b']);
      expect(r.url.searchParams.get('user_id')).toBe('u');
      expect(r.url.searchParams.get('limit')).toBe('2');
    }
  });

  it('getEvents stops on abort without fetching further pages', async () => {
    const { client, api } = harness({}, () =>
      json(200, { data: [{ event_id: '1' }], next_cursor: 'c', has_more: true }),
    );
    const ctl = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const e of client.getEvents({}, { signal: ctl.signal })) {
        seen.push(e.event_id);
        if (seen.length === 2) ctl.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seen).toHaveLength(2);
    expect(api.requests).toHaveLength(2);
  });

  it('aborts a request in flight', async () => {
    const { client } = harness({}, () => 'hang');
    const ctl = new AbortController();
    const pending = client.getMetricsSummary({}, { signal: ctl.signal }).catch((e: unknown) => e);
    await tick();
    ctl.abort();
    expect(((await pending) as Error).name).toBe('AbortError');
  });

  it('retries a read on 503, then answers', async () => {
    let n = 0;
    const { client, api } = harness({ retry: { baseDelay: 100 } }, () =>
      ++n === 1
        ? problem(503, 'service_unavailable')
        : json(200, { data: [{ event_type: 'a', count: 1, last_seen: 'x' }] }),
    );
    const types = client.getEventTypes();
    await until(() => api.requests.length === 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(await types).toEqual([{ event_type: 'a', count: 1, last_seen: 'x' }]);
  });

  it('raises a typed error carrying the problem document', async () => {
    const { client } = harness({}, () =>
      json(422, {
        type: '/problems/unknown-metric',
        title: 'Unknown metric',
        status: 422,
        detail: 'Known metrics: events, active_users',
        request_id: 'req-1',
      }),
    );
    const error = (await client
      .getMetricsSummary({ metrics: ['nope'] })
      .catch((e: unknown) => e)) as AnalyticsApiError;
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error.code).toBe('unknown_metric');
    expect(error.requestId).toBe('req-1');
    expect(error.message).toBe('Known metrics: events, active_users');
  });

  it('sends metrics params as repeated query parameters', async () => {
    const { client, api } = harness({}, () => json(200, {}));
    await client.getMetricsSummary({
      start_date: '2025-01-01',
      metrics: ['events', 'events:click'],
      tz: 'Europe/Paris',
    });
    const q = api.requests[0]!.url.searchParams;
    expect(q.getAll('metrics')).toEqual(['events', 'events:click']);
    expect(q.get('tz')).toBe('Europe/Paris');
    expect(q.get('start_date')).toBe('2025-01-01');
  });
});
