/**
 * The tenant is the token's org and nothing else: an `org_id` in the query string of any route must be the
 * token's, or the answer is 403 `org_mismatch`, before anything else about the request is looked at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/lib/auth.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

describe('org_id on every /api/v1 route', () => {
  let t: TestApp;
  const routes: { method: 'GET' | 'POST' | 'DELETE'; url: string }[] = [];
  beforeAll(async () => {
    t = await createTestApp(stores[0]!);
    // Every documented route, so a route added later is covered without listing it here.
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [url, ops] of Object.entries(doc.paths)) {
      if (!url.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(ops)) {
        routes.push({
          method: method.toUpperCase() as 'GET',
          url: url.replace(/\{[^}]+\}/g, '01938a6e-7c1f-7b2a-9d4e-0a1b2c3d4e5f'),
        });
      }
    }
  });
  afterAll(() => t.close());

  it('answers 403 org_mismatch for another org, and lets the token’s own org through', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(4);
    const org = orgId('tenant');
    const token = await t.token({ org, role: 'admin', scope: SCOPES.join(' ') });
    for (const r of routes) {
      const label = `${r.method} ${r.url}`;
      for (const query of ['org_id=org_someone_else', `org_id=${org}&org_id=org_someone_else`]) {
        const res = await t.app.inject({
          method: r.method,
          url: `${r.url}?${query}`,
          headers: bearer(token),
        });
        expect(res.statusCode, `${label}?${query}`).toBe(403);
        expect(res.json(), label).toMatchObject({ code: 'org_mismatch', errors: [{ path: '/org_id' }] });
      }
      const own = await t.app.inject({
        method: r.method,
        url: `${r.url}?org_id=${org}`,
        headers: bearer(token),
      });
      expect(own.statusCode, label).not.toBe(403);
    }
  });
});
