import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, startTestServer, type TestServer } from '../src/testing.js';

describe('startTestServer()', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ seed: 'sample' });
  });
  afterAll(() => server.close());

  it('serves the sample data over real HTTP with tokens it mints', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = await server.token({ org: 'org_acme', scope: 'events:read' });
    const res = await fetch(`${server.url}/api/v1/events?limit=5`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: { org_id: string; timestamp: string }[] };
    expect(page.data).toHaveLength(5);
    expect(page.data.every((e) => e.org_id === 'org_acme')).toBe(true);
  });

  it('shifts the sample so that its newest event is about now', async () => {
    const orgs = readFileSync(new URL('../../sample_data/organizations.csv', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]!);
    let newest = 0;
    for (const org of orgs) {
      const token = await server.token({ org, scope: 'events:read' });
      const res = await fetch(`${server.url}/api/v1/events?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as { data: { timestamp: string }[] };
      for (const e of page.data) newest = Math.max(newest, Date.parse(e.timestamp));
    }
    expect(Math.abs(Date.now() - newest)).toBeLessThan(60_000);
  });

  it('allows any origin by default', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('accepts tokens from mintToken() with the default secret', async () => {
    const token = await mintToken({ org: 'org_acme', scope: 'metrics:read' });
    const res = await fetch(`${server.url}/api/v1/metrics/summary`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('rejects expired tokens it mints with a negative ttl', async () => {
    const token = await server.token({ org: 'org_acme', ttl: '-1m' });
    const res = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });
});
