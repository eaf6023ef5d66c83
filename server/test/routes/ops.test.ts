import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

/** `/metrics` is served on the API port only to its own token (see test/security/metrics.test.ts). */
const METRICS_TOKEN = 'ops-test-metrics-token-0123456789';

describe.each(stores)('operations ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase, {
      env: { ANALYTICS_METRICS_TOKEN: METRICS_TOKEN, ANALYTICS_METRICS_ORG_LABELS: 'true' },
    });
  });
  afterAll(() => t.close());

  it('GET /health answers 200', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 when the database answers', async () => {
    const res = await t.app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', store: storeCase.name });
  });

  it('GET /metrics exposes request counters, latency histograms and events ingested by org', async () => {
    const org = orgId('prom');
    const token = await t.token({ org });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: { events: [{ event_type: 'a' }, { event_type: 'b' }] },
    });
    await t.app.inject({ url: '/api/v1/events' }); // a 401
    const res = await t.app.inject({ url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/api\/v1\/events",status="202"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/events",status="401"\} 1/);
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{method="POST",route="\/api\/v1\/events",status="202",le="\+Inf"\} 1/,
    );
    expect(text).toContain(`analytics_events_ingested_total{org_id="${org}"} 2`);
    if (storeCase.name === 'sqlite') {
      const batches = Number(/^analytics_store_batches_total (\d+)$/m.exec(text)?.[1]);
      const transactions = Number(/^analytics_store_transactions_total (\d+)$/m.exec(text)?.[1]);
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(transactions).toBeGreaterThanOrEqual(1);
      expect(transactions).toBeLessThanOrEqual(batches);
      expect(text).toContain('analytics_sqlite_writer_thread 1'); // a file database: the writer thread
    }
  });

  it('echoes a valid X-Request-Id and makes one otherwise', async () => {
    const given = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    const made = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a 404 problem document', async () => {
    const res = await t.app.inject({ url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 404,
      code: 'not_found',
      request_id: res.headers['x-request-id'],
    });
  });

  it('sets security headers', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/events',
        '/api/v1/metrics/summary',
        '/api/v1/event-types',
        '/health',
        '/ready',
      ]),
    );
    const post = doc.paths['/api/v1/events'].post;
    expect(post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(100);
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '409', '413', '415', '422', '429']),
    );
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    expect(doc.components.schemas.Problem.properties.request_id).toBeTruthy();
  });

  it('serves Swagger UI at /docs and ReDoc at /redoc from local files', async () => {
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
    const redoc = await t.app.inject({ url: '/redoc' });
    expect(redoc.statusCode).toBe(200);
    expect(redoc.headers['content-type']).toContain('text/html');
    expect(redoc.body).toContain('spec-url="/openapi.json"');
    expect(redoc.body).toContain('src="/redoc/redoc.standalone.js"');
    const bundle = await t.app.inject({ url: '/redoc/redoc.standalone.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });
});

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
  });
  afterAll(() => server.close());

  it('answers 429 with Retry-After as a problem document once an org exceeds its budget', async () => {
    const a = await server.token({ org: 'org_limited' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${server.url}/api/v1/event-types`, { headers: bearer(a) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('content-type')).toContain('application/problem+json');
    expect(await last!.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // The budget is per org: another org is unaffected.
    const b = await server.token({ org: 'org_other' });
    expect((await fetch(`${server.url}/api/v1/event-types`, { headers: bearer(b) })).status).toBe(200);
  });
});

describe('CORS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ corsOrigins: ['http://app.example'] });
  });
  afterAll(() => server.close());

  it('allows configured origins, including the preflight for an ingest with an idempotency key', async () => {
    const res = await fetch(`${server.url}/api/v1/events`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,content-encoding,idempotency-key',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const allowed = res.headers
      .get('access-control-allow-headers')
      ?.toLowerCase()
      .split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['idempotency-key', 'content-encoding']));
    const get = await fetch(`${server.url}/health`, { headers: { origin: 'http://app.example' } });
    expect(get.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('does not allow other origins', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'http://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
