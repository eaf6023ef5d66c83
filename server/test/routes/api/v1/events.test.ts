import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, IngestBatch } from '../../../../src/store/types.js';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../../../helpers.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe.each(stores)('POST /api/v1/events ($name)', (storeCase) => {
  let t: TestApp;
  let gate: { wait: Promise<void>; open: () => void } | null = null;
  const org = orgId('ingest');
  let token: string;

  beforeAll(async () => {
    // A real store whose ingest can be held open, to observe a request that is still in flight.
    const wrap = (store: EventStore): EventStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'ingest') {
            return async (batch: IngestBatch) => {
              if (gate) await gate.wait;
              return target.ingest(batch);
            };
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    t = await createTestApp(storeCase, { wrap });
    token = await t.token({ org, sub: 'user_1', scope: 'events:write events:read' });
  });
  afterAll(() => t.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...JSON_HEADERS, ...bearer(token), ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const count = async () => {
    let n = 0;
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ url, headers: bearer(token) });
      const page = res.json() as { data: unknown[]; next_cursor: string | null };
      n += page.data.length;
      cursor = page.next_cursor;
    } while (cursor);
    return n;
  };

  it('refuses properties nested deeper than 64 levels, and only those', async () => {
    const nest = (depth: number) => {
      let v: unknown = 1;
      // `depth - 1` containers here; the properties object around it is one more level.
      for (let i = 1; i < depth; i++) v = i % 2 ? [v] : { k: v };
      return v as object;
    };
    const deep = await post({
      events: [{ event_type: 'a' }, { event_type: 'a', properties: { p: nest(65) } }],
    });
    expect(deep.statusCode).toBe(422);
    expect(deep.json().errors).toEqual([
      { path: '/events/1/properties', message: 'must be nested at most 64 levels deep' },
    ]);
    // 64 levels exactly, and a shallow object with far more than 64 brackets (in values and in strings).
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i % 2 ? [i] : '{[']));
    const ok = await post({
      events: [
        { event_type: 'a', properties: { p: nest(64) } },
        { event_type: 'a', properties: wide },
      ],
    });
    expect(ok.statusCode).toBe(202);
  });

  it('accepts a batch with 202 and returns every event id in request order', async () => {
    const events = makeEvents(3);
    const res = await post({ events });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0, event_ids: events.map((e) => e.event_id) });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('makes a UUIDv7 for events sent without an id and stamps the receive time', async () => {
    const before = Date.now();
    const res = await post({ events: [{ event_type: 'anon_ping' }] });
    expect(res.statusCode).toBe(202);
    const [id] = res.json().event_ids;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const list = await t.app.inject({ url: '/api/v1/events?event_type=anon_ping', headers: bearer(token) });
    const stored = list.json().data[0];
    expect(stored.event_id).toBe(id);
    expect(stored.user_id).toBeNull();
    expect(stored.properties).toEqual({});
    expect(stored.schema_version).toBe(1);
    expect(Date.parse(stored.timestamp)).toBeGreaterThanOrEqual(before - 1);
  });

  it('counts an event id already stored as a duplicate and never stores it twice', async () => {
    const events = makeEvents(4);
    const before = await count();
    expect((await post({ events: events.slice(0, 2) })).json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const again = await post({ events });
    expect(again.json()).toMatchObject({ accepted: 2, duplicates: 2 });
    expect(await count()).toBe(before + 4);
  });

  it('counts a repeated id within one batch once', async () => {
    const [e] = makeEvents(1);
    const res = await post({ events: [e, e] });
    expect(res.json()).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('replays the first response for a repeated key, with Idempotent-Replayed', async () => {
    const body = { events: makeEvents(5) };
    const first = await post(body, { 'idempotency-key': 'replay-key-1' });
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = await count();
    const second = await post(body, { 'idempotency-key': 'replay-key-1' });
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(await count()).toBe(before);
  });

  it('replays even events without client ids with the ids first assigned', async () => {
    const body = { events: [{ event_type: 'no_id' }, { event_type: 'no_id' }] };
    const first = await post(body, { 'idempotency-key': 'replay-no-ids' });
    const second = await post(body, { 'idempotency-key': 'replay-no-ids' });
    expect(second.json().event_ids).toEqual(first.json().event_ids);
    const list = await t.app.inject({ url: '/api/v1/events?event_type=no_id', headers: bearer(token) });
    expect(list.json().data).toHaveLength(2);
  });

  it('answers 422 when a key is reused with a different body', async () => {
    await post({ events: makeEvents(1) }, { 'idempotency-key': 'reuse-key' });
    const res = await post({ events: makeEvents(1) }, { 'idempotency-key': 'reuse-key' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('idempotency_key_reused');
  });

  it('answers 409 for the same key while the first request is in flight, and stores once', async () => {
    const body = { events: makeEvents(3) };
    let open!: () => void;
    gate = { wait: new Promise<void>((r) => (open = r)), open: () => open() };
    const before = await count();
    const first = post(body, { 'idempotency-key': 'concurrent-key' });
    // Let the first request reach the store and hold its claim.
    await new Promise((r) => setTimeout(r, 50));
    const concurrent = await post(body, { 'idempotency-key': 'concurrent-key' });
    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.json().code).toBe('idempotency_key_in_use');
    gate.open();
    gate = null;
    expect((await first).statusCode).toBe(202);
    const after = await post(body, { 'idempotency-key': 'concurrent-key' });
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(await count()).toBe(before + 3);
  });

  it('scopes keys to the org: another org may use the same key', async () => {
    const otherToken = await t.token({ org: orgId('other'), scope: 'events:write' });
    const body = { events: makeEvents(1) };
    await post(body, { 'idempotency-key': 'shared-key' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...JSON_HEADERS, ...bearer(otherToken), 'idempotency-key': 'shared-key' },
      payload: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('rejects an invalid Idempotency-Key header with 422', async () => {
    const res = await post({ events: makeEvents(1) }, { 'idempotency-key': 'x'.repeat(256) });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toContain('idempotency-key');
  });

  describe('validation', () => {
    it.each([
      ['an empty batch', { events: [] }, '/events'],
      ['a batch of 101', { events: makeEvents(101) }, '/events'],
      ['a missing event_type', { events: [{ user_id: 'u' }] }, '/events/0/event_type'],
      [
        'a bad event_type',
        { events: makeEvents(3).map((e, i) => (i === 2 ? { ...e, event_type: 'has space' } : e)) },
        '/events/2/event_type',
      ],
      ['a number for user_id', { events: [{ event_type: 'a', user_id: 5 }] }, '/events/0/user_id'],
      ['an unknown field', { events: [{ event_type: 'a', eventType: 'b' }] }, '/events/0/eventType'],
      ['a non-UUID event_id', { events: [{ event_type: 'a', event_id: 'abc' }] }, '/events/0/event_id'],
      [
        'properties that are not an object',
        { events: [{ event_type: 'a', properties: [1] }] },
        '/events/0/properties',
      ],
      ['schema_version 0', { events: [{ event_type: 'a', schema_version: 0 }] }, '/events/0/schema_version'],
      [
        'a timestamp without offset',
        { events: [{ event_type: 'a', timestamp: '2024-05-01T10:00:00' }] },
        '/events/0/timestamp',
      ],
      [
        'an impossible date',
        { events: [{ event_type: 'a', timestamp: '2024-02-30T10:00:00Z' }] },
        '/events/0/timestamp',
      ],
      ['a missing events array', {}, '/events'],
    ])('answers 422 with the field path for %s', async (_label, body, path) => {
      const res = await post(body);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem).toMatchObject({
        status: 422,
        code: 'validation_failed',
        request_id: res.headers['x-request-id'],
      });
      expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('answers 422 for properties over 32 KiB', async () => {
      const res = await post({
        events: [{ event_type: 'a' }, { event_type: 'a', properties: { blob: 'x'.repeat(33 * 1024) } }],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([
        { path: '/events/1/properties', message: expect.stringContaining('32 KiB') },
      ]);
    });

    it('stores nothing from a batch with one invalid event', async () => {
      const before = await count();
      const events = makeEvents(3);
      const res = await post({ events: [...events, { event_type: 'a', timestamp: 'yesterday' }] });
      expect(res.statusCode).toBe(422);
      expect(await count()).toBe(before);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await post('{"events": [');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'malformed_json', status: 400 });
    });

    it('answers 413 for a 2 MiB body', async () => {
      const big = JSON.stringify({
        events: [{ event_type: 'a', properties: { blob: 'x'.repeat(2 * 1024 * 1024) } }],
      });
      const res = await post(big);
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('payload_too_large');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await post('event_type=a', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('unsupported_media_type');
      const text = await post('hello', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
    });

    it('reads JSON as UTF-8 only: another declared charset is a 415, utf-8 in any spelling is accepted', async () => {
      const body = JSON.stringify({
        events: [{ event_type: 'charset_check', properties: { city: 'Zürich' } }],
      });
      for (const type of ['application/json; charset=utf-16', 'application/json;charset="ISO-8859-1"']) {
        const res = await post(body, { 'content-type': type });
        expect(res.statusCode, type).toBe(415);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
        expect(res.json().detail).toMatch(/UTF-8/);
      }
      for (const type of ['application/json; charset=UTF-8', 'application/json; charset="utf8"']) {
        expect((await post(body, { 'content-type': type })).statusCode, type).toBe(202);
      }
    });
  });

  it("answers 403 when an event's org_id is not the token's", async () => {
    const res = await post({
      events: [
        { event_type: 'a', org_id: org },
        { event_type: 'a', org_id: 'org_other' },
      ],
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'org_mismatch', errors: [{ path: '/events/1/org_id' }] });
  });

  it("accepts an org_id equal to the token's", async () => {
    const res = await post({ events: [{ event_type: 'a', org_id: org }] });
    expect(res.statusCode).toBe(202);
  });
});
