import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, JWT_AUDIENCE } from '../src/config.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from './helpers.js';

type SigningKey = Parameters<SignJWT['sign']>[0];

const secret = new TextEncoder().encode(DEV_JWT_SECRET);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function claims(org: string, extra: Record<string, unknown> = {}) {
  return { org_id: org, scope: 'events:write events:read metrics:read', role: 'admin', ...extra };
}

async function sign(
  payload: Record<string, unknown>,
  opts: { iss?: string; aud?: string; exp?: string | number; key?: Uint8Array } = {},
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? 'acme-analytics')
    .setAudience(opts.aud ?? JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '1h')
    .sign(opts.key ?? secret);
}

const ENDPOINTS = [
  { method: 'GET' as const, url: '/api/v1/events', scope: 'events:read' },
  { method: 'GET' as const, url: '/api/v1/event-types', scope: 'events:read' },
  { method: 'GET' as const, url: '/api/v1/metrics/summary', scope: 'metrics:read' },
  { method: 'POST' as const, url: '/api/v1/events', scope: 'events:write' },
];

describe.each(stores)('auth ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('auth');
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  const call = (ep: (typeof ENDPOINTS)[number], headers: Record<string, string>) =>
    t.app.inject({
      method: ep.method,
      url: ep.url,
      headers: { ...headers, ...(ep.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(ep.method === 'POST' ? { payload: { events: [{ event_type: 'a' }] } } : {}),
    });

  describe.each(ENDPOINTS)('$method $url', (ep) => {
    it('answers 401 with a Bearer challenge without a token', async () => {
      const res = await call(ep, {});
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({
        status: 401,
        code: 'unauthorized',
        request_id: res.headers['x-request-id'],
      });
    });

    it('answers 401 invalid_token for expired, badly signed, alg none, wrong audience or issuer', async () => {
      const now = Math.floor(Date.now() / 1000);
      const bad = {
        expired: await sign(claims(org), { exp: now - 120 }),
        wrongSignature: await sign(claims(org), {
          key: new TextEncoder().encode('another-secret-another-secret-123'),
        }),
        algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(org), iss: 'acme-analytics', aud: JWT_AUDIENCE, exp: now + 3600 })}.`,
        wrongAudience: await sign(claims(org), { aud: 'another-api' }),
        wrongIssuer: await sign(claims(org), { iss: 'someone-else' }),
        garbage: 'not.a.jwt',
        noOrg: await sign({ scope: 'events:write events:read metrics:read' }),
        notBearer: '',
      };
      for (const [label, token] of Object.entries(bad)) {
        const headers = label === 'notBearer' ? { authorization: `Basic ${b64({ a: 1 })}` } : bearer(token);
        const res = await call(ep, headers);
        expect(res.statusCode, label).toBe(401);
        expect(res.headers['www-authenticate'], label).toBe('Bearer error="invalid_token"');
        expect(res.json().code, label).toBe('invalid_token');
      }
    });

    it('answers 403 without the scope', async () => {
      const others = ['events:write', 'events:read', 'metrics:read'].filter((s) => s !== ep.scope).join(' ');
      const token = await t.token({ org, scope: others });
      const res = await call(ep, bearer(token));
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('insufficient_scope');
      expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    });

    it('accepts a valid token with the scope', async () => {
      const token = await t.token({ org, scope: ep.scope });
      const res = await call(ep, bearer(token));
      expect([200, 202]).toContain(res.statusCode);
    });
  });

  it('answers 403 for a foreign org_id in the query or body', async () => {
    const token = await t.token({ org });
    for (const url of ['/api/v1/events?org_id=org_x', '/api/v1/metrics/summary?org_id=org_x']) {
      const res = await t.app.inject({ url, headers: bearer(token) });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().code).toBe('org_mismatch');
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: { events: [{ event_type: 'a', org_id: 'org_x' }] },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe.each(stores)('tenant isolation ($name)', (storeCase) => {
  let t: TestApp;
  const orgA = orgId('tenant_a');
  const orgB = orgId('tenant_b');
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    t = await createTestApp(storeCase);
    tokenA = await t.token({ org: orgA });
    tokenB = await t.token({ org: orgB });
    const post = (token: string, events: unknown[]) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...bearer(token), 'content-type': 'application/json', 'idempotency-key': 'same-key' },
        payload: { events },
      });
    const sharedId = crypto.randomUUID();
    expect(
      (await post(tokenA, [{ event_type: 'a_only', user_id: 'alice', event_id: sharedId }])).statusCode,
    ).toBe(202);
    // The same event id and key in another org is a different event.
    const b = await post(tokenB, [
      { event_type: 'b_only', user_id: 'bob', event_id: sharedId },
      { event_type: 'b_only', user_id: 'bob2' },
    ]);
    expect(b.json()).toMatchObject({ accepted: 2, duplicates: 0 });
  });
  afterAll(() => t.close());

  it("never lists another org's events", async () => {
    const a = (await t.app.inject({ url: '/api/v1/events?limit=1000', headers: bearer(tokenA) })).json();
    expect(a.data.map((e: { event_type: string }) => e.event_type)).toEqual(['a_only']);
    expect(a.data[0].org_id).toBe(orgA);
    const filtered = await t.app.inject({ url: '/api/v1/events?event_type=b_only', headers: bearer(tokenA) });
    expect(filtered.json().data).toEqual([]);
    const byUser = await t.app.inject({ url: '/api/v1/events?user_id=bob', headers: bearer(tokenA) });
    expect(byUser.json().data).toEqual([]);
  });

  it("never counts another org's events in event types or metrics", async () => {
    const types = (await t.app.inject({ url: '/api/v1/event-types', headers: bearer(tokenA) })).json();
    expect(types.data).toEqual([{ event_type: 'a_only', count: 1, last_seen: expect.any(String) }]);
    const summary = (
      await t.app.inject({
        url: '/api/v1/metrics/summary?metrics=events&metrics=active_users&metrics=events:b_only',
        headers: bearer(tokenA),
      })
    ).json();
    expect(summary.totals).toEqual({ events: 1, active_users: 1, 'events:b_only': 0 });
    const b = (await t.app.inject({ url: '/api/v1/metrics/summary', headers: bearer(tokenB) })).json();
    expect(b.totals).toEqual({ events: 2, active_users: 2 });
  });
});

describe('auth with a JWKS', () => {
  let t: TestApp;
  let jwks: import('node:http').Server;
  let rsa: SigningKey;
  let stranger: SigningKey;
  let rsaPublicPem: string;
  const org = orgId('jwks');

  beforeAll(async () => {
    const { createServer } = await import('node:http');
    const { exportJWK, exportSPKI, generateKeyPair } = await import('jose');
    const pair = await generateKeyPair('RS256', { extractable: true });
    rsa = pair.privateKey;
    rsaPublicPem = await exportSPKI(pair.publicKey);
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const address = jwks.address() as import('node:net').AddressInfo;
    t = await createTestApp(stores[0]!, {
      env: { ANALYTICS_JWKS_URL: `http://127.0.0.1:${address.port}/jwks.json` },
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => jwks.close(r));
  });

  const rs256 = (key: SigningKey, kid: string) =>
    new SignJWT(claims(org))
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer('acme-analytics')
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  const list = (token: string) => t.app.inject({ url: '/api/v1/event-types', headers: bearer(token) });

  it('accepts an RS256 token signed by a key in the JWKS, and HS256 tokens still', async () => {
    expect((await list(await rs256(rsa, 'key-1'))).statusCode).toBe(200);
    expect((await list(await t.token({ org }))).statusCode).toBe(200);
  });

  it('rejects an RS256 token from a key that is not in the JWKS', async () => {
    const res = await list(await rs256(stranger, 'key-1'));
    expect(res.statusCode).toBe(401);
    expect((await list(await rs256(stranger, 'key-9'))).statusCode).toBe(401);
  });

  it('rejects algorithm confusion: an HS256 token keyed with the public key', async () => {
    const forged = await new SignJWT(claims(org))
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer('acme-analytics')
      .setAudience(JWT_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(rsaPublicPem));
    const res = await list(forged);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });
});
