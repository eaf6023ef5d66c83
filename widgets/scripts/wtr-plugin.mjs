// The browser suites' Node side: starts the real API server (the server package's test entry), seeds
// it over HTTP, and gives the browser what it cannot do itself:
//
// - server commands: `analytics-env` (API URL, tokens, fixtures), `analytics-fault` (make the next
//   requests of a scope answer a given status, or hold them until `analytics-release`),
//   `analytics-requests` (what a scope asked the API), `analytics-events` (read an org's events
//   straight from the API, to check what the page sent);
// - `/proxy/<scope>/…`: a same-origin pass-through to the API that logs and can fail or hold requests;
// - `/token/<org>`: a host application's token endpoint, for `token-url`;
// - `/csp/<page>`: pages served with a strict Content-Security-Policy header.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtures, ORGS } from './fixtures.mjs';

const widgets = join(dirname(fileURLToPath(import.meta.url)), '..');
const READ = 'events:read metrics:read';

/** Builds the script-tag bundles when missing, so `web-test-runner` alone works too. */
async function ensureBundles() {
  const { rollup } = await import('rollup');
  const [iife, esm] = (await import('../build.mjs')).default;
  for (const options of [iife, esm]) {
    if (existsSync(options.output.file)) continue;
    const bundle = await rollup(options);
    await bundle.write(options.output);
    await bundle.close();
  }
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

function problem(status, title) {
  return JSON.stringify({ type: 'about:blank', title, status, detail: 'Injected by the test proxy.' });
}

/**
 * @param {{ port: number }} options the dev server's port, to allow its origin through CORS
 * @returns {{ plugin: object, middleware: (ctx: any, next: () => Promise<void>) => Promise<void> }}
 */
export function analyticsServer({ port }) {
  /** @type {{ url: string, token: (claims: object) => string | Promise<string>, close: () => Promise<void> }} */
  let server;
  let env;
  /** @type {Map<string, { status?: number, remaining: number, hold?: boolean, match?: string }>} */
  const faults = new Map();
  /** @type {Map<string, { method: string, path: string }[]>} */
  const requests = new Map();
  /** @type {Set<() => void>} */
  const held = new Set();

  async function token(claims) {
    return await server.token(claims);
  }

  async function seed(events) {
    for (const org of ORGS) {
      const mine = events.filter((e) => e.org_id === org);
      if (!mine.length) continue;
      const auth = `Bearer ${await token({ org, sub: 'seeder', scope: 'events:write' })}`;
      for (let i = 0; i < mine.length; i += 100) {
        const res = await fetch(`${server.url}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ events: mine.slice(i, i + 100) }),
        });
        if (res.status !== 202) throw new Error(`seeding ${org} failed: ${res.status} ${await res.text()}`);
      }
    }
  }

  async function proxy(ctx) {
    const [, , scope, ...rest] = ctx.path.split('/');
    const path = `/${rest.join('/')}`;
    const log = requests.get(scope) ?? [];
    log.push({ method: ctx.method, path: `${path}${ctx.querystring ? `?${ctx.querystring}` : ''}` });
    requests.set(scope, log);

    const fault = faults.get(scope);
    const target = `${path}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
    if (fault && fault.remaining > 0 && (!fault.match || target.includes(fault.match))) {
      fault.remaining--;
      if (fault.hold) await new Promise((resolve) => held.add(resolve));
      if (fault.status) {
        ctx.status = fault.status;
        ctx.set('content-type', 'application/problem+json');
        ctx.set('access-control-allow-origin', '*');
        ctx.body = problem(fault.status, 'Injected failure');
        return;
      }
    }
    const headers = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'accept']) {
      if (ctx.get(name)) headers[name] = ctx.get(name);
    }
    const res = await fetch(`${server.url}${path}${ctx.querystring ? `?${ctx.querystring}` : ''}`, {
      method: ctx.method,
      headers,
      body: ['GET', 'HEAD'].includes(ctx.method) ? undefined : await readBody(ctx.req),
    });
    ctx.status = res.status;
    for (const name of [
      'content-type',
      'www-authenticate',
      'x-request-id',
      'retry-after',
      'idempotent-replayed',
    ]) {
      const value = res.headers.get(name);
      if (value) ctx.set(name, value);
    }
    ctx.body = Buffer.from(await res.arrayBuffer());
  }

  function cspPage(name) {
    const file = join(widgets, 'test', 'csp', name);
    if (!existsSync(file)) return undefined;
    return readFileSync(file, 'utf8')
      .replaceAll('__API_URL__', server.url)
      .replaceAll('__WRITE_KEY__', env.tokens.umbrellaWrite);
  }

  /** Koa middleware for the routes that are not files. */
  const middleware = async (ctx, next) => {
    if (ctx.path.startsWith('/proxy/')) return proxy(ctx);
    if (ctx.path.startsWith('/token/')) {
      const org = ctx.path.slice('/token/'.length);
      // Short-lived, as a host application would hand them out; the client refreshes before expiry.
      ctx.set('cache-control', 'no-store');
      ctx.type = 'json';
      ctx.body = JSON.stringify({
        token: await token({ org, sub: `${org}-viewer`, role: 'viewer', scope: READ, ttl: '120s' }),
        expires_in: 120,
      });
      return;
    }
    return next();
  };

  const plugin = {
    name: 'analytics-server',

    async serverStart() {
      await ensureBundles();
      const { startTestServer } = await import('@acme/analytics-server/testing');
      server = await startTestServer({
        seed: 'none',
        corsOrigins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
      });
      const events = fixtures();
      await seed(events);
      const tokens = {};
      for (const org of ORGS)
        tokens[org] = await token({ org, sub: `${org}-viewer`, role: 'viewer', scope: READ });
      tokens.umbrellaWrite = await token({ org: 'umbrella', sub: 'umbrella-browser', scope: 'events:write' });
      env = { apiUrl: server.url, tokens, fixtures: events, now: Date.now() };
    },

    async serverStop() {
      for (const release of held) release();
      await server?.close();
    },

    async serve(ctx) {
      if (ctx.path.startsWith('/csp/')) {
        const body = cspPage(ctx.path.slice(5));
        if (body === undefined) return undefined;
        ctx.set(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${server.url}`,
        );
        return { body, type: 'html' };
      }
      return undefined;
    },

    async executeCommand({ command, payload }) {
      switch (command) {
        case 'analytics-env':
          return env;
        case 'analytics-fault':
          faults.set(payload.scope, {
            status: payload.status,
            remaining: payload.count ?? 1,
            hold: payload.hold,
            match: payload.match,
          });
          return true;
        case 'analytics-release':
          for (const release of held) release();
          held.clear();
          return true;
        case 'analytics-requests':
          return requests.get(payload.scope) ?? [];
        case 'analytics-events': {
          const auth = `Bearer ${await token({ org: payload.org, scope: READ })}`;
          const query = new URLSearchParams(payload.query ?? {});
          const res = await fetch(`${server.url}/api/v1/events?${query}`, {
            headers: { authorization: auth },
          });
          return await res.json();
        }
        default:
          return undefined;
      }
    },
  };
  return { plugin, middleware };
}
