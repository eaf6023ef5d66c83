/**
 * Hostile input: property-based requests against every route (bodies, headers, query strings), SQL
 * injection and path traversal in every filter, nesting bombs, 10 MB bodies, and Unicode edge cases that
 * must come back exactly as sent. The rule under test: never a 5xx, and every error is a problem document
 * with the status the contract names.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventOut, EventsPage, IngestAccepted } from '../../src/contract.js';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';
import {
  type Answer,
  expectClientOutcome,
  expectProblem,
  PATH_TRAVERSAL,
  SQL_INJECTION,
  UNICODE_EDGE,
  walkEvents,
} from './support.js';

// Property runs and real sockets on a shared machine are bounded by run counts, not by the clock.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const RUNS = Number(process.env.ANALYTICS_FUZZ_RUNS ?? 150);

/** A generated value and what the contract says about it. */
type Verdict = 'ok' | 'schema' | 'foreign' | 'semantic';
interface Gen<T = unknown> {
  v: T;
  k: Verdict;
}
const ok = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<Gen<T>> => arb.map((v) => ({ v, k: 'ok' as const }));
const bad = <T>(k: Verdict, arb: fc.Arbitrary<T>): fc.Arbitrary<Gen<T>> => arb.map((v) => ({ v, k }));
const junk = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));

/**
 * Stands for a 5,000-level array in generated bodies, spliced in as text when the request is sent (fast-check
 * would recurse through the real value when printing a counterexample).
 */
const DEEP = 'deep-nesting-bomb';
const DEEP_TEXT = `${'['.repeat(5000)}${']'.repeat(5000)}`;

/** Per-field generators, each tagged with the outcome the contract implies for that value alone. */
function fields(org: string) {
  // Ingest takes instants from 400 days before to 1 day after it receives them; the window's edges are
  // left a day of margin, since the generator's clock and the server's are read at different moments.
  const now = Date.now();
  const iso = fc
    .date({
      min: new Date(now - 399 * 86_400_000),
      max: new Date(now + 12 * 3_600_000),
      noInvalidDate: true,
    })
    .chain((d) =>
      fc.constantFrom(
        d.toISOString(),
        d.toISOString().replace('Z', '+00:00'),
        d.toISOString().replace('.', ',').replace(/,\d+/, '').replace('Z', '-05:30'),
        d.toISOString().slice(0, 19).toLowerCase().replace('t', 't') + 'z',
      ),
    );
  return {
    event_type: fc.oneof(
      { weight: 4, arbitrary: ok(fc.stringMatching(/^[A-Za-z0-9_.:$-]{1,24}$/)) },
      { weight: 1, arbitrary: ok(fc.constantFrom('page_view', '$pageview', 'a.b:c$-_', 'x'.repeat(128))) },
      bad(
        'schema',
        fc.constantFrom('', 'x'.repeat(129), 'has space', 'üñí', "'; DROP TABLE events; --", '../x'),
      ),
      bad('schema', junk),
    ),
    event_id: fc.oneof(
      { weight: 3, arbitrary: ok(fc.uuid()) },
      { weight: 1, arbitrary: ok(fc.uuid().map((u) => u.toUpperCase())) },
      bad(
        'schema',
        fc.constantFrom('not-a-uuid', '{00000000-0000-0000-0000-000000000000}', '', "' OR 1=1 --"),
      ),
      bad('schema', junk),
    ),
    user_id: fc.oneof(
      { weight: 4, arbitrary: ok(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })) },
      { weight: 1, arbitrary: ok(fc.constantFrom(...SQL_INJECTION, ...PATH_TRAVERSAL)) },
      { weight: 1, arbitrary: ok(fc.constantFrom(...Object.values(UNICODE_EDGE))) },
      bad('schema', fc.constantFrom('', 'u'.repeat(256))),
      bad('schema', junk),
    ),
    timestamp: fc.oneof(
      { weight: 4, arbitrary: ok(iso) },
      bad(
        'semantic',
        fc.constantFrom(
          '2024-13-01T00:00:00Z',
          '2024-02-30T00:00:00Z',
          '2024-05-01T12:00:00',
          '2024-05-01T24:00:00Z',
          '2024-05-01T12:00:00+24:00',
          '2024-05-01',
          // Valid RFC 3339, but far outside the window around the receive time.
          '1970-01-01T00:00:00Z',
          '2099-12-01T00:00:00Z',
          '9999-12-31T23:59:59-23:59',
          'yesterday',
          '',
          "' OR 1=1 --",
        ),
      ),
      bad('schema', fc.constantFrom('2024-05-01T12:00:00.000000000000000000000Z', 'x'.repeat(41))),
      bad('schema', junk),
    ),
    properties: fc.oneof(
      { weight: 4, arbitrary: ok(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })) },
      bad('semantic', fc.constantFrom({ big: 'x'.repeat(33 * 1024) }, { deep: DEEP })),
      bad(
        'schema',
        fc.oneof(fc.array(fc.integer(), { maxLength: 2 }), fc.string(), fc.integer(), fc.constant(null)),
      ),
    ),
    org_id: fc.oneof(
      { weight: 3, arbitrary: ok(fc.constant(org)) },
      bad(
        'foreign',
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== org),
      ),
      bad('schema', fc.constantFrom('', 'o'.repeat(256))),
      bad('schema', junk),
    ),
    schema_version: fc.oneof(
      { weight: 3, arbitrary: ok(fc.integer({ min: 1, max: 2_147_483_647 })) },
      bad('schema', fc.constantFrom(0, -1, 1.5, 2_147_483_648, '1', null)),
    ),
  };
}

