/**
 * Security: tenant isolation as a model-based property, JWT attacks (with a JWKS configured), CORS,
 * security headers, scopes (a write-only key cannot read), and 5xx responses that reveal nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEV_JWT_SECRET, JWT_AUDIENCE, loadConfig } from '../../src/config.js';
import type { EventsPage } from '../../src/contract.js';
import type { EventStore } from '../../src/store/types.js';
import { bearer, createTestApp, stores, type TestApp } from '../helpers.js';
import { expectProblem, walkEvents } from './support.js';

type SigningKey = Parameters<SignJWT['sign']>[0];
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

// Property runs and real sockets on a shared machine are bounded by run counts, not by the clock.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const RUNS = Number(process.env.ANALYTICS_FUZZ_RUNS ?? 150);
const ISSUER = 'acme-analytics';
const ALL_SCOPES = 'events:write events:read metrics:read';
const DAY_MS = 86_400_000;
// A UTC day a month ago: ingest only takes timestamps near the time it receives them (400 days back).
const DAY0 = (Math.floor(Date.now() / DAY_MS) - 30) * DAY_MS;
const day = (n: number) => new Date(DAY0 + n * DAY_MS).toISOString().slice(0, 10);

describe.each(stores)('tenant isolation as a property ($name)', (storeCase) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  // Names that collide in careless code: prefixes, LIKE wildcards, case, quotes, Unicode look-alikes.
  const orgNames = fc.constantFrom(
    'acme',
    'acme%',
    'acme_',
    'ACME',
    'acme ',
    "acme' OR '1'='1",
    'acme\u0301',
    'a',
    'b',
    'org:1',
  );
  const users = ['u1', 'u2', 'alice', "' OR 1=1 --", '%', 'U1'];
  const types = ['view', 'click', 'buy'];
  const scenario = fc.record({
    orgs: fc.uniqueArray(orgNames, { minLength: 2, maxLength: 4 }),
    events: fc.array(
      fc.record({
        org: fc.nat(),
        user: fc.option(fc.constantFrom(...users), { nil: undefined }),
        type: fc.constantFrom(...types),
        day: fc.integer({ min: 0, max: 9 }),
        second: fc.integer({ min: 0, max: DAY_MS / 1000 - 1 }),
        // The same event id sent to several orgs is a different event in each.
        sharedId: fc.boolean(),
      }),
      { minLength: 1, maxLength: 60 },
    ),
    queries: fc.array(
      fc.record({
        org: fc.nat(),
        /** Whose token asks: usually the org itself, sometimes a token naming another org in `org_id`. */
        claimOther: fc.boolean(),
        scope: fc.subarray(['events:write', 'events:read', 'metrics:read']),
        user: fc.option(fc.constantFrom(...users), { nil: undefined }),
        types: fc.subarray(types),
        from: fc.integer({ min: 0, max: 9 }),
        span: fc.integer({ min: 0, max: 9 }),
        limit: fc.integer({ min: 1, max: 7 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  });

  let runSeq = 0;
  it('never returns or counts another org’s rows, whatever the orgs, users, tokens and filters', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = `iso${++runSeq}_${Math.random().toString(36).slice(2, 6)}`;
        const orgs = s.orgs.map((o) => `${run}:${o}`);
        const tokens = await Promise.all(orgs.map((org) => t.token({ org })));
        const sharedIds = new Map<number, string>();
        const model: { org: string; id: string; user: string | null; type: string; ts: number }[] = [];
        for (const [i, e] of s.events.entries()) {
          const id = e.sharedId ? (sharedIds.get(i % 3) ?? crypto.randomUUID()) : crypto.randomUUID();
          if (e.sharedId) sharedIds.set(i % 3, id);
          const org = orgs[e.org % orgs.length]!;
          // An id sent twice to one org is one event there.
          if (model.some((m) => m.org === org && m.id === id)) continue;
          model.push({
            org,
            id,
            user: e.user ?? null,
            type: e.type,
            ts: DAY0 + e.day * DAY_MS + e.second * 1000,
          });
        }
        for (const [o, org] of orgs.entries()) {
          const mine = model.filter((m) => m.org === org);
          if (mine.length === 0) continue;
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/events',
            headers: { 'content-type': 'application/json', ...bearer(tokens[o]!), 'idempotency-key': run },
            payload: {
              events: mine.map((m) => ({
                event_id: m.id,
                event_type: m.type,
                ...(m.user === null ? {} : { user_id: m.user }),
                timestamp: new Date(m.ts).toISOString(),
                org_id: org,
              })),
            },
          });
          expect(res.statusCode, res.body).toBe(202);
          // Same key in every org: each org's request is its own, never a replay of another's.
          expect(res.headers['idempotent-replayed']).toBeUndefined();
          expect(res.json()).toMatchObject({ accepted: mine.length, duplicates: 0 });
        }

        for (const q of s.queries) {
          const o = q.org % orgs.length;
          const org = orgs[o]!;
          const token = await t.token({ org, scope: q.scope.join(' '), sub: q.user ?? 'someone' });
          const foreign = orgs[(o + 1) % orgs.length]!;
          const claim = q.claimOther ? foreign : org;
          const end = Math.min(9, q.from + q.span);
          const filters = new URLSearchParams({ org_id: claim, start_date: day(q.from), end_date: day(end) });
          if (q.user !== undefined) filters.set('user_id', q.user);
          for (const ty of q.types) filters.append('event_type', ty);
          const expected = model.filter(
            (m) =>
              m.org === org &&
              (q.user === undefined || m.user === q.user) &&
              (q.types.length === 0 || q.types.includes(m.type)) &&
              m.ts >= DAY0 + q.from * DAY_MS &&
              m.ts < DAY0 + (end + 1) * DAY_MS,
          );

          // Events, page by page.
          const list = await t.app.inject({
            url: `/api/v1/events?${filters}&limit=${q.limit}`,
            headers: bearer(token),
          });
          if (!q.scope.includes('events:read')) expectProblem(list, 403, 'no events:read');
          else if (q.claimOther) expectProblem(list, 403, 'foreign org_id');
          else {
            const rows = await walkEvents(
              t.app,
              token,
              new URLSearchParams([...filters, ['limit', String(q.limit)]]),
            );
            expect(rows.every((r) => r.org_id === org)).toBe(true);
            expect(rows.map((r) => r.event_id).sort()).toEqual(expected.map((m) => m.id).sort());
            // A cursor is bound to its org: another org's token cannot continue the walk.
            const first = list.json() as { next_cursor: string | null };
            if (first.next_cursor) {
              const otherToken = await t.token({ org: foreign });
              const stolen = new URLSearchParams(filters);
              stolen.set('org_id', foreign);
              stolen.set('cursor', first.next_cursor);
              stolen.set('limit', String(q.limit));
              expectProblem(
                await t.app.inject({ url: `/api/v1/events?${stolen}`, headers: bearer(otherToken) }),
                422,
              );
            }
          }

          // Metrics for the same days: counts and distinct users of this org only.
          const metricNames = ['events', 'active_users', ...types.map((ty) => `events:${ty}`)];
          const mq = new URLSearchParams({ org_id: claim, start_date: day(q.from), end_date: day(end) });
          for (const m of metricNames) mq.append('metrics', m);
          const summary = await t.app.inject({
            url: `/api/v1/metrics/summary?${mq}`,
            headers: bearer(token),
          });
          if (!q.scope.includes('metrics:read')) expectProblem(summary, 403, 'no metrics:read');
          else if (q.claimOther) expectProblem(summary, 403, 'foreign org_id');
          else {
            expect(summary.statusCode, summary.body).toBe(200);
            const inRange = model.filter(
              (m) => m.org === org && m.ts >= DAY0 + q.from * DAY_MS && m.ts < DAY0 + (end + 1) * DAY_MS,
            );
            const body = summary.json() as { org_id: string; totals: Record<string, number> };
            expect(body.org_id).toBe(org);
            expect(body.totals).toEqual({
              events: inRange.length,
              active_users: new Set(inRange.flatMap((m) => (m.user === null ? [] : [m.user]))).size,
              ...Object.fromEntries(
                types.map((ty) => [`events:${ty}`, inRange.filter((m) => m.type === ty).length]),
              ),
            });
          }

          // Event types: this org's counts only.
          const typesRes = await t.app.inject({ url: '/api/v1/event-types', headers: bearer(token) });
          if (!q.scope.includes('events:read')) expectProblem(typesRes, 403, 'no events:read');
          else {
            const counts = Object.fromEntries(
              (typesRes.json() as { data: { event_type: string; count: number }[] }).data.map((d) => [
                d.event_type,
                d.count,
              ]),
            );
            const want: Record<string, number> = {};
            for (const m of model) if (m.org === org) want[m.type] = (want[m.type] ?? 0) + 1;
            expect(counts).toEqual(want);
          }
        }
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 6)) },
    );
  });
});

