import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagMatches } from '../../src/routes/sdk.js';
import { startTestServer, type TestServer } from '../../src/testing.js';

// A fixture build, so the suite does not depend on the widgets having been built (and can change a file).
const dir = mkdtempSync(join(tmpdir(), 'analytics-sdk-'));
const empty = mkdtempSync(join(tmpdir(), 'analytics-sdk-empty-'));
const BUNDLE = '(()=>{window.AcmeAnalytics={track(){}};})();\n//# sourceMappingURL=analytics.js.map\n';
writeFileSync(join(dir, 'analytics.js'), BUNDLE);
writeFileSync(join(dir, 'analytics.esm.js'), 'export const x = "é";\n');
writeFileSync(join(dir, 'analytics.js.map'), '{"version":3,"sources":[],"mappings":""}');

const sri = (bytes: string) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

// A release: the build's manifest names its version and each script's integrity hash.
const release = mkdtempSync(join(tmpdir(), 'analytics-sdk-release-'));
const TRACKER = '(()=>{window.AcmeAnalytics={track(){}};})();\n//# sourceMappingURL=tracker.js.map\n';
writeFileSync(join(release, 'analytics.js'), BUNDLE);
writeFileSync(join(release, 'tracker.js'), TRACKER);
writeFileSync(join(release, 'tracker.js.map'), '{"version":3,"sources":[],"mappings":""}');
writeFileSync(
  join(release, 'sdk.json'),
  JSON.stringify({
    version: '1.2.3',
    integrity: { 'analytics.js': sri(BUNDLE), 'tracker.js': sri(TRACKER) },
  }),
);