const SEVERITY: Record<Verdict, number> = { ok: 0, semantic: 1, foreign: 2, schema: 3 };
const worst = (verdicts: Verdict[]): Verdict =>
  verdicts.reduce<Verdict>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok');

/** One event as sent, and its verdict (a missing `event_type` or an unknown field fails the schema). */
function eventArb(org: string) {
  const f = fields(org);
  const record = fc.record(f, { requiredKeys: [] });
  const object = fc.tuple(record, fc.boolean(), fc.boolean()).map(([r, dropType, extraField]) => {
    const out: Record<string, unknown> = {};
    const verdicts: Verdict[] = [];
    for (const [key, g] of Object.entries(r) as [string, Gen][]) {
      if (key === 'event_type' && dropType) continue;
      out[key] = g.v;
      verdicts.push(g.k);
    }
    if (!('event_type' in out)) verdicts.push('schema');
    if (extraField) {
      out.unknown_field = 1;
      verdicts.push('schema');
    }
    return { v: out as unknown, k: worst(verdicts) };
  });
  return fc.oneof({ weight: 9, arbitrary: object }, bad('schema', junk));
}

/** A whole request: content type, raw body, idempotency key, and the status the contract requires. */
function requestArb(org: string, unstorableUser: (s: string) => boolean) {
  let keySeq = 0;
  const events = fc.oneof(
    { weight: 8, arbitrary: fc.array(eventArb(org), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constant([] as Gen[]) },
    {
      weight: 1,
      arbitrary: fc.constant(
        Array.from({ length: 101 }, () => ({ v: { event_type: 'x' }, k: 'ok' as Verdict })),
      ),
    },
  );
  const body = fc.oneof(
    {
      weight: 9,
      arbitrary: fc.tuple(events, fc.boolean()).map(([evs, extra]) => {
        const verdicts = evs.map((e) => e.k);
        if (evs.length === 0 || evs.length > 100) verdicts.push('schema');
        // Text the store cannot keep is refused with a field error (422) after the org check.
        for (const e of evs) {
          const u = (e.v as { user_id?: unknown } | null)?.user_id;
          if (e.k === 'ok' && typeof u === 'string' && unstorableUser(u)) verdicts.push('semantic');
        }
        const doc: Record<string, unknown> = { events: evs.map((e) => e.v) };
        if (extra) {
          doc.extra = true;
          verdicts.push('schema');
        }
        return { v: doc as unknown, k: worst(verdicts), n: evs.length };
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ v, k: 'schema' as Verdict, n: 0 })) },
  );
  const raw = fc.oneof(
    { weight: 9, arbitrary: fc.constant<'json' | 'malformed'>('json') },
    { weight: 1, arbitrary: fc.constant<'json' | 'malformed'>('malformed') },
  );
  const malformed = fc.constantFrom(
    '',
    '{',
    '{"events":[}',
    "{'events':[]}",
    '{"events":[{"event_type":"a",}]}',
    'NaN',
    'undefined',
    '\u0000',
    '{"events":[{"event_type":"a"}]}}',
  );
  const contentType = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'application/jsonp',
        'multipart/form-data; boundary=x',
      ),
    },
  );
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Gen<string | undefined>>({ v: undefined, k: 'ok' }) },
    {
      weight: 3,
      arbitrary: fc
        .string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 60,
        })
        .map((s) => ({ v: `${s.trim() || 'k'}#${++keySeq}`, k: 'ok' as Verdict })),
    },
    bad('schema', fc.constantFrom('k'.repeat(256), 'ключ', 'tab\there', 'nul\u0000', 'del\u007f')),
  );
  return fc.record({ body, raw, malformed, contentType, key });
}

