/**
 * `/metrics` tells how much each org ingests: it is served only with its own bearer token, or on a port of
 * its own, and names orgs only when told to.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../../src/testing.js';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../helpers.js';

const TOKEN = 'metrics-scrape-token-0123456789abcdef';

describe('GET /metrics', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function ingestOne(app: TestApp, org: string): Promise<void> {
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(await app.token({ org })), 'content-type': 'application/json' },
      payload: { events: makeEvents(2) },
    });
    expect(res.statusCode).toBe(202);
  }

  it('answers 404 on the API port when no metrics token is configured', async () => {
    t = await createTestApp(stores[0]!);
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
    expect(res.body).not.toContain('http_requests_total');
  });

  it('asks for ANALYTICS_METRICS_TOKEN, and leaves org ids out by default', async () => {
    t = await createTestApp(stores[0]!, { env: { ANALYTICS_METRICS_TOKEN: TOKEN } });
    const org = orgId('secret');
    await ingestOne(t, org);
    for (const headers of [{}, bearer('wrong'), bearer(`${TOKEN}x`), { authorization: TOKEN }]) {
      const res = await t.app.inject({ url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).not.toContain(org);
    }
    // An API token is not a metrics token either.
    const api = await t.app.inject({ url: '/metrics', headers: bearer(await t.token({ org })) });
    expect(api.statusCode).toBe(401);
    const res = await t.app.inject({ url: '/metrics', headers: bearer(TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^analytics_events_ingested_total 2$/m);
    expect(res.body).not.toContain(org);
    expect(res.body).not.toContain('org_id=');
  });

  it('names orgs with ANALYTICS_METRICS_ORG_LABELS=true', async () => {
    t = await createTestApp(stores[0]!, {
      env: { ANALYTICS_METRICS_TOKEN: TOKEN, ANALYTICS_METRICS_ORG_LABELS: 'true' },
    });
    const org = orgId('labelled');
    await ingestOne(t, org);
    const res = await t.app.inject({ url: '/metrics', headers: bearer(TOKEN) });
    expect(res.body).toContain(`analytics_events_ingested_total{org_id="${org}"} 2`);
  });

  it('serves /metrics on ANALYTICS_METRICS_PORT, and not on the API port', async () => {
    t = await createTestApp(stores[0]!, { env: { ANALYTICS_METRICS_PORT: '0' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.metricsServer?.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe((t.app.server.address() as { port: number }).port);
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toContain('# TYPE http_requests_total counter');
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/events`)).status).toBe(404);
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(404);
  });

  it('stays open on test servers, which are never public', async () => {
    const server = await startTestServer();
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