afterAll(() => {
  rmSync(release, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

describe('GET /sdk/analytics.js', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A restrictive CORS list: the bundle must still be readable from any origin.
    server = await startTestServer({ sdkDir: dir, corsOrigins: ['https://dashboard.example'] });
  });
  afterAll(() => server.close());

  it('serves the built bytes with script, cache and cross-origin headers', async () => {
    const res = await fetch(`${server.url}/sdk/analytics.js`, {
      headers: { origin: 'https://shop.example' },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(dir, 'analytics.js')))).toBe(true);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
  });

  it('serves the ES module bundle and the source map', async () => {
    const esm = await fetch(`${server.url}/sdk/analytics.esm.js`);
    expect(esm.status).toBe(200);
    expect(esm.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await esm.text()).toBe('export const x = "é";\n');
    const map = await fetch(`${server.url}/sdk/analytics.js.map`);
    expect(map.status).toBe(200);
    expect(map.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await map.json()).toEqual({ version: 3, sources: [], mappings: '' });
  });

  it('answers 304 without a body to a matching If-None-Match, 200 otherwise', async () => {
    const first = await fetch(`${server.url}/sdk/analytics.js`);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${server.url}/sdk/analytics.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400');
    const listed = await fetch(`${server.url}/sdk/analytics.js`, {
      headers: { 'if-none-match': `"other", ${etag}` },
    });
    expect(listed.status).toBe(304);
    const stale = await fetch(`${server.url}/sdk/analytics.js`, { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(BUNDLE);
  });

  it('serves a rebuilt file without a restart, under a new ETag', async () => {
    const path = join(dir, 'analytics.esm.js');
    const before = await fetch(`${server.url}/sdk/analytics.esm.js`);
    const oldTag = before.headers.get('etag')!;
    writeFileSync(path, 'export const x = "rebuilt, and longer";\n');
    const after = await fetch(`${server.url}/sdk/analytics.esm.js`, { headers: { 'if-none-match': oldTag } });
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('export const x = "rebuilt, and longer";\n');
    expect(after.headers.get('etag')).not.toBe(oldTag);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(`${server.url}/sdk/analytics.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('etag')).toMatch(/^"/);
  });

  it('serves nothing else from the directory', async () => {
    writeFileSync(join(dir, 'secret.txt'), 'no');
    for (const path of ['/sdk/secret.txt', '/sdk/../package.json', '/sdk/%2e%2e/package.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('is documented in OpenAPI under its own tag', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { tags?: string[] } }>;
    };
    expect(doc.paths['/sdk/analytics.js']?.get?.tags).toEqual(['sdk']);
    expect(doc.paths['/sdk/analytics.esm.js']).toBeDefined();
    expect(doc.paths['/sdk/analytics.js.map']).toBeDefined();
    expect(doc.paths['/sdk/tracker.js']?.get?.tags).toEqual(['sdk']);
    expect(doc.paths['/sdk/{version}/tracker.js']?.get?.tags).toEqual(['sdk']);
  });
});

describe('GET /sdk/<version>/<file>', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sdkDir: release });
  });
  afterAll(() => server.close());

  it('serves the release named in sdk.json as immutable, with the bytes its integrity hash names', async () => {
    for (const [name, bytes] of [
      ['tracker.js', TRACKER],
      ['analytics.js', BUNDLE],
    ] as const) {
      for (const version of ['1.2.3', 'v1.2.3']) {
        const res = await fetch(`${server.url}/sdk/${version}/${name}`, {
          headers: { origin: 'https://a.example' },
        });
        expect(res.status).toBe(200);
        const body = await res.text();
        expect(body).toBe(bytes);
        expect(sri(body)).toBe(JSON.parse(readFileSync(join(release, 'sdk.json'), 'utf8')).integrity[name]);
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      }
    }
    const map = await fetch(`${server.url}/sdk/1.2.3/tracker.js.map`);
    expect(map.status).toBe(200);
    expect(await map.json()).toEqual({ version: 3, sources: [], mappings: '' });
  });

  it('serves the latest tracker.js under the plain path too', async () => {
    const res = await fetch(`${server.url}/sdk/tracker.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(TRACKER);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400');
  });

  it('answers 404 problems for another release and for a malformed version', async () => {
    const other = await fetch(`${server.url}/sdk/1.2.4/tracker.js`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { detail: string }).detail).toContain('/sdk/1.2.3/tracker.js');
    for (const path of [
      '/sdk/latest/tracker.js',
      '/sdk/..%2F/tracker.js',
      `/sdk/${'9'.repeat(70)}.0.0/tracker.js`,
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // A release without analytics.esm.js built: not served under any version.
    expect((await fetch(`${server.url}/sdk/1.2.3/analytics.esm.js`)).status).toBe(404);
  });

  it('refuses a script rebuilt in place since the manifest, so an immutable path never changes content', async () => {
    const path = join(release, 'tracker.js');
    writeFileSync(path, `${TRACKER}// rebuilt\n`);
    try {
      const res = await fetch(`${server.url}/sdk/1.2.3/tracker.js`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toContain('rebuilt');
      // The plain path serves the latest bytes all the same.
      expect(await (await fetch(`${server.url}/sdk/tracker.js`)).text()).toBe(`${TRACKER}// rebuilt\n`);
    } finally {
      writeFileSync(path, TRACKER);
    }
    expect((await fetch(`${server.url}/sdk/1.2.3/tracker.js`)).status).toBe(200);
  });
});

describe('GET /sdk/analytics.js before the widgets are built', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sdkDir: empty });
  });
  afterAll(() => server.close());

  it('answers a 404 problem document that says how to build it', async () => {
    for (const name of ['analytics.js', 'analytics.esm.js', 'analytics.js.map']) {
      const res = await fetch(`${server.url}/sdk/${name}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBeNull();
      const body = (await res.json()) as { code: string; detail: string; request_id: string };
      expect(body.code).toBe('not_found');
      expect(body.detail).toContain('npm run build');
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    }
  });
});

describe('etagMatches', () => {
  it('compares opaque tags weakly, in lists, and accepts *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b" , "a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
    expect(etagMatches('a', '"a"')).toBe(false);
  });
});

describe('GET /sdk/analytics.js without ANALYTICS_SDK_DIR', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers a 404 problem document that names the setting', async () => {
    for (const name of ['analytics.js', 'analytics.esm.js', 'analytics.js.map']) {
      const res = await fetch(`${server.url}/sdk/${name}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('not_found');
      expect(body.detail).toContain('ANALYTICS_SDK_DIR');
    }
  });
});

describe('configuration', () => {
  it('reads ANALYTICS_SDK_DIR, with no default (the server does not know where other packages build)', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(loadConfig({ ANALYTICS_SDK_DIR: empty }).sdkDir).toBe(empty);
    expect(loadConfig({}).sdkDir).toBeUndefined();
    expect(loadConfig({ ANALYTICS_SDK_DIR: 'dist', INIT_CWD: empty }).sdkDir).toBe(join(empty, 'dist'));
  });
});