function expectedStatus(r: {
  body: { k: Verdict };
  raw: 'json' | 'malformed';
  malformed: string;
  contentType: string | undefined;
  key: Gen<string | undefined>;
}): number {
  // No body and no media type: nothing was sent in a wrong format, the required body is missing.
  if (r.contentType === undefined && r.raw === 'malformed' && r.malformed === '') return 422;
  if (r.contentType === undefined || !/^application\/json\b/i.test(r.contentType)) return 415;
  if (r.raw === 'malformed') return 400;
  if (r.key.k !== 'ok') return 422;
  if (r.body.k === 'schema') return 422;
  if (r.body.k === 'foreign') return 403;
  if (r.body.k === 'semantic') return 422;
  return 202;
}

/** Neither store keeps NUL or lone surrogates in text (PostgreSQL cannot; SQLite refuses them too, alike). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe.each(stores)('hostile input ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('hostile');
  const other = orgId('hostile_other');
  let token: string;
  let otherToken: string;
  const unstorableUser = (s: string) => LONE_SURROGATE.test(s) || s.includes('\u0000');
  /** Events the other org stored; nothing done to this org may change them. */
  let otherRows: EventOut[];
  /** Injection strings stored as user ids in this org, each with its one event. */
  const injectionEvents = new Map<string, string>();

  const post = (body: unknown, headers: Record<string, string> = {}, tok = token) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(tok), ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await createTestApp(storeCase);
    token = await t.token({ org });
    otherToken = await t.token({ org: other });
    const seeded = await post(
      {
        events: Array.from({ length: 30 }, (_, i) => ({
          event_type: `other_${i % 3}`,
          user_id: `shared_${i % 4}`,
        })),
      },
      {},
      otherToken,
    );
    expect(seeded.statusCode).toBe(202);
    otherRows = await walkEvents(t.app, otherToken);
    const hostile = [...SQL_INJECTION, ...PATH_TRAVERSAL];
    const events = hostile.map((s) => ({
      event_id: crypto.randomUUID(),
      event_type: 'injection',
      user_id: s,
      properties: { [s]: s },
    }));
    const res = await post({ events });
    expect(res.statusCode, res.body).toBe(202);
    for (const e of events) injectionEvents.set(e.user_id, e.event_id);
  });
  afterAll(() => t.close());

  describe('POST /api/v1/events', () => {
    it('answers every generated body, content type and key with the status the contract names', async () => {
      let acceptedTotal = 0;
      const before = (await walkEvents(t.app, token)).length;
      await fc.assert(
        fc.asyncProperty(requestArb(org, unstorableUser), async (r) => {
          const payload =
            r.raw === 'malformed' ? r.malformed : JSON.stringify(r.body.v).replaceAll(`"${DEEP}"`, DEEP_TEXT);
          const headers: Record<string, string> = { ...bearer(token) };
          if (r.contentType !== undefined) headers['content-type'] = r.contentType;
          if (r.key.v !== undefined) headers['idempotency-key'] = r.key.v;
          const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload });
          const want = expectedStatus(r);
          const label = `want ${want} for ${payload.slice(0, 400)} ct=${r.contentType} key=${JSON.stringify(r.key.v)}`;
          if (want !== 202) {
            expectProblem(res, want, label);
            return;
          }
          expect(res.statusCode, `${label} → ${res.body.slice(0, 400)}`).toBe(202);
          const out = res.json() as IngestAccepted;
          const sent = (r.body.v as { events: { event_id?: string }[] }).events;
          expect(out.accepted + out.duplicates).toBe(sent.length);
          expect(out.event_ids).toHaveLength(sent.length);
          sent.forEach((e, i) => {
            if (e.event_id) expect(out.event_ids[i]).toBe(e.event_id.toLowerCase());
          });
          acceptedTotal += out.accepted;
          if (r.key.v !== undefined) {
            const again = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload });
            expect(again.statusCode).toBe(202);
            expect(again.headers['idempotent-replayed']).toBe('true');
            expect(again.body).toBe(res.body);
          }
        }),
        { numRuns: RUNS },
      );
      // Every event counted as accepted is stored once; nothing else was stored.
      const after = await walkEvents(t.app, token);
      expect(after.length - before).toBe(acceptedTotal);
      expect(new Set(after.map((e) => e.event_id)).size).toBe(after.length);
    });

    it('answers nesting bombs at any level with 400 or 422, never a 5xx', async () => {
      const open = (n: number, s: string) => s.repeat(n);
      const bombs: [string, string, number][] = [
        ['array bomb as the body', `${open(400_000, '[')}${open(400_000, ']')}`, 422],
        ['object bomb as the body', `${open(150_000, '{"a":')}1${open(150_000, '}')}`, 422],
        ['unterminated bomb', open(500_000, '['), 400],
        ['bomb as events', `{"events":${open(200_000, '[')}${open(200_000, ']')}}`, 422],
        ['bomb as event_type', `{"events":[{"event_type":${open(100_000, '[')}${open(100_000, ']')}}]}`, 422],
        [
          'array bomb in properties',
          `{"events":[{"event_type":"a","properties":{"x":${open(200_000, '[')}${open(200_000, ']')}}}]}`,
          422,
        ],
        [
          'object bomb in properties',
          `{"events":[{"event_type":"a","properties":${open(100_000, '{"a":')}1${open(100_000, '}')}}]}`,
          422,
        ],
        [
          'moderate bomb in properties',
          `{"events":[{"event_type":"a","properties":{"x":${open(5000, '[')}${open(5000, ']')}}}]}`,
          422,
        ],
      ];
      for (const [label, payload, status] of bombs) {
        const res = await post(payload);
        const doc = expectProblem(res, status, label);
        if (label.includes('properties'))
          expect(doc.errors, label).toEqual([{ path: '/events/0/properties', message: expect.any(String) }]);
      }
      // The server still answers, and reasonable nesting is stored and returned intact.
      const nested = { l: [[[[{ a: { b: { c: [1, { d: 'deep' }] } } }]]]] };
      const id = crypto.randomUUID();
      expect(
        (await post({ events: [{ event_id: id, event_type: 'nested', properties: nested }] })).statusCode,
      ).toBe(202);
      const rows = await walkEvents(t.app, token, new URLSearchParams({ event_type: 'nested' }));
      expect(rows.find((e) => e.event_id === id)?.properties).toEqual(nested);
    });

    it('answers a 10 MB body with 413 (with Content-Length, chunked, and in memory), and keeps serving', async () => {
      const big = `{"events":[{"event_type":"a","properties":{"x":"${'x'.repeat(10 * 1024 * 1024)}"}}]}`;
      expectProblem(await post(big), 413, 'inject');
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      for (const chunked of [false, true]) {
        const res = await rawPost(port, token, Buffer.from(big), chunked);
        expectProblem(res, 413, chunked ? 'chunked' : 'content-length');
      }
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      // Just under the limit is judged on its content, not its size.
      const justUnder = `{"events":[{"event_type":"a","properties":{"x":"${'x'.repeat(1024 * 1024 - 100)}"}}]}`;
      expectProblem(await post(justUnder), 422, 'just under 1 MiB');
    });
  });

  describe('Unicode', () => {
    it('stores and returns edge-case text byte for byte, in properties keys, values and user ids', async () => {
      const cases = Object.entries(UNICODE_EDGE);
      const sent = cases.map(([name, s]) => ({
        event_id: crypto.randomUUID(),
        event_type: 'unicode',
        properties: { [s]: s, name, nested: [s, { [s]: [s] }], proto: { ['__proto__']: s } },
      }));
      // Build the body by hand so lone surrogates travel as JSON escapes, exactly as a client sends them.
      const res = await post(JSON.stringify({ events: sent }));
      // NUL and unpaired surrogates are refused per event on both stores (PostgreSQL's jsonb cannot hold
      // them), never a 5xx; everything else is stored byte for byte.
      const doc = expectProblem(res, 422, 'unstorable');
      const refused = cases.flatMap(([, s], i) =>
        s.includes('\u0000') || LONE_SURROGATE.test(s) ? [`/events/${i}/properties`] : [],
      );
      expect(refused.length).toBeGreaterThan(0);
      expect(doc.errors?.map((e) => e.path)).toEqual(refused);
      const storable = sent.filter((_, i) => !refused.includes(`/events/${i}/properties`));
      expect((await post(JSON.stringify({ events: storable }))).statusCode).toBe(202);
      await expectRoundTrip(storable);

      async function expectRoundTrip(events: typeof sent) {
        const raw = await t.app.inject({
          url: '/api/v1/events?event_type=unicode&limit=1000',
          headers: bearer(token),
        });
        const rows = (JSON.parse(raw.body) as EventsPage).data;
        for (const e of events) {
          const row = rows.find((r) => r.event_id === e.event_id);
          expect(row, e.properties.name).toBeDefined();
          // Exact code units (no normalisation, no replacement characters), keys included; key order is
          // not part of the contract (PostgreSQL's jsonb sorts keys).
          expect(canonical(row!.properties), e.properties.name).toBe(canonical(e.properties));
        }
        // Unpaired surrogates travel back as JSON escapes, never as U+FFFD.
        if (events.some((e) => e.properties.name === 'loneHigh')) expect(raw.body).toContain('x\\ud800y');
      }
    });

    it('keeps user ids that differ only by normalisation or invisible characters apart', async () => {
      const users = [
        UNICODE_EDGE.precomposed,
        UNICODE_EDGE.decomposed,
        'a\u200Bb',
        'ab',
        UNICODE_EDGE.rtl,
        UNICODE_EDGE.emoji,
        UNICODE_EDGE.combining,
        UNICODE_EDGE.astral,
        UNICODE_EDGE.bom,
        'bom',
        UNICODE_EDGE.separators,
      ];
      const userOrg = orgId('unicode_users');
      const userToken = await t.token({ org: userOrg });
      const events = users.map((u) => ({ event_id: crypto.randomUUID(), event_type: 'who', user_id: u }));
      const res = await post({ events }, {}, userToken);
      expect(res.statusCode, res.body).toBe(202);
      for (const e of events) {
        const rows = await walkEvents(t.app, userToken, new URLSearchParams({ user_id: e.user_id }));
        expect(
          rows.map((r) => [r.event_id, r.user_id]),
          JSON.stringify(e.user_id),
        ).toEqual([[e.event_id, e.user_id]]);
      }
      const summary = await t.app.inject({ url: '/api/v1/metrics/summary', headers: bearer(userToken) });
      expect(summary.json().totals).toEqual({ events: users.length, active_users: users.length });
    });

    it('refuses user ids with NUL or unpaired surrogates with a field error instead of altering them', async () => {
      for (const u of [
        UNICODE_EDGE.loneHigh,
        UNICODE_EDGE.loneLow,
        UNICODE_EDGE.reversedPair,
        UNICODE_EDGE.nul,
      ]) {
        const res = await post(
          JSON.stringify({ events: [{ event_type: 'a' }, { event_type: 'lone', user_id: u }] }),
        );
        const doc = expectProblem(res, 422, JSON.stringify(u));
        expect(doc.errors).toEqual([{ path: '/events/1/user_id', message: expect.any(String) }]);
      }
      expect(await walkEvents(t.app, token, new URLSearchParams({ event_type: 'lone' }))).toEqual([]);
    });
  });

  describe('query strings', () => {
    it('answers generated query strings on every read route with 200, 403 or a 422 naming the parameter', async () => {
      const spec = (await t.app.inject({ url: '/openapi.json' })).json() as {
        paths: Record<
          string,
          Record<string, { parameters?: { in: string; name: string; required?: boolean }[] }>
        >;
      };
      // The script-tag bundle files take no query parameters and answer 404 until `npm run build` made
      // them; their own suite (routes/sdk.test.ts) covers them.
      const routes = Object.entries(spec.paths)
        .filter(([path]) => !path.startsWith('/sdk/'))
        .flatMap(([path, ops]) =>
          Object.entries(ops)
            .filter(([method]) => method === 'get')
            .map(([, op]) => ({
              path,
              params: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
              required: (op.parameters ?? [])
                .filter((p) => p.in === 'query' && p.required)
                .map((p) => p.name),
            })),
        );
      expect(routes.map((r) => r.path)).toEqual(
        expect.arrayContaining([
          '/api/v1/events',
          '/api/v1/event-types',
          '/api/v1/metrics/summary',
          '/health',
        ]),
      );
      const value = fc.oneof(
        fc.constantFrom(
          '1',
          '50',
          '1000',
          '0',
          '-1',
          '1e3',
          '2024-05-01',
          '2024-05-01T00:00:00Z',
          'UTC',
          'Europe/Berlin',
          'events',
          'active_users',
          'events:page_view',
          'injection',
          org,
          other,
        ),
        fc.constantFrom(...SQL_INJECTION, ...PATH_TRAVERSAL, ...Object.values(UNICODE_EDGE)),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom('x'.repeat(300), '9'.repeat(400)),
      );
      const arb = fc.constantFrom(...routes).chain((route) =>
        fc.record({
          route: fc.constant(route),
          query: fc.array(
            fc.tuple(
              fc.constantFrom(...route.params, ...route.params.map((p) => `${p}[]`), 'unknown'),
              value,
            ),
            { maxLength: 5 },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ route, query }) => {
          const qs = new URLSearchParams(query).toString();
          // What the server decodes: unpaired surrogates become U+FFFD on the way into the URL.
          const given = new URLSearchParams(qs);
          const res = await t.app.inject({ url: `${route.path}?${qs}`, headers: bearer(token) });
          const label = `${route.path}?${qs}`;
          expectClientOutcome(res, label);
          // The server reads `name[]` as `name`.
          const values = new Map<string, string[]>();
          for (const [k, v] of given) {
            const name = k.replace(/\[\]$/, '');
            values.set(name, [...(values.get(name) ?? []), v]);
          }
          const names = new Set(values.keys());
          const orgIds = values.get('org_id') ?? [];
          if (res.statusCode === 403) {
            expect(
              orgIds.some((o) => o !== org),
              label,
            ).toBe(true);
            return;
          }
          if (res.statusCode === 422) {
            // Each error names a parameter of the route (a defaulted one, e.g. `end_date` for a range
            // that grew too long from a `start_date`, counts), and at least one was sent, or is a
            // required one that was not (`dimension` of the breakdown).
            const errors = (res.json().errors ?? []) as { path: string }[];
            expect(errors.length, label).toBeGreaterThan(0);
            const param = (e: { path: string }) => e.path.split('/')[1] ?? '';
            for (const e of errors) expect(route.params, `${label}: ${e.path}`).toContain(param(e));
            const missing = (e: { path: string }) =>
              route.required.includes(param(e)) && !names.has(param(e));
            expect(
              errors.some((e) => names.has(param(e)) || missing(e)) || names.has('start_date'),
              label,
            ).toBe(true);
            return;
          }
          expect(res.statusCode, label).toBe(200);
          if (route.path === '/api/v1/events') {
            const rows = (res.json() as EventsPage).data;
            for (const row of rows) {
              expect(row.org_id).toBe(org);
              const users = values.get('user_id');
              if (users) expect(row.user_id).toBe(users[0]);
              const types = values.get('event_type');
              if (types) expect(types).toContain(row.event_type);
            }
          }
          if (route.path === '/api/v1/metrics/summary') expect(res.json().org_id).toBe(org);
        }),
        { numRuns: RUNS },
      );
    });

    it('treats SQL injection and path traversal in every filter as data: exact matches or a 422', async () => {
      const filters: [string, string][] = [
        ['/api/v1/events', 'user_id'],
        ['/api/v1/events', 'event_type'],
        ['/api/v1/events', 'start_date'],
        ['/api/v1/events', 'end_date'],
        ['/api/v1/events', 'cursor'],
        ['/api/v1/events', 'limit'],
        ['/api/v1/events', 'org_id'],
        ['/api/v1/metrics/summary', 'metrics'],
        ['/api/v1/metrics/summary', 'start_date'],
        ['/api/v1/metrics/summary', 'end_date'],
        ['/api/v1/metrics/summary', 'tz'],
        ['/api/v1/metrics/summary', 'org_id'],
        ['/api/v1/event-types', 'org_id'],
      ];
      for (const [path, param] of filters) {
        for (const s of [...SQL_INJECTION, ...PATH_TRAVERSAL]) {
          const qs = new URLSearchParams({ [param]: s });
          const res = await t.app.inject({ url: `${path}?${qs}`, headers: bearer(token) });
          const label = `${path}?${param}=${s}`;
          expectClientOutcome(res, label);
          if (param === 'user_id') {
            expect(res.statusCode, label).toBe(200);
            const rows = (res.json() as EventsPage).data;
            // Generated requests may have used the same user id; every row has exactly it, ours once.
            for (const r of rows) expect(r.user_id, label).toBe(s);
            const ours = rows.filter((r) => r.event_type === 'injection');
            expect(
              ours.map((r) => [r.event_id, r.properties]),
              label,
            ).toEqual([[injectionEvents.get(s), { [s]: s }]]);
          } else if (param === 'org_id') {
            // Another org, on every route alike (event-types used to ignore it and answer 200).
            expect(res.statusCode, label).toBe(403);
          } else if (path === '/api/v1/event-types') {
            // event-types takes no filters: an unknown parameter changes nothing.
            expect(res.statusCode, label).toBe(200);
          } else {
            expect(res.statusCode, label).toBe(422);
          }
        }
      }
      // Nothing was dropped, altered or exposed: both orgs hold exactly what they held.
      expect(await walkEvents(t.app, otherToken)).toEqual(otherRows);
      const mine = await walkEvents(t.app, token, new URLSearchParams({ event_type: 'injection' }));
      expect(mine).toHaveLength(injectionEvents.size);
    });
  });

  describe('headers', () => {
    it('answers generated headers on every route with a problem document or a success, never a 5xx', async () => {
      const routes = [
        { method: 'GET' as const, url: '/api/v1/events' },
        { method: 'GET' as const, url: '/api/v1/event-types' },
        { method: 'GET' as const, url: '/api/v1/metrics/summary' },
        { method: 'POST' as const, url: '/api/v1/events' },
        { method: 'GET' as const, url: '/health' },
        { method: 'GET' as const, url: '/ready' },
        { method: 'GET' as const, url: '/metrics' },
        { method: 'GET' as const, url: '/openapi.json' },
        { method: 'OPTIONS' as const, url: '/api/v1/events' },
      ];
      const printable = fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 80,
      });
      const authorization = fc.oneof(
        fc.constant<string | undefined>(undefined),
        fc.constant(`Bearer ${token}`),
        fc.constant(`bearer   ${token}`),
        fc.constant(`Bearer ${token}x`),
        fc.constant(`Bearer ${token.split('.').slice(0, 2).join('.')}.`),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          'Bearer a.b.c',
          'Bearer ..',
          `Bearer ${'a'.repeat(5000)}`,
        ),
        printable.map((s) => `Bearer ${s}`),
        printable,
      );
      const arb = fc.record({
        route: fc.constantFrom(...routes),
        authorization,
        requestId: fc.option(
          fc.oneof(
            printable,
            fc.constantFrom('req-1', 'x'.repeat(129), "'; DROP TABLE--", '../../etc/passwd'),
          ),
        ),
        accept: fc.option(
          fc.constantFrom(
            'application/json',
            'text/html',
            'application/xml',
            '*/*',
            'application/problem+json',
            ';;',
            'x'.repeat(500),
          ),
        ),
        origin: fc.option(fc.constantFrom('https://evil.example', 'null', 'http://localhost:3000', '')),
        extra: fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), printable, { maxKeys: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (r) => {
          const headers: Record<string, string> = { ...r.extra };
          if (r.authorization !== undefined) headers.authorization = r.authorization;
          if (r.requestId !== null) headers['x-request-id'] = r.requestId;
          if (r.accept !== null) headers.accept = r.accept;
          if (r.origin !== null) headers.origin = r.origin;
          if (r.route.method === 'POST') headers['content-type'] = 'application/json';
          const res = await t.app.inject({
            method: r.route.method,
            url: r.route.url,
            headers,
            ...(r.route.method === 'POST' ? { payload: '{"events":[{"event_type":"header_fuzz"}]}' } : {}),
          });
          const label = `${r.route.method} ${r.route.url} ${JSON.stringify(headers).slice(0, 300)}`;
          expectClientOutcome(res, label);
          const id = res.headers['x-request-id'];
          expect(typeof id === 'string' && id.length > 0, label).toBe(true);
          if (r.requestId !== null && /^[A-Za-z0-9._:-]{1,128}$/.test(r.requestId))
            expect(id).toBe(r.requestId);
          const isApi = r.route.url.startsWith('/api/') && r.route.method !== 'OPTIONS';
          if (!isApi) return;
          const valid =
            r.authorization !== undefined &&
            new RegExp(`^bearer +${token.replaceAll('.', '\\.')}$`, 'i').test(r.authorization);
          if (r.authorization === undefined || r.authorization === '') {
            expectProblem(res, 401, label);
            expect(res.headers['www-authenticate']).toBe('Bearer');
          } else if (!valid) {
            expectProblem(res, 401, label);
            expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
          } else {
            expect([200, 202], label).toContain(res.statusCode);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it('answers oversized headers and undecodable URLs with problem documents over real HTTP', async () => {
      if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      const huge = await rawGet(port, '/api/v1/events', { authorization: `Bearer ${'a'.repeat(70_000)}` });
      expectProblem(huge, 431, 'header overflow');
      for (const path of ['/docs/static/%c0%ae%c0%ae/package.json', '/api/v1/%E0%A4%A', '/%ff%fe']) {
        const res = await rawGet(port, path, {});
        expect(res.statusCode, path).toBeLessThan(500);
        expectProblem(res, undefined, path);
      }
      // Framing the HTTP parser rejects: a bad Content-Length, a header without a colon, a NUL in the path.
      for (const head of [
        'POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
        'GET /health HTTP/1.1\r\nHost: x\r\nno-colon-here\r\n\r\n',
        'GET /he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n',
      ]) {
        expectProblem(await rawSocket(port, head), 400, JSON.stringify(head));
      }
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    });
  });

  describe('paths', () => {
    it('never serves files outside the documentation assets, whatever the path', async () => {
      const prefixes = [
        '/',
        '/api/v1/',
        '/api/v1/events/',
        '/docs/',
        '/docs/static/',
        '/redoc/',
        '/openapi.json/',
        '/health/',
      ];
      const secrets =
        /root:x:0:0|\[extensions\]|"workspaces"|analytics-dev-secret|DEV_JWT_SECRET|"@acme\/analytics-server"/;
      for (const prefix of prefixes) {
        for (const p of PATH_TRAVERSAL) {
          const url = `${prefix}${p}`;
          let res: Answer;
          try {
            res = await t.app.inject({ url });
          } catch (err) {
            // light-my-request refuses some URLs outright; a real client sends them too (tested above).
            expect(String(err), url).toMatch(/URL|url/);
            continue;
          }
          expect(res.statusCode, url).toBeLessThan(500);
          expect(res.body, url).not.toMatch(secrets);
          if (res.statusCode >= 400) expectProblem(res, undefined, url);
        }
      }
    });
  });
});

/** JSON text with object keys sorted at every level. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** POST a raw body over a real socket (the server may answer before reading it all). */
function rawPost(port: number, token: string, body: Buffer, chunked: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/events',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length }),
        },
      },
      (res) => collect(res).then(resolve, reject),
    );
    // The server answers 413 and closes as soon as it knows; the rest of the upload then fails by design.
    req.on('error', () => {});
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

function rawGet(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers }, (res) =>
      collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Write raw bytes and parse whatever single response comes back before the server closes. */
function rawSocket(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text, 'latin1'));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      data += c;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const [status = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const code = Number(status.split(' ')[1]);
      if (!code) reject(new Error(`no HTTP response: ${JSON.stringify(data)}`));
      else resolve({ statusCode: code, headers, body });
    });
  });
}

function collect(res: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      body += c;
    });
    res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
    res.on('error', reject);
  });
}
