/**
 * Rate limits: separate budgets, so that one client's flood (a leaked write token sending garbage, a script
 * guessing tokens) cannot starve anybody else's requests, and one budget across replicas on PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { signToken } from '../../src/lib/auth.js';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../helpers.js';
import { freshSchema, openPg, type Schema, skip as skipPg } from '../postgres/fixture.js';

// A test may wait up to 15 s for a fresh window (below).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const json = { 'content-type': 'application/json' };

/**
 * Windows are the clock's minutes: a test that counts requests starts with at least 15 s of its minute
 * left, so that its requests are all counted in one window even on a slow machine.
 */
async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe('rate limits (one process)', () => {
  let t: TestApp | undefined;
  beforeEach(awayFromWindowEdge);
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function app(max: number, env: Record<string, string> = {}): Promise<TestApp> {
    t = await createTestApp(stores[0]!, { rateLimit: { max, timeWindowMs: 60_000 }, env });
    return t;
  }

  it("keeps a flood of refused ingest requests from blocking the org's reads", async () => {
    const { app: api, token } = await app(20);
    const org = orgId('flood');
    const writeOnly = await token({ org, scope: 'events:write' });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await api.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(writeOnly), ...json },
        payload: '{"events":[{"event_type":"bad type"}]}',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(422));
    expect(statuses[20]).toBe(429);
    const reader = await token({ org, scope: 'events:read metrics:read' });
    for (const url of ['/api/v1/events', '/api/v1/event-types', '/api/v1/metrics/summary']) {
      const res = await api.inject({ url, headers: bearer(reader) });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['x-ratelimit-remaining'], url).toBeDefined();
    }
  });

  it("keeps a leaked publishable key's flood from blocking another key's ingest and the org's reads", async () => {
    const { app: api, token } = await app(20);
    const org = orgId('keys');
    const admin = await token({ org, role: 'admin', scope: 'keys:write' });
    const create = async (body: object): Promise<string> => {
      const res = await api.inject({
        method: 'POST',
        url: '/api/v1/keys',
        headers: { ...bearer(admin), ...json },
        payload: { allowed_origins: [], ...body },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().key;
    };
    const leaked = await create({ name: 'leaked', rate_limit_per_minute: 3 });
    const other = await create({ name: 'storefront' });
    const send = (auth: string, payload: string) =>
      api.inject({ method: 'POST', url: '/api/v1/events', headers: { ...bearer(auth), ...json }, payload });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(leaked, '{"events":[]}')).statusCode);
    // The key's own limit (3 a minute) applies to it alone.
    expect(statuses).toEqual([422, 422, 422, 429, 429]);
    const good = JSON.stringify({ events: makeEvents(1) });
    const res = await send(other, good);
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-ratelimit-limit']).toBe('20');
    expect((await send(await token({ org, scope: 'events:write' }), good)).statusCode).toBe(202);
    const reads = await api.inject({ url: '/api/v1/events', headers: bearer(await token({ org })) });
    expect(reads.statusCode).toBe(200);
  });

  it('charges nothing for a request refused for its scope', async () => {
    const { app: api, token } = await app(3);
    const org = orgId('scope');
    const readOnly = await token({ org, scope: 'events:read' });
    for (let i = 0; i < 5; i++) {
      const res = await api.inject({ method: 'POST', url: '/api/v1/events', headers: bearer(readOnly) });
      expect(res.statusCode).toBe(403);
      expect(res.headers['x-ratelimit-remaining']).toBeUndefined();
    }
    const writer = await token({ org, scope: 'events:write' });
    const res = await api.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(writer), ...json },
      payload: { events: makeEvents(1) },
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('counts requests without a valid token per client address', async () => {
    const { app: api, token } = await app(3);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api.inject({
        url: '/api/v1/events',
        headers: bearer('not-a-token'),
        remoteAddress: '198.51.100.7',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const other = await api.inject({ url: '/api/v1/events', remoteAddress: '198.51.100.8' });
    expect(other.statusCode).toBe(401);
    // A valid token from the flooding address spends its org's budget, not the address's.
    const good = await api.inject({
      url: '/api/v1/events',
      headers: bearer(await token({ org: orgId('ip') })),
      remoteAddress: '198.51.100.7',
    });
    expect(good.statusCode).toBe(200);
  });

  it('answers 429 naming the window, with Retry-After equal to the seconds until it resets', async () => {
    const { app: api, token } = await app(1);
    const reader = await token({ org: orgId('retry') });
    expect((await api.inject({ url: '/api/v1/event-types', headers: bearer(reader) })).statusCode).toBe(200);
    const res = await api.inject({ url: '/api/v1/event-types', headers: bearer(reader) });
    expect(res.statusCode).toBe(429);
    const doc = res.json();
    expect(doc.code).toBe('rate_limited');
    expect(doc.detail).toMatch(/^Rate limit of 1 requests per minute exceeded/);
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(res.headers['x-ratelimit-reset']).toBe(String(retry));
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    expect(doc.detail).toContain(`retry in ${retry} s`);
    // The window is the minute of the clock: it resets when that minute ends.
    expect(Math.abs(retry - (60 - new Date().getSeconds()))).toBeLessThanOrEqual(1);
  });

  it('believes X-Forwarded-For only from the configured proxies', async () => {
    const forwarded = (api: FastifyInstance, client: string) =>
      api.inject({
        url: '/api/v1/events',
        headers: { 'x-forwarded-for': client },
        remoteAddress: '10.0.0.2',
      });
    // Off by default: a client cannot pick a fresh bucket by sending a header.
    const direct = await app(1);
    expect((await forwarded(direct.app, '203.0.113.1')).statusCode).toBe(401);
    expect((await forwarded(direct.app, '203.0.113.2')).statusCode).toBe(429);
    await direct.close();
    t = undefined;
    // Behind the trusted ingress (named by its addresses, or as one hop), each client has its own bucket.
    for (const setting of ['10.0.0.0/8', '1']) {
      const proxied = await app(1, { ANALYTICS_TRUST_PROXY: setting });
      expect((await forwarded(proxied.app, '203.0.113.1')).statusCode, setting).toBe(401);
      expect((await forwarded(proxied.app, '203.0.113.2')).statusCode, setting).toBe(401);
      expect((await forwarded(proxied.app, '203.0.113.1')).statusCode, setting).toBe(429);
      await proxied.close();
      t = undefined;
    }
  });
});

describe.skipIf(skipPg)('rate limits across replicas on one PostgreSQL database', () => {
  let schema: Schema;
  const replicas: { app: FastifyInstance; close(): Promise<void> }[] = [];
  let secret = '';
  let issuer = '';

  beforeAll(async () => {
    schema = await freshSchema();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({ NODE_ENV: 'test' }, { databaseUrl: schema.url, seed: 'none' });
      config.rateLimit = { max: 10, timeWindowMs: 60_000 };
      secret = config.jwtSecret;
      issuer = config.jwtIssuer;
      const store = await openPg(schema.url);
      const app = await buildApp({ config, store });
      await app.ready();
      replicas.push({
        app,
        close: async () => {
          await app.close();
          await store.close();
        },
      });
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await schema?.dispose();
  });

  it('share one budget: of 30 concurrent requests split over two replicas, exactly 10 pass', async () => {
    await awayFromWindowEdge();
    const token = await signToken({ org: orgId('replicas'), scope: 'events:read', secret, issuer });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        replicas[i % 2]!.app.inject({ url: '/api/v1/event-types', headers: bearer(token) }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(10);
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(20);
    // Each request learned its own place in the window: the remaining counts are 9 down to 0, once each.
    expect(ok.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    // Both replicas refuse the org now, whichever counted last.
    for (const r of replicas) {
      expect((await r.app.inject({ url: '/api/v1/event-types', headers: bearer(token) })).statusCode).toBe(
        429,
      );
    }
  });
});
