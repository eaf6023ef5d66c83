/**
 * Token verification: a cache that a client cannot grow at will, a maximum lifetime, no tokens from the
 * future, and what the `role` claim grants.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, JWT_AUDIENCE } from '../../src/config.js';
import { createVerifier, signToken } from '../../src/lib/auth.js';
import { ApiError } from '../../src/lib/errors.js';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../helpers.js';

const ISSUER = 'acme-analytics';
const key = new TextEncoder().encode(DEV_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A signed HS256 token with exactly these time claims (`iat` left out when undefined). */
function tokenWith(times: { iat?: number; exp: number }): Promise<string> {
  const jwt = new SignJWT({ org_id: 'org_ttl', scope: 'events:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setExpirationTime(times.exp);
  if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
  return jwt.sign(key);
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe('invalid_token');
  return err as ApiError;
}

describe('createVerifier()', () => {
  const verifier = (extra: { maxTtlSeconds?: number; cacheBytes?: number } = {}) =>
    createVerifier({ secret: DEV_JWT_SECRET, issuer: ISSUER, ...extra });

  describe('its cache', () => {
    it('is keyed by the token, so headers padded with spaces do not grow it', async () => {
      const verify = verifier();
      const token = await signToken({ org: 'org_pad', secret: DEV_JWT_SECRET, issuer: ISSUER });
      for (let i = 0; i < 2000; i++) {
        const principal = await verify(`Bearer ${' '.repeat(i % 500)}${token}${' '.repeat(i)}`);
        expect(principal.orgId).toBe('org_pad');
      }
      expect(verify.cache).toEqual({ entries: 1, bytes: token.length });
    });

    it('holds at most its size in bytes, dropping the oldest tokens first', async () => {
      const verify = verifier({ cacheBytes: 10_000 });
      const tokens: string[] = [];
      for (let i = 0; i < 100; i++) {
        tokens.push(await signToken({ org: `org_${i}`, secret: DEV_JWT_SECRET, issuer: ISSUER }));
        await verify(`Bearer ${tokens[i]}`);
        expect(verify.cache.bytes).toBeLessThanOrEqual(10_000);
      }
      const held = verify.cache.entries;
      expect(held).toBe(Math.floor(10_000 / tokens[0]!.length));
      // A dropped token still verifies (and goes back in); a held one is answered from the cache.
      expect((await verify(`Bearer ${tokens[0]}`)).orgId).toBe('org_0');
      expect(verify.cache.entries).toBe(held);
    });
  });

  describe('lifetime', () => {
    it('accepts a token that lives up to the maximum (24 h by default)', async () => {
      const t = now();
      expect((await verifier()(`Bearer ${await tokenWith({ iat: t, exp: t + 86_400 })}`)).orgId).toBe(
        'org_ttl',
      );
    });

    it('refuses a token whose exp - iat exceeds the maximum', async () => {
      const t = now();
      const err = await refusal(verifier()(`Bearer ${await tokenWith({ iat: t, exp: t + 86_401 })}`));
      expect(err.message).toMatch(/lifetime .*24 h/);
      const short = verifier({ maxTtlSeconds: 3600 });
      await refusal(short(`Bearer ${await tokenWith({ iat: t, exp: t + 7200 })}`));
    });

    it('refuses a token without iat', async () => {
      const err = await refusal(verifier()(`Bearer ${await tokenWith({ exp: now() + 60 })}`));
      expect(err.message).toContain('`iat`');
    });

    it('refuses a token issued in the future, beyond 5 s of clock skew', async () => {
      const t = now();
      expect((await verifier()(`Bearer ${await tokenWith({ iat: t + 3, exp: t + 60 })}`)).orgId).toBe(
        'org_ttl',
      );
      const err = await refusal(verifier()(`Bearer ${await tokenWith({ iat: t + 60, exp: t + 120 })}`));
      expect(err.message).toContain('iat');
    });
  });
});

describe.each(stores)('tokens at the API ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('role');
  beforeAll(async () => {
    t = await createTestApp(storeCase, { env: { ANALYTICS_MAX_TOKEN_TTL: '1h' } });
  });
  afterAll(() => t.close());

  it('applies ANALYTICS_MAX_TOKEN_TTL with a 401 invalid_token that says why', async () => {
    const ok = await t.app.inject({ url: '/api/v1/events', headers: bearer(await t.token({ org })) });
    expect(ok.statusCode).toBe(200);
    const res = await t.app.inject({
      url: '/api/v1/events',
      headers: bearer(await t.token({ org, ttl: '2h' })),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.json()).toMatchObject({ code: 'invalid_token' });
    expect(res.json().detail).toMatch(/ANALYTICS_MAX_TOKEN_TTL/);
  });

  it('needs the admin role for the keys routes, and no role anywhere else', async () => {
    const member = await t.token({ org, role: 'member', scope: 'keys:write keys:read' });
    for (const req of [
      { method: 'GET' as const, url: '/api/v1/keys' },
      { method: 'POST' as const, url: '/api/v1/keys' },
    ]) {
      const res = await t.app.inject({ ...req, headers: bearer(member) });
      expect(res.statusCode, req.url).toBe(403);
    }
    const admin = await t.token({ org, role: 'admin', scope: 'keys:read' });
    expect((await t.app.inject({ url: '/api/v1/keys', headers: bearer(admin) })).statusCode).toBe(200);
    const viewer = await t.token({ org, role: 'viewer', scope: 'events:write events:read' });
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(viewer), 'content-type': 'application/json' },
      payload: { events: makeEvents(1) },
    });
    expect(post.statusCode).toBe(202);
  });
});