describe('JWT attacks (JWKS configured)', () => {
  let t: TestApp;
  let jwks: Server;
  let attacker: Server;
  let attackerHits = 0;
  let attackerUrl: string;
  let rsa: KeyPair;
  let evil: KeyPair;
  let evilEc: KeyPair;
  let publicPem: string;
  let publicJwk: Record<string, unknown>;
  const org = 'org_jwt_victim';
  const secret = new TextEncoder().encode(DEV_JWT_SECRET);
  const now = () => Math.floor(Date.now() / 1000);
  const b64 = (v: object | string) =>
    Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    org_id: org,
    scope: ALL_SCOPES,
    iss: ISSUER,
    aud: JWT_AUDIENCE,
    iat: now(),
    exp: now() + 3600,
    ...extra,
  });
  const listen = (s: Server) =>
    new Promise<string>((resolve) =>
      s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
    );

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    evil = await generateKeyPair('RS256', { extractable: true });
    evilEc = await generateKeyPair('ES256', { extractable: true });
    publicPem = await exportSPKI(rsa.publicKey);
    publicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    const evilJwk = { ...(await exportJWK(evil.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    attacker = createServer((_req, res) => {
      attackerHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [evilJwk] }));
    });
    const jwksUrl = await listen(jwks);
    attackerUrl = await listen(attacker);
    t = await createTestApp(stores[0]!, { env: { ANALYTICS_JWKS_URL: `${jwksUrl}/jwks.json` } });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(await t.token({ org })) },
      payload: { events: [{ event_type: 'secret_event', properties: { secret: 'victim-data' } }] },
    });
    expect(res.statusCode).toBe(202);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => jwks.close(r));
    await new Promise((r) => attacker.close(r));
  });

  const sign = (payload: JWTPayload, header: Record<string, unknown>, key: SigningKey) =>
    new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
  const hmac = async (header: object, payload: object, key: Uint8Array | string) => {
    const { createHmac } = await import('node:crypto');
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };

  const rs256 = async (header: object, payload: object, key: SigningKey) => {
    const { createSign, KeyObject } = await import('node:crypto');
    const input = `${b64(header)}.${b64(payload)}`;
    const signer = createSign('RSA-SHA256').update(input);
    return `${input}.${signer.sign(KeyObject.from(key as Parameters<typeof KeyObject.from>[0])).toString('base64url')}`;
  };

  async function forgeries(): Promise<[string, string][]> {
    const valid = await sign(claims(), { alg: 'HS256' }, secret);
    const [h, p] = valid.split('.');
    const spkiDer = Buffer.from(publicPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const out: ([string, string] | Promise<[string, string]>)[] = [
      // alg: none in every spelling, with and without a signature.
      ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, string] => [
        `alg ${alg}`,
        `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`,
      ]),
      ['alg none with a signature', `${b64({ alg: 'none' })}.${p}.${valid.split('.')[2]}`],
      ['alg missing', `${b64({ typ: 'JWT' })}.${p}.${valid.split('.')[2]}`],
      // Algorithm confusion: HMAC keyed with the RS256 public key in every form an attacker could get it.
      ['HS256 keyed with the public PEM', await hmac({ alg: 'HS256', kid: 'key-1' }, claims(), publicPem)],
      ['HS256 keyed with the public PEM, no kid', await hmac({ alg: 'HS256' }, claims(), publicPem)],
      [
        'HS256 keyed with the public DER',
        await hmac({ alg: 'HS256', kid: 'key-1' }, claims(), spkiDer.toString('latin1')),
      ],
      [
        'HS256 keyed with the public JWK',
        await hmac({ alg: 'HS256', kid: 'key-1' }, claims(), JSON.stringify(publicJwk)),
      ],
      [
        'HS256 keyed with the modulus',
        await hmac({ alg: 'HS256', kid: 'key-1' }, claims(), String(publicJwk.n)),
      ],
      ['HS384 with the real secret', await sign(claims(), { alg: 'HS384' }, secret)],
      ['HS512 with the real secret', await sign(claims(), { alg: 'HS512' }, secret)],
      // Keys the attacker controls: not in the JWKS, embedded in the header, or fetched from their URL.
      ['RS256 by a stranger', await sign(claims(), { alg: 'RS256', kid: 'key-1' }, evil.privateKey)],
      ['ES256 by a stranger', await sign(claims(), { alg: 'ES256', kid: 'key-1' }, evilEc.privateKey)],
      [
        'RS256 with the key embedded (jwk)',
        await sign(claims(), { alg: 'RS256', jwk: await exportJWK(evil.publicKey) }, evil.privateKey),
      ],
      [
        'RS256 with jku to the attacker',
        await sign(
          claims(),
          { alg: 'RS256', kid: 'key-1', jku: `${attackerUrl}/jwks.json` },
          evil.privateKey,
        ),
      ],
      [
        'RS256 with x5u to the attacker',
        await sign(claims(), { alg: 'RS256', kid: 'key-1', x5u: `${attackerUrl}/cert.pem` }, evil.privateKey),
      ],
      [
        'PS256 relabelled',
        `${b64({ alg: 'PS256', kid: 'key-1' })}.${(await sign(claims(), { alg: 'RS256', kid: 'key-1' }, rsa.privateKey)).split('.').slice(1).join('.')}`,
      ],
      [
        'unknown crit extension',
        // Signed by hand: jose refuses to sign a header with an extension it does not know.
        await rs256({ alg: 'RS256', kid: 'key-1', crit: ['x-evil'], 'x-evil': 1 }, claims(), rsa.privateKey),
      ],
      // kid injection: paths, SQL, URLs, NUL, huge; with HMAC keys an attacker might hope the kid selects.
      ...[
        '../../../../dev/null',
        '/dev/null',
        "' OR '1'='1",
        "key-1' --",
        'key-1\u0000',
        `${attackerUrl}/jwks.json`,
        'k'.repeat(10_000),
        '|ls',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup string, literally
        '${jndi:ldap://127.0.0.1/a}',
      ].flatMap((kid): Promise<[string, string]>[] => [
        sign(claims(), { alg: 'RS256', kid }, evil.privateKey).then((tok) => [
          `kid ${kid.slice(0, 30)} RS256`,
          tok,
        ]),
        hmac({ alg: 'HS256', kid }, claims(), '').then((tok) => [
          `kid ${kid.slice(0, 30)} HS256 empty key`,
          tok,
        ]),
        hmac({ alg: 'HS256', kid }, claims(), kid).then((tok) => [
          `kid ${kid.slice(0, 30)} HS256 kid as key`,
          tok,
        ]),
      ]),
      // Time and audience claims.
      ['expired', await sign(claims({ exp: now() - 120 }), { alg: 'HS256' }, secret)],
      [
        'expired RS256',
        await sign(claims({ exp: now() - 120 }), { alg: 'RS256', kid: 'key-1' }, rsa.privateKey),
      ],
      ['not yet valid', await sign(claims({ nbf: now() + 3600 }), { alg: 'HS256' }, secret)],
      [
        'not yet valid RS256',
        await sign(claims({ nbf: now() + 3600 }), { alg: 'RS256', kid: 'key-1' }, rsa.privateKey),
      ],
      ['no exp', await sign({ ...claims(), exp: undefined }, { alg: 'HS256' }, secret)],
      ['wrong issuer', await sign(claims({ iss: 'evil-issuer' }), { alg: 'HS256' }, secret)],
      [
        'wrong issuer RS256',
        await sign(claims({ iss: 'evil-issuer' }), { alg: 'RS256', kid: 'key-1' }, rsa.privateKey),
      ],
      ['no issuer', await sign({ ...claims(), iss: undefined }, { alg: 'HS256' }, secret)],
      ['wrong audience', await sign(claims({ aud: 'another-api' }), { alg: 'HS256' }, secret)],
      ['wrong audience list', await sign(claims({ aud: ['a', 'b'] }), { alg: 'HS256' }, secret)],
      ['no audience', await sign({ ...claims(), aud: undefined }, { alg: 'HS256' }, secret)],
      // Tampering and malformed tenants.
      [
        'payload swapped, signature kept',
        `${h}.${b64(claims({ org_id: 'org_attacker' }))}.${valid.split('.')[2]}`,
      ],
      ['signature stripped', `${h}.${p}.`],
      [
        'signature of another token',
        `${h}.${p}.${(await sign(claims({ jti: 'x' }), { alg: 'HS256' }, secret)).split('.')[2]}`,
      ],
      ['org_id a number', await sign(claims({ org_id: 42 }), { alg: 'HS256' }, secret)],
      ['org_id a list', await sign(claims({ org_id: [org, 'org_attacker'] }), { alg: 'HS256' }, secret)],
      ['org_id empty', await sign(claims({ org_id: '' }), { alg: 'HS256' }, secret)],
      ['org_id missing', await sign({ ...claims(), org_id: undefined }, { alg: 'HS256' }, secret)],
      ['header not JSON', `${b64('{alg:HS256')}.${p}.${valid.split('.')[2]}`],
      ['two parts', `${h}.${p}`],
      ['four parts', `${valid}.x`],
      ['JWE-shaped', `${b64({ alg: 'dir', enc: 'A256GCM' })}..${b64('iv')}.${b64('ct')}.${b64('tag')}`],
    ];
    return Promise.all(out);
  }

  it('answers every forged, expired, misdirected or malformed token with 401 invalid_token and no data', async () => {
    const cases = await forgeries();
    expect(cases.length).toBeGreaterThan(50);
    for (const [label, token] of cases) {
      for (const [method, url] of [
        ['GET', '/api/v1/events'],
        ['GET', '/api/v1/metrics/summary'],
        ['POST', '/api/v1/events'],
      ] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers: { ...bearer(token), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(method === 'POST' ? { payload: { events: [{ event_type: 'forged' }] } } : {}),
        });
        const doc = expectProblem(res, 401, `${label} ${method} ${url}`);
        expect(doc.code, label).toBe('invalid_token');
        expect(res.headers['www-authenticate'], label).toBe('Bearer error="invalid_token"');
        expect(res.body, label).not.toContain('victim-data');
      }
    }
    // Nothing forged was stored, and the server never fetched a key from a URL named in a token.
    const victim = await t.token({ org, scope: 'events:read' });
    expect(await walkEvents(t.app, victim, new URLSearchParams({ event_type: 'forged' }))).toEqual([]);
    expect(attackerHits).toBe(0);
  });

  it('accepts the genuine tokens the attacks imitate (HS256, RS256 from the JWKS, an audience list)', async () => {
    const genuine: [string, string][] = [
      ['HS256', await sign(claims(), { alg: 'HS256', typ: 'JWT' }, secret)],
      ['RS256', await sign(claims(), { alg: 'RS256', kid: 'key-1' }, rsa.privateKey)],
      // The hand-made signers behind some forgeries make tokens that pass when nothing else is wrong.
      ['HS256 signed by hand', await hmac({ alg: 'HS256' }, claims(), DEV_JWT_SECRET)],
      ['RS256 signed by hand', await rs256({ alg: 'RS256', kid: 'key-1' }, claims(), rsa.privateKey)],
      ['audience list', await sign(claims({ aud: ['other', JWT_AUDIENCE] }), { alg: 'HS256' }, secret)],
      ['within clock tolerance', await sign(claims({ nbf: now() + 2 }), { alg: 'HS256' }, secret)],
    ];
    for (const [label, token] of genuine) {
      const res = await t.app.inject({ url: '/api/v1/events', headers: bearer(token) });
      expect(res.statusCode, `${label}: ${res.body}`).toBe(200);
      expect((res.json() as EventsPage).data.every((e) => e.org_id === org)).toBe(true);
    }
  });

  it('answers random tokens and random claims with 401, never a 5xx', async () => {
    const claimValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.boolean(),
    );
    const arb = fc.oneof(
      // Garbage in the token's shape.
      fc
        .tuple(fc.base64String(), fc.base64String(), fc.base64String())
        .map((parts) => parts.join('.').replaceAll('=', '')),
      // Well-signed tokens with random claims: only a complete, correct set may pass.
      fc
        .record(
          { iss: claimValue, aud: claimValue, exp: claimValue, nbf: claimValue, org_id: claimValue },
          { requiredKeys: [] },
        )
        .map((c) => ({ signed: c })),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (x) => {
        const token =
          typeof x === 'string' ? x : await sign(x.signed as JWTPayload, { alg: 'HS256' }, secret);
        const res = await t.app.inject({ url: '/api/v1/events', headers: bearer(token) });
        // Random claims never make a complete, valid set (exp and aud would have to be right by chance).
        expectProblem(res, 401, token);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('scopes', () => {
  let t: TestApp;
  const org = 'org_scopes';
  beforeAll(async () => {
    t = await createTestApp(stores[0]!);
  });
  afterAll(() => t.close());

  it('lets a write-only key write but never read, with any filter, cursor or route', async () => {
    const writer = await t.token({ org, scope: 'events:write' });
    const reader = await t.token({ org, scope: 'events:read metrics:read' });
    const post = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(writer), 'idempotency-key': 'w-1' },
      payload: {
        events: [{ event_type: 'written', properties: { note: 'private' } }, { event_type: 'written' }],
      },
    });
    expect(post.statusCode).toBe(202);
    // The 202 answers with ids only, never stored rows.
    expect(Object.keys(post.json()).sort()).toEqual(['accepted', 'duplicates', 'event_ids']);
    const page = (await t.app.inject({ url: '/api/v1/events?limit=1', headers: bearer(reader) })).json();
    const urls = [
      '/api/v1/events',
      '/api/v1/events?limit=1000',
      `/api/v1/events?limit=1&cursor=${encodeURIComponent(page.next_cursor)}`,
      `/api/v1/events?org_id=${org}&event_type=written`,
      '/api/v1/event-types',
      '/api/v1/metrics/summary',
      '/api/v1/metrics/summary?metrics=events:written',
    ];
    for (const url of urls) {
      const res = await t.app.inject({ url, headers: bearer(writer) });
      const doc = expectProblem(res, 403, url);
      expect(doc.code).toBe('insufficient_scope');
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer error="insufficient_scope", scope="(events|metrics):read"$/,
      );
      expect(res.body).not.toContain('private');
      expect(res.body).not.toContain('written');
    }
    // A reader cannot write.
    const write = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(reader) },
      payload: { events: [{ event_type: 'x' }] },
    });
    expect(expectProblem(write, 403).code).toBe('insufficient_scope');
  });

  it('never replays another org’s response for the same idempotency key and body', async () => {
    const body = JSON.stringify({ events: [{ event_id: crypto.randomUUID(), event_type: 'same' }] });
    const send = async (who: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: {
          'content-type': 'application/json',
          ...bearer(await t.token({ org: who, scope: 'events:write' })),
          'idempotency-key': 'shared-key',
        },
        payload: body,
      });
    const first = await send('org_key_a');
    const second = await send('org_key_b');
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await send('org_key_a')).headers['idempotent-replayed']).toBe('true');
  });
});

