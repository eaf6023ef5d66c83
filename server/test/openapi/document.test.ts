/**
 * The document itself, beyond what `npm run lint` (Redocly's recommended rules) checks: the names client
 * generators take from it, and the defaults every documented route gets from the docs plugin.
 */
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestApp, openTestStore, stores, type TestApp } from '../helpers.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }>;
}
type Document = {
  servers?: { url: string }[];
  info: { license?: { name: string } };
  paths: Record<string, Record<string, Operation>>;
};

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

describe('GET /openapi.json', () => {
  let t: TestApp;
  let doc: Document;

  beforeAll(async () => {
    // With a metrics token, so /metrics is routed (and documented) too.
    t = await createTestApp(stores[0]!, {
      env: { ANALYTICS_METRICS_TOKEN: 'metrics-scraper-token-0123456789' },
    });
    doc = (await t.app.inject('/openapi.json')).json();
  });
  afterAll(() => t?.close());

  it('is the document the response check reads (app.swagger())', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(t.app.swagger())));
  });

  it('names a server and a licence', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license?.name).toBeTruthy();
  });

  it('gives every operation a unique camelCase operationId', () => {
    const ids = operations(doc).map(([, op]) => op.operationId);
    expect(ids.every((id) => id !== undefined && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'ingestEvents',
        'listEvents',
        'listEventTypes',
        'getMetricsSummary',
        'getHealth',
      ]),
    );
  });

  it('says how each operation authenticates: the bearer token under /api/v1, its own token for /metrics', () => {
    for (const [name, op] of operations(doc)) {
      const expected = name.includes(' /api/v1/')
        ? [{ bearerAuth: [] }]
        : name === 'GET /metrics'
          ? [{ metricsToken: [] }]
          : [];
      expect(op.security, name).toEqual(expected);
    }
  });

  it('documents every 4xx and 5xx as a problem document with an example, and 500 everywhere', () => {
    for (const [name, op] of operations(doc)) {
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      expect(
        errors.some(([s]) => s.startsWith('4')),
        name,
      ).toBe(true);
      expect(op.responses['500'], name).toBeDefined();
      for (const [status, response] of errors) {
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual([
          'application/problem+json',
        ]);
        const media = response.content!['application/problem+json']!;
        expect(media.schema, `${name} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
        expect(media.example, `${name} ${status}`).toMatchObject({ status: Number(status) });
      }
    }
  });
});

describe('the docs plugin completes each documented route', () => {
  const config = loadConfig({ NODE_ENV: 'test' }, { seed: 'none' });
  let close: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    const db = await openTestStore(stores[0]!);
    app = await buildApp({ config, store: db.store });
    close = async () => {
      await app.close();
      await db.close();
    };
  });
  afterAll(() => close?.());

  const ok = Type.Object({ ok: Type.Boolean() });

  it('refuses a documented route without an operationId, or with one that is not camelCase', () => {
    expect(() =>
      app.get('/test/anonymous', { schema: { response: { 200: ok } } }, async () => ({ ok: true })),
    ).toThrow(/GET \/test\/anonymous must declare schema\.operationId/);
    expect(() =>
      app.get('/test/snake', { schema: { operationId: 'get_snake' } }, async () => ({ ok: true })),
    ).toThrow(/must be camelCase/);
  });

  it('adds security and the problems a token-checked route with input can answer', () => {
    const schema = { operationId: 'createThing', body: ok, response: { 201: ok } };
    app.post('/test/things', { config: { scope: 'events:write' }, schema }, async () => ({ ok: true }));
    expect((schema as { security?: unknown }).security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(schema.response).sort()).toEqual(
      ['201', '400', '401', '403', '413', '415', '422', '429', '500'].sort(),
    );
  });

  it('keeps what a route declares, and gives a public route without client errors the 431', () => {
    const declared = { description: 'Mine', type: 'null' };
    const secured = {
      operationId: 'getSecured',
      security: [{ bearerAuth: [] }],
      response: { 200: ok, 500: declared },
    };
    app.get('/test/secured', { schema: secured }, async () => ({ ok: true }));
    expect(secured.security).toEqual([{ bearerAuth: [] }]);
    expect(secured.response[500]).toBe(declared);

    const open = { operationId: 'getOpen', response: { 200: ok } };
    app.get('/test/open', { schema: open }, async () => ({ ok: true }));
    expect((open as { security?: unknown }).security).toEqual([]);
    expect(Object.keys(open.response).sort()).toEqual(['200', '431', '500']);
  });

  it('leaves hidden routes alone', () => {
    const schema = { hide: true };
    app.get('/test/hidden', { schema }, async () => ({ ok: true }));
    expect(schema).toEqual({ hide: true });
  });
});
