// The browser suite's Node side: runs the real API server (the server package's test entry) on a SQLite
// file that outlives restarts, and gives the page what it cannot do itself, as web-test-runner server
// commands:
//
// - `api-org`: a fresh org and an ingest token (`events:write`) for it, plus the API's URL;
// - `api-stop` / `api-start`: stop the server (connections refused, as when it is down) and start it
//   again on the same port and database;
// - `api-events`: every stored event of an org, read straight from the API;
// - `proxy-hold`: the next `count` ingest requests through `/proxy/` reach the server at once, but their
//   answers are held back `ms` (a response lost to the client, which gives up first); with `before`, the
//   requests themselves are held (the server answers after the client gave up and already retried);
// - `proxy-log`: what went through `/proxy/`: idempotency key, event ids, status, replayed or not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

export function apiServer() {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-browser-'));
  const databaseUrl = `sqlite:${join(dir, 'analytics.db')}`;
  let server;
  let port = 0;
  let orgs = 0;
  let hold = { ms: 0, count: 0, before: false };
  const log = [];

  async function start() {
    const { startTestServer } = await import('@acme/analytics-server/testing');
    server = await startTestServer({ databaseUrl, port, rateLimit: false });
    port = Number(new URL(server.url).port);
  }

  async function stop() {
    const s = server;
    server = undefined;
    await s?.close();
  }

  async function events(org) {
    const auth = `Bearer ${await server.token({ org, scope: 'events:read' })}`;
    const out = [];
    let cursor;
    do {
      const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
      const res = await fetch(`${server.url}/api/v1/events?${query}`, { headers: { authorization: auth } });
      if (!res.ok) throw new Error(`reading events: ${res.status} ${await res.text()}`);
      const page = await res.json();
      out.push(
        ...page.data.map((e) => ({
          event_id: e.event_id,
          event_type: e.event_type,
          properties: e.properties,
        })),
      );
      cursor = page.has_more ? page.next_cursor : undefined;
    } while (cursor);
    return out;
  }

  /** Koa middleware: `/proxy/...` passes through to the API, logging and holding answers as told. */
  async function middleware(ctx, next) {
    if (!ctx.path.startsWith('/proxy/')) return next();
    const path = ctx.path.slice('/proxy'.length) + (ctx.querystring ? `?${ctx.querystring}` : '');
    const body = ['GET', 'HEAD', 'OPTIONS'].includes(ctx.method) ? undefined : await readBody(ctx.req);
    const headers = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'accept']) {
      if (ctx.get(name)) headers[name] = ctx.get(name);
    }
    if (!server) {
      // Down: drop the connection, as a stopped server would.
      ctx.req.socket.destroy();
      return;
    }
    const held = ctx.method === 'POST' && hold.count > 0;
    if (held) hold.count--;
    const wait = () => new Promise((resolve) => setTimeout(resolve, hold.ms));
    if (held && hold.before) await wait();
    const res = await fetch(server.url + path, { method: ctx.method, headers, body });
    const answer = Buffer.from(await res.arrayBuffer());
    if (ctx.method === 'POST') {
      log.push({
        key: ctx.get('idempotency-key'),
        ids: JSON.parse(body.toString()).events.map((e) => e.event_id),
        status: res.status,
        replayed: res.headers.get('idempotent-replayed') === 'true',
        held,
      });
      if (held && !hold.before) await wait();
    }
    ctx.status = res.status;
    for (const name of ['content-type', 'x-request-id', 'retry-after', 'idempotent-replayed']) {
      const value = res.headers.get(name);
      if (value) ctx.set(name, value);
    }
    ctx.body = answer;
  }

  const plugin = {
    name: 'sdk-api-server',
    serverStart: start,
    async serverStop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async executeCommand({ command, payload }) {
      switch (command) {
        case 'api-org': {
          const org = `org_browser_${++orgs}_${Date.now()}`;
          const token = await server.token({ org, scope: 'events:write' });
          return { org, token, url: server.url };
        }
        case 'api-stop':
          await stop();
          return true;
        case 'api-start':
          if (!server) await start();
          return server.url;
        case 'api-events':
          return events(payload.org);
        case 'proxy-hold':
          hold = { ms: payload.ms, count: payload.count ?? 1, before: !!payload.before };
          return true;
        case 'proxy-log':
          return log.splice(0);
        default:
          return undefined;
      }
    },
  };
  return { plugin, middleware };
}
