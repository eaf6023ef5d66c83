/**
 * One request of each kind the API answers, valid and invalid, every response checked against
 * `/openapi.json` by the test setup (`setup.ts`): a test fails on any undocumented status, content type
 * or body. Each suite also asserts that every response it got was checked, not skipped. The last suite
 * shows the check catching responses that break the document.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyReply, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { EventStore, IngestBatch } from '../../src/store/types.js';
import { bearer, createTestApp, makeEvents, openTestStore, orgId, stores, type TestApp } from '../helpers.js';
import { stats, takeViolations } from './validate-responses.js';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789';

describe.each(stores)('every kind of response conforms to /openapi.json ($name)', (storeCase) => {
  let t: TestApp;
  let sdkDir: string;
  let token: string;
  let gate: Promise<void> | null = null;
  const org = orgId('openapi');
  let sent = 0;
  let validatedBefore = 0;
  let hiddenBefore = 0;

  beforeAll(async () => {
    validatedBefore = stats.validated;
    hiddenBefore = stats.hidden;
    sdkDir = mkdtempSync(join(tmpdir(), 'analytics-openapi-sdk-'));
    mkdirSync(sdkDir, { recursive: true });
    writeFileSync(join(sdkDir, 'analytics.js'), 'console.log("analytics");\n');
    writeFileSync(
      join(sdkDir, 'analytics.js.map'),
      JSON.stringify({ version: 3, sources: [], mappings: '' }),
    );
    // Ingest can be held in flight (the 409 case) by making the store wait on `gate`.
    const wrap = (store: EventStore): EventStore =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'ingest') {
            return async (batch: IngestBatch) => {
              if (gate) await gate;
              return target.ingest(batch);
            };
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    t = await createTestApp(storeCase, {
      wrap,
      env: { ANALYTICS_SDK_DIR: sdkDir, ANALYTICS_METRICS_TOKEN: METRICS_TOKEN },
    });
    token = await t.token({ org });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(sdkDir, { recursive: true, force: true });
  });

  const send = (opts: InjectOptions): Promise<LightMyRequestResponse> => {
    sent++;
    return t.app.inject(opts);
  };
  const ingest = (body: unknown, headers: Record<string, string> = {}) =>
    send({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(token), ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const read = (url: string, headers: Record<string, string> = bearer(token)) => send({ url, headers });

  describe('POST /api/v1/events', () => {
    it('answers 202 for new events and for duplicates', async () => {
      const body = { events: makeEvents(12) };
      expect((await ingest(body)).statusCode).toBe(202);
      expect((await ingest(body)).json().duplicates).toBe(12);
    });

    it('replays the first answer for the same key and body, and refuses the key with another body', async () => {
      const body = JSON.stringify({ events: makeEvents(2) });
      expect((await ingest(body, { 'idempotency-key': 'k-2' })).statusCode).toBe(202);
      const replay = await ingest(body, { 'idempotency-key': 'k-2' });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const reused = await ingest({ events: makeEvents(1) }, { 'idempotency-key': 'k-2' });
      expect(reused.statusCode).toBe(422);
    });

    it('answers 409 while a request with the same key is in flight', async () => {
      let open!: () => void;
      gate = new Promise<void>((r) => {
        open = r;
      });
      const body = JSON.stringify({ events: makeEvents(1) });
      const first = ingest(body, { 'idempotency-key': 'k-3' });
      await new Promise((r) => setTimeout(r, 50));
      expect((await ingest(body, { 'idempotency-key': 'k-3' })).statusCode).toBe(409);
      open();
      gate = null;
      expect((await first).statusCode).toBe(202);
    });

    it('answers 400, 413, 415 and 422 for bodies it cannot take', async () => {
      expect((await ingest('{"events": [')).statusCode).toBe(400);
      const big = JSON.stringify({
        events: [{ event_type: 'x', properties: { pad: 'x'.repeat(1_100_000) } }],
      });
      expect((await ingest(big)).statusCode).toBe(413);
      expect((await ingest('{}', { 'content-type': 'text/plain' })).statusCode).toBe(415);
      expect((await ingest({ events: [{ properties: {} }] })).statusCode).toBe(422);
      expect((await ingest({ events: [] })).statusCode).toBe(422);
    });

    it('answers 401 without a token or with a bad one, and 403 without the scope', async () => {
      expect((await ingest({ events: makeEvents(1) }, { authorization: '' })).statusCode).toBe(401);
      expect((await ingest({ events: makeEvents(1) }, { authorization: 'Bearer nope' })).statusCode).toBe(
        401,
      );
      const readOnly = await t.token({ org, scope: 'events:read' });
      expect((await ingest({ events: makeEvents(1) }, bearer(readOnly))).statusCode).toBe(403);
    });
  });

  describe('GET /api/v1/events', () => {
    it('walks the pages with next_cursor and refuses a tampered cursor', async () => {
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await read(`/api/v1/events?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        cursor = res.json().next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBeGreaterThan(1);
      expect((await read('/api/v1/events?cursor=AAAA')).statusCode).toBe(422);
      expect((await read('/api/v1/events?limit=0')).statusCode).toBe(422);
      expect((await read('/api/v1/events?event_type=page_view&user_id=user_1')).statusCode).toBe(200);
    });

    it("answers 403 for another org's org_id and 401 without a token", async () => {
      expect((await read('/api/v1/events?org_id=org_someone_else')).statusCode).toBe(403);
      expect((await read('/api/v1/events', {})).statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/metrics/summary', () => {
    it('answers each metric kind, in UTC and in another time zone', async () => {
      for (const query of [
        '',
        'metrics=events',
        'metrics=active_users',
        'metrics=events:page_view',
        'metrics=events&metrics=active_users&metrics=events:page_view&tz=Europe/Berlin',
        'tz=Asia/Tokyo&start_date=2024-06-01&end_date=2024-06-07',
      ]) {
        expect((await read(`/api/v1/metrics/summary?${query}`)).statusCode, query).toBe(200);
      }
    });

    it('answers 422 for an unknown metric, zone or range', async () => {
      for (const query of ['metrics=nope', 'tz=Mars/Olympus', 'start_date=2024-06-07&end_date=2024-06-01']) {
        expect((await read(`/api/v1/metrics/summary?${query}`)).statusCode, query).toBe(422);
      }
    });
  });

  describe('GET /api/v1/event-types', () => {
    it('lists the types, and answers 403 to a token without events:read', async () => {
      expect((await read('/api/v1/event-types')).statusCode).toBe(200);
      const metricsOnly = await t.token({ org, scope: 'metrics:read' });
      expect((await read('/api/v1/event-types', bearer(metricsOnly))).statusCode).toBe(403);
    });
  });

  describe('no route', () => {
    it('answers an unknown path, an unsupported method and a malformed URL with problem documents', async () => {
      expect((await read('/api/v1/nope')).statusCode).toBe(404);
      // Fastify routes by method and path together: a method a path does not take is a 404 too.
      expect(
        (await send({ method: 'DELETE', url: '/api/v1/events', headers: bearer(token) })).statusCode,
      ).toBe(404);
      // A URL that does not decode is answered before any hook runs, so the check never sees it: assert it here.
      const malformed = await t.app.inject('/api/v1/%E0%A4%A');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(malformed.json()).toMatchObject({ status: 400, code: 'bad_request' });
    });
  });

  describe('operations, docs and the SDK', () => {
    it('answers /health, /ready and /metrics (200 with its token, 401 without)', async () => {
      expect((await read('/health', {})).statusCode).toBe(200);
      expect((await read('/ready', {})).statusCode).toBe(200);
      expect((await read('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(200);
      expect((await read('/metrics', {})).statusCode).toBe(401);
    });

    it('serves /openapi.json, which holds itself to its own schema', async () => {
      expect((await read('/openapi.json', {})).statusCode).toBe(200);
    });

    it('serves the bundle and its map, 304 for a current ETag, 404 for a file not built', async () => {
      const js = await read('/sdk/analytics.js', {});
      expect(js.statusCode).toBe(200);
      expect((await read('/sdk/analytics.js', { 'if-none-match': String(js.headers.etag) })).statusCode).toBe(
        304,
      );
      expect((await send({ method: 'HEAD', url: '/sdk/analytics.js' })).statusCode).toBe(200);
      expect((await read('/sdk/analytics.js.map', {})).statusCode).toBe(200);
      expect((await read('/sdk/analytics.esm.js', {})).statusCode).toBe(404);
    });

    it('leaves the HTML pages out of the document, and does not count them as checked', async () => {
      const hidden = stats.hidden;
      expect((await t.app.inject('/redoc')).statusCode).toBe(200);
      expect((await t.app.inject('/docs/')).statusCode).toBe(200);
      expect(stats.hidden - hidden).toBe(2);
    });
  });

  it('checked every response of this suite', () => {
    expect(stats.validated - validatedBefore).toBe(sent);
    expect(stats.hidden - hiddenBefore).toBe(2);
  });
});

describe.each(stores)('rate limits conform to /openapi.json ($name)', (storeCase) => {
  let t: TestApp;
  afterAll(() => t?.close());

  it('answers 429 over the limit, as the document says', async () => {
    t = await createTestApp(storeCase, { rateLimit: { max: 2, timeWindowMs: 60_000 } });
    const headers = bearer(await t.token({ org: orgId('openapi-429') }));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.app.inject({ url: '/api/v1/event-types', headers })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('the response check', () => {
  const config = loadConfig({ NODE_ENV: 'test' }, { seed: 'none' });
  let close: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    const db = await openTestStore(stores[0]!);
    app = await buildApp({ config, store: db.store });
    close = async () => {
      await app.close();
      await db.close();
    };
    // Routes that break their own documentation: added before `ready`, so they are in the document.
    const ok = Type.Object({ ok: Type.Boolean() });
    const doc = (operationId: string) => ({ schema: { operationId, response: { 200: ok } } });
    app.get('/test/teapot', doc('getTeapot'), async (_request, reply) =>
      (reply as FastifyReply).code(418).send({ ok: true }),
    );
    app.get('/test/wrong-body', doc('getWrongBody'), async (_request, reply) =>
      reply.type('application/json').send('{"ok":"yes"}'),
    );
    app.get('/test/wrong-type', doc('getWrongType'), async (_request, reply) =>
      reply.type('text/plain').send('ok'),
    );
    app.get('/test/fine', doc('getFine'), async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => close?.());

  it('reports a status the document does not list for the route', async () => {
    expect((await app.inject('/test/teapot')).statusCode).toBe(418);
    const [v, ...more] = takeViolations();
    expect(more).toEqual([]);
    expect(v).toMatchObject({ request: 'GET /test/teapot', status: 418 });
    expect(v!.problem).toContain('status 418 is not documented');
  });

  it('reports a body that does not match the schema', async () => {
    await app.inject('/test/wrong-body');
    expect(takeViolations().map((v) => v.problem)).toEqual([
      expect.stringMatching(/does not match .*\/ok must be boolean/),
    ]);
  });

  it('reports a content type the document does not list', async () => {
    await app.inject('/test/wrong-type');
    expect(takeViolations().map((v) => v.problem)).toEqual([
      expect.stringContaining('Content-Type text/plain is not documented'),
    ]);
  });

  it('reports nothing for a response that conforms', async () => {
    expect((await app.inject('/test/fine')).json()).toEqual({ ok: true });
    expect(takeViolations()).toEqual([]);
  });
});