describe('CORS', () => {
  const allowed = ['https://app.example.com', 'http://localhost:3000'];
  let app: Awaited<ReturnType<typeof buildApp>>;
  let open: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    const config = loadConfig(
      { NODE_ENV: 'test', ANALYTICS_CORS_ORIGINS: allowed.join(',') },
      { databaseUrl: 'sqlite::memory:' },
    );
    app = await buildApp({ config });
    const star = loadConfig(
      { NODE_ENV: 'test', ANALYTICS_CORS_ORIGINS: '*' },
      { databaseUrl: 'sqlite::memory:' },
    );
    open = await buildApp({ config: star });
  });
  afterAll(async () => {
    await app.close();
    await open.close();
  });

  const preflight = (target: typeof app, origin: string, url = '/api/v1/events') =>
    target.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });

  it('allows a preflight from each configured origin, for every API route, without credentials', async () => {
    for (const origin of allowed) {
      for (const url of ['/api/v1/events', '/api/v1/event-types', '/api/v1/metrics/summary']) {
        const res = await preflight(app, origin, url);
        expect(res.statusCode, `${origin} ${url}`).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(String(res.headers.vary)).toMatch(/origin/i);
        expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain(
          'idempotency-key',
        );
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      }
    }
  });

  it('allows no other origin: look-alikes, prefixes, suffixes, schemes, ports, null, random', async () => {
    const lookAlikes = [
      'https://app.example.com.evil.com',
      'https://evil.com/https://app.example.com',
      'https://evilapp.example.com',
      'https://app.example.co',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://APP.EXAMPLE.COM',
      'http://localhost:3001',
      'http://localhost',
      'http://127.0.0.1:3000',
      'null',
      'https://app.example.com\u0000',
      'https://app.example.com%60.evil.com',
      '*',
    ];
    const random = fc.sample(
      fc.webUrl({ withFragments: false, withQueryParameters: false }).map((u) => new URL(u).origin),
      100,
    );
    for (const origin of [...lookAlikes, ...random]) {
      if (allowed.includes(origin)) continue;
      for (const res of [
        await preflight(app, origin),
        await app.inject({ url: '/health', headers: { origin } }),
      ]) {
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
        expect(res.headers['access-control-allow-credentials'], origin).toBeUndefined();
      }
    }
  });

  it('with "*" allows any origin but never with credentials', async () => {
    for (const origin of ['https://anything.example', 'null']) {
      const res = await preflight(open, origin);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });
});

