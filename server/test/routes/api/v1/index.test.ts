import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, stores, type TestApp } from '../../../helpers.js';

describe('/api/v1 (every route)', () => {
  let t: TestApp;
  const routes: { method: 'GET' | 'POST'; url: string }[] = [];
  beforeAll(async () => {
    t = await createTestApp(stores[0]!, { rateLimit: { max: 1000, timeWindowMs: 60_000 } });
    // Every documented route under the prefix, so a route added later is covered without listing it here.
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [url, ops] of Object.entries(doc.paths)) {
      if (!url.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(ops)) routes.push({ method: method.toUpperCase() as 'GET', url });
    }
  });
  afterAll(() => t.close());

  it('answers 401 without a token, 403 without the scope, and lets the scope through', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(4);
    const noScope = await t.token({ org: 'org_index', scope: 'none:none' });
    for (const r of routes) {
      const label = `${r.method} ${r.url}`;
      const anonymous = await t.app.inject({ method: r.method, url: r.url });
      expect(anonymous.statusCode, label).toBe(401);
      expect(anonymous.headers['x-ratelimit-limit'], label).toBe('1000');
      // No body and no content type: the scope is refused before validation could complain.
      const denied = await t.app.inject({ method: r.method, url: r.url, headers: bearer(noScope) });
      expect(denied.statusCode, label).toBe(403);
      const scope = /scope="([a-z]+:[a-z]+)"$/.exec(String(denied.headers['www-authenticate']))?.[1];
      expect(scope, label).toBeDefined();
      const allowed = await t.app.inject({
        method: r.method,
        url: r.url,
        headers: bearer(await t.token({ org: 'org_index', scope })),
      });
      expect([401, 403], label).not.toContain(allowed.statusCode);
    }
  });

  it('leaves unknown paths under the prefix to the plain 404, without auth or rate limit', async () => {
    const res = await t.app.inject({ url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });
});