describe('security headers', () => {
  let dev: TestApp;
  let prod: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    dev = await createTestApp(stores[0]!);
    const config = loadConfig(
      { NODE_ENV: 'production', ANALYTICS_JWT_SECRET: 'a-production-secret-of-at-least-32-bytes!' },
      { databaseUrl: 'sqlite::memory:' },
    );
    prod = await buildApp({ config });
  });
  afterAll(async () => {
    await dev.close();
    await prod.close();
  });

  it('sends them on successes, errors and operations alike', async () => {
    const token = await dev.token({ org: 'org_headers' });
    const requests = [
      { url: '/api/v1/events', headers: bearer(token) },
      { url: '/api/v1/events' },
      { url: '/api/v1/events?limit=0', headers: bearer(token) },
      { url: '/api/v1/metrics/summary', headers: bearer(token) },
      { url: '/api/v1/event-types', headers: bearer(token) },
      { url: '/nope' },
      { url: '/health' },
      { url: '/ready' },
      { url: '/metrics' },
      { url: '/openapi.json' },
      { url: '/docs' },
      { url: '/redoc' },
    ];
    for (const r of requests) {
      const res = await dev.app.inject(r);
      const h = res.headers;
      const label = `${r.url} ${res.statusCode}`;
      expect(res.statusCode, label).toBeLessThan(500);
      expect(h['x-content-type-options'], label).toBe('nosniff');
      expect(h['referrer-policy'], label).toBe('no-referrer');
      expect(h['x-frame-options'], label).toBeDefined();
      expect(h['cross-origin-opener-policy'], label).toBe('same-origin');
      expect(h['x-powered-by'], label).toBeUndefined();
      expect(h['x-request-id'], label).toBeTruthy();
      const csp = String(h['content-security-policy']);
      // No page may be framed by another origin, and no page runs inline or eval'd script.
      expect(csp, label).toMatch(/frame-ancestors '(none|self)'/);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, label).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      if (r.url.startsWith('/api/') || r.url === '/nope' || r.url === '/health')
        expect(csp, label).toContain("default-src 'none'");
      // Tenant data authorised by a bearer token: never kept by a browser or a shared cache, errors included.
      if (r.url.startsWith('/api/')) expect(h['cache-control'], label).toBe('no-store');
      // HSTS only where TLS is promised (production); never on plain-HTTP development servers.
      expect(h['strict-transport-security'], label).toBeUndefined();
    }
    const res = await prod.inject({ url: '/health' });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
  });

  it('reveals nothing of a failure inside the server: a generic 500 problem with the request id', async () => {
    const failing = await createTestApp(stores[0]!, {
      wrap: (store: EventStore): EventStore =>
        new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'queryEvents' || prop === 'eventTypes') {
              return async () => {
                throw new Error(
                  'SQLITE_CORRUPT: database disk image is malformed (SQL: SELECT secret FROM events)',
                );
              };
            }
            const v = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }),
    });
    try {
      const token = await failing.token({ org: 'org_fail' });
      for (const url of ['/api/v1/events', '/api/v1/event-types']) {
        const res = await failing.app.inject({
          url,
          headers: { ...bearer(token), 'x-request-id': 'req-500' },
        });
        const doc = expectProblem(res, 500, url);
        expect(doc.request_id).toBe('req-500');
        expect(res.body).not.toMatch(/SQLITE|SELECT|secret|\.ts:|node_modules/);
      }
    } finally {
      await failing.close();
    }
  });
});
