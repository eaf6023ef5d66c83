/**
 * `@acme/analytics-server/testing/wtr`: the one web-test-runner plugin for every browser suite that runs
 * against the real API. It starts the server (in this process, or as its own process that a test may kill
 * with SIGKILL), ingests the suite's events over HTTP, mints the tokens the page needs, and gives the page
 * what it cannot do itself, as server commands (`executeServerCommand` from `@web/test-runner-commands`):
 *
 * - `analytics-env`: `{ apiUrl, tokens, ...env }`, the tokens minted at start and the suite's own data;
 * - `analytics-org` (`{ prefix?, scope? }`): a fresh org, a token for it (`events:write` by default), the URL;
 * - `analytics-key` (`{ org, origins }`): a publishable key (`pk_…`) of the org for those origins, made
 *   through `POST /api/v1/keys` with an admin token: `{ id, key }`;
 * - `analytics-events` (`{ org, query?, all? }`): `{ data }`, an org's events read through the API (one page
 *   for `query`, or every page with `all`);
 * - `analytics-stop` / `analytics-start`: graceful stop (connections refused, as when it is down), and start
 *   again on the same port and database;
 * - `analytics-kill`: SIGKILL the server process (`process: true` only); `{ code, signal }`;
 * - `analytics-backup` (`{ org }`): copy the live SQLite file with the online backup API, check the copy
 *   (integrity, rollups, idempotency records) and read the org's event ids from it through the API;
 * - `analytics-fault` (`{ scope, status?, count?, match?, hold?, delayMs?, delayAnswerMs? }`): the next
 *   `count` requests through a proxy scope wait for `analytics-release` (`hold`) or `delayMs`, get their
 *   answer from the API and keep it `delayAnswerMs`, or answer `status` instead of reaching the API;
 * - `analytics-release`: let held requests go; `analytics-requests` (`{ scope }`): what went through a scope.
 *
 * And, through `plugin.middleware` (add it to the configuration's `middleware`): `/proxy/<scope>/...`, a
 * same-origin pass-through to the API that logs and injects those faults, and `/token/<org>`, a host
 * application's token endpoint (with `tokenEndpoint`).
 *
 * ```js
 * import { analyticsServerPlugin } from '@acme/analytics-server/testing/wtr';
 * const analytics = analyticsServerPlugin({ process: true, rateLimit: false });
 * export default { middleware: [analytics.middleware], plugins: [analytics], ... };
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TokenClaims } from '../testing.js';
import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET, SCOPES, signToken } from '../tokens.js';
import { type ProcessExit, spawnServerProcess } from './process.js';
import { backupSqlite, checkSqliteCopy, type SqliteCopyCheck } from './sqlite-backup.js';

/** An event to ingest at start, with the org it belongs to. */
/** What the `analytics-backup` command answers: a copy of the live database and what was found in it. */
export interface SqliteBackup extends SqliteCopyCheck {
  /** Steps the online backup took (more than one: it ran while writes went on). */
  steps: number;
  /** The org's event ids in the copy, read through the API. */
  orgIds: string[];
}

export interface SeedEvent {
  org_id: string;
  event_id?: string;
  event_type: string;
  [field: string]: unknown;
}

export interface AnalyticsServerPluginOptions {
  /**
   * Run the API as its own process (`spawnServerProcess`), so `analytics-kill` can SIGKILL it; default: in
   * this process (`startTestServer`), which starts faster.
   */
  process?: boolean;
  /** `sample` loads the sample data; default `none`. */
  seed?: 'sample' | 'none';
  /** Events to ingest over HTTP at start (the seeder's token per org), as a host's backend would. */
  events?: SeedEvent[] | (() => SeedEvent[]);
  /** Tokens minted at start and handed to the page by `analytics-env`, by name. */
  tokens?: Record<string, TokenClaims>;
  /** More data for `analytics-env` (the suite's fixtures...); a function gets the ingested events. */
  env?: Record<string, unknown> | ((events: SeedEvent[]) => Record<string, unknown>);
  /** Default `['*']`. */
  corsOrigins?: string[];
  /** Default: the server's default (6000 requests per minute per org); `false` disables limiting. */
  rateLimit?: false | { max: number; timeWindowMs: number };
  /** `ANALYTICS_SDK_DIR`, the script-tag build served under `/sdk/`; default none. */
  sdkDir?: string;
  /** Serve `/token/<org>`: a short-lived token with these claims, as `{ token, expires_in }`. */
  tokenEndpoint?: { scope: string; role?: string; ttlSeconds: number };
}

/** What `analytics-env` answers. */
export interface PageEnv {
  apiUrl: string;
  tokens: Record<string, string>;
  [field: string]: unknown;
}

/** One request through `/proxy/<scope>/`: logged as it arrives, completed when answered. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** The `Idempotency-Key` header, if any. */
  key?: string;
  /** The event ids of a JSON body with `events`. */
  ids?: string[];
  /** The answer's status (the API's or an injected one); absent until answered. */
  status?: number;
  /** Whether the API answered with `Idempotent-Replayed: true`. */
  replayed?: boolean;
  /** Whether a fault applied to it. */
  faulted: boolean;
}

interface Fault {
  remaining: number;
  status?: number;
  match?: string;
  hold?: boolean;
  delayMs?: number;
  delayAnswerMs?: number;
}

/** The subset of Koa's context the middleware uses (web-test-runner's dev server is Koa). */
export interface KoaLikeContext {
  path: string;
  querystring: string;
  method: string;
  status: number;
  body: unknown;
  type: string;
  get(name: string): string;
  set(name: string, value: string): void;
  req: AsyncIterable<Buffer> & { socket: { destroy(): void } };
}

export interface AnalyticsServerPlugin {
  name: string;
  serverStart(): Promise<void>;
  serverStop(): Promise<void>;
  executeCommand(args: { command: string; payload?: unknown }): Promise<unknown>;
  /** Koa middleware for `/proxy/<scope>/...` and `/token/<org>`; add it to the configuration's `middleware`. */
  middleware(ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<unknown>;
  /** What `analytics-env` answers (once the server has started). */
  env(): PageEnv;
}

interface Running {
  url: string;
  token(claims: TokenClaims): Promise<string>;
  stop(): Promise<unknown>;
  kill?(): Promise<ProcessExit>;
}

const FORWARDED_REQUEST = ['authorization', 'content-type', 'idempotency-key', 'accept'];
const FORWARDED_RESPONSE = [
  'content-type',
  'www-authenticate',
  'x-request-id',
  'retry-after',
  'idempotent-replayed',
];
const READ = 'events:read metrics:read';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

function eventIds(body: Buffer | undefined): string[] | undefined {
  try {
    const parsed = JSON.parse(body?.toString() ?? '') as { events?: { event_id?: string }[] };
    return parsed.events?.map((e) => String(e.event_id));
  } catch {
    return undefined;
  }
}

export function analyticsServerPlugin(options: AnalyticsServerPluginOptions = {}): AnalyticsServerPlugin {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-wtr-'));
  const dbPath = join(dir, 'analytics.db');
  const databaseUrl = `sqlite:${dbPath}`;
  const corsOrigins = options.corsOrigins ?? ['*'];
  let running: Running | undefined;
  let starting: Promise<Running> | undefined;
  let port = 0;
  let env: PageEnv | undefined;
  let orgs = 0;
  let backups = 0;
  const faults = new Map<string, Fault>();
  const requests = new Map<string, ProxiedRequest[]>();
  const held = new Set<() => void>();

  async function inProcess(): Promise<Running> {
    const server = await startTestServer({
      databaseUrl,
      port,
      seed: options.seed ?? 'none',
      corsOrigins,
      ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
      ...(options.sdkDir !== undefined && { sdkDir: options.sdkDir }),
    });
    return { url: server.url, token: server.token, stop: server.close };
  }

  async function ownProcess(): Promise<Running> {
    const child = await spawnServerProcess({
      databaseUrl,
      port,
      seed: options.seed ?? 'none',
      corsOrigins,
      ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
      ...(options.sdkDir !== undefined && { sdkDir: options.sdkDir }),
    });
    return {
      url: child.url,
      // The process runs in a clean environment: the development secret and issuer.
      token: (claims) =>
        signToken({
          ...claims,
          scope: claims.scope ?? SCOPES.join(' '),
          secret: DEV_JWT_SECRET,
          issuer: DEFAULT_JWT_ISSUER,
        }),
      stop: child.stop,
      kill: child.kill,
    };
  }

  /** Starts the server unless it runs; after the first start, always on the same port and file. */
  async function start(): Promise<Running> {
    if (running) return running;
    starting ??= (options.process ? ownProcess() : inProcess()).then(
      (r) => {
        running = r;
        port = Number(new URL(r.url).port);
        return r;
      },
      (err: unknown) => {
        starting = undefined;
        throw err;
      },
    );
    const r = await starting;
    starting = undefined;
    return r;
  }

  function api(): Running {
    if (!running) throw new Error('the API server is stopped (analytics-start starts it again)');
    return running;
  }

  async function stop(how: 'stop' | 'kill'): Promise<ProcessExit | true | null> {
    const r = running;
    if (!r) return null;
    running = undefined;
    if (how === 'kill') return r.kill!();
    await r.stop();
    return true;
  }

  async function ingest(events: SeedEvent[]): Promise<void> {
    const byOrg = new Map<string, SeedEvent[]>();
    for (const e of events) byOrg.set(e.org_id, [...(byOrg.get(e.org_id) ?? []), e]);
    for (const [org, mine] of byOrg) {
      const auth = `Bearer ${await api().token({ org, sub: 'seeder', scope: 'events:write' })}`;
      for (let i = 0; i < mine.length; i += 100) {
        const res = await fetch(`${api().url}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ events: mine.slice(i, i + 100) }),
        });
        if (res.status !== 202) throw new Error(`seeding ${org} failed: ${res.status} ${await res.text()}`);
      }
    }
  }

  /** An org's events through the API: the page `query` asks for, or with `all` every page. */
  async function events(org: string, query: Record<string, string> = {}, all = false) {
    const auth = `Bearer ${await api().token({ org, scope: READ })}`;
    const data: unknown[] = [];
    let cursor: string | undefined;
    do {
      const params = new URLSearchParams({
        ...(all && { limit: '1000' }),
        ...query,
        ...(cursor && { cursor }),
      });
      const res = await fetch(`${api().url}/api/v1/events?${params}`, { headers: { authorization: auth } });
      if (!res.ok) throw new Error(`reading events: ${res.status} ${await res.text()}`);
      const page = (await res.json()) as { data: unknown[]; has_more?: boolean; next_cursor?: string | null };
      if (!all) return page;
      data.push(...page.data);
      cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
    } while (cursor);
    return { data };
  }

  async function backup(org: string): Promise<SqliteBackup> {
    const target = join(dir, `backup-${++backups}.db`);
    const { steps } = await backupSqlite(dbPath, target);
    const check = checkSqliteCopy(target);
    // What the copy holds of the org, read the way clients read: through the API, served from the copy.
    const copy = await startTestServer({ databaseUrl: `sqlite:${target}` });
    try {
      const auth = `Bearer ${await copy.token({ org, scope: 'events:read' })}`;
      const orgIds: string[] = [];
      let cursor: string | undefined;
      do {
        const params = new URLSearchParams({ limit: '1000', ...(cursor && { cursor }) });
        const res = await fetch(`${copy.url}/api/v1/events?${params}`, { headers: { authorization: auth } });
        if (!res.ok) throw new Error(`reading the copy: ${res.status} ${await res.text()}`);
        const page = (await res.json()) as {
          data: { event_id: string }[];
          has_more: boolean;
          next_cursor: string | null;
        };
        orgIds.push(...page.data.map((e) => e.event_id));
        cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
      } while (cursor);
      return { steps, ...check, orgIds };
    } finally {
      await copy.close();
    }
  }

  async function proxy(ctx: KoaLikeContext): Promise<void> {
    const [, , scope = '', ...rest] = ctx.path.split('/');
    const target = `/${rest.join('/')}${ctx.querystring ? `?${ctx.querystring}` : ''}`;
    const body = ['GET', 'HEAD', 'OPTIONS'].includes(ctx.method) ? undefined : await readBody(ctx.req);
    const entry: ProxiedRequest = { method: ctx.method, path: target, faulted: false };
    if (ctx.get('idempotency-key')) entry.key = ctx.get('idempotency-key');
    const ids = ctx.method === 'POST' ? eventIds(body) : undefined;
    if (ids) entry.ids = ids;
    const log = requests.get(scope) ?? [];
    log.push(entry);
    requests.set(scope, log);

    const fault = faults.get(scope);
    const applies = !!fault && fault.remaining > 0 && (!fault.match || target.includes(fault.match));
    if (applies) {
      fault.remaining--;
      entry.faulted = true;
      if (fault.hold) await new Promise<void>((resolve) => held.add(resolve));
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.status) {
        entry.status = fault.status;
        ctx.status = fault.status;
        ctx.set('content-type', 'application/problem+json');
        ctx.set('access-control-allow-origin', '*');
        ctx.body = JSON.stringify({
          type: 'about:blank',
          title: 'Injected failure',
          status: fault.status,
          detail: 'Injected by the test proxy.',
        });
        return;
      }
    }
    if (!running) {
      // Down: drop the connection, as a stopped server would.
      ctx.req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) if (ctx.get(name)) headers[name] = ctx.get(name);
    // A copy as a plain Uint8Array: a BodyInit under both the DOM and the Node typings.
    const res = await fetch(`${running.url}${target}`, {
      method: ctx.method,
      headers,
      body: body && new Uint8Array(body),
    });
    const answer = Buffer.from(await res.arrayBuffer());
    entry.status = res.status;
    entry.replayed = res.headers.get('idempotent-replayed') === 'true';
    // The API has answered (and stored); the client hears of it only later, or gives up first.
    if (applies && fault.delayAnswerMs) await sleep(fault.delayAnswerMs);
    ctx.status = res.status;
    for (const name of FORWARDED_RESPONSE) {
      const value = res.headers.get(name);
      if (value) ctx.set(name, value);
    }
    ctx.body = answer;
  }

  const plugin: AnalyticsServerPlugin = {
    name: 'analytics-server',

    async serverStart() {
      await start();
      const seeded = typeof options.events === 'function' ? options.events() : (options.events ?? []);
      await ingest(seeded);
      const tokens: Record<string, string> = {};
      for (const [name, claims] of Object.entries(options.tokens ?? {}))
        tokens[name] = await api().token(claims);
      const extra = typeof options.env === 'function' ? options.env(seeded) : options.env;
      env = { ...extra, apiUrl: api().url, tokens };
    },

    async serverStop() {
      for (const release of held) release();
      await stop('stop');
      rmSync(dir, { recursive: true, force: true });
    },

    async executeCommand({ command, payload }) {
      const p = (payload ?? {}) as Record<string, unknown>;
      switch (command) {
        case 'analytics-env':
          return plugin.env();
        case 'analytics-org': {
          const org = `${(p.prefix as string | undefined) ?? 'org_test'}_${++orgs}_${Date.now()}`;
          const scope = (p.scope as string | undefined) ?? 'events:write';
          return { org, token: await (await start()).token({ org, scope }), url: api().url };
        }
        case 'analytics-key': {
          const running = await start();
          const admin = await running.token({ org: p.org as string, role: 'admin', scope: 'keys:write' });
          const res = await fetch(`${running.url}/api/v1/keys`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'browser test', allowed_origins: p.origins ?? [] }),
          });
          if (res.status !== 201) throw new Error(`making a key failed: ${res.status} ${await res.text()}`);
          const { id, key } = (await res.json()) as { id: string; key: string };
          return { id, key };
        }
        case 'analytics-events':
          return events(p.org as string, p.query as Record<string, string> | undefined, p.all === true);
        case 'analytics-stop':
          return stop('stop');
        case 'analytics-kill':
          if (!options.process) throw new Error('analytics-kill needs the plugin option `process: true`');
          return stop('kill');
        case 'analytics-start':
          return (await start()).url;
        case 'analytics-backup':
          return backup(p.org as string);
        case 'analytics-fault': {
          const { scope, count, ...rest } = p as { scope: string; count?: number } & Omit<Fault, 'remaining'>;
          faults.set(scope, { ...rest, remaining: count ?? 1 });
          return true;
        }
        case 'analytics-release':
          for (const release of held) release();
          held.clear();
          return true;
        case 'analytics-requests':
          return requests.get(p.scope as string) ?? [];
        default:
          return undefined;
      }
    },

    async middleware(ctx, next) {
      if (ctx.path.startsWith('/proxy/')) return proxy(ctx);
      const endpoint = options.tokenEndpoint;
      if (endpoint && ctx.path.startsWith('/token/')) {
        const org = decodeURIComponent(ctx.path.slice('/token/'.length));
        const role = endpoint.role ?? 'viewer';
        const claims = {
          org,
          sub: `${org}-${role}`,
          role,
          scope: endpoint.scope,
          ttl: `${endpoint.ttlSeconds}s`,
        };
        // Short-lived and never cached, as a host application hands them out.
        ctx.set('cache-control', 'no-store');
        ctx.type = 'json';
        ctx.body = JSON.stringify({ token: await api().token(claims), expires_in: endpoint.ttlSeconds });
        return;
      }
      return next();
    },

    env() {
      if (!env) throw new Error('the analytics server plugin has not started');
      return env;
    },
  };
  return plugin;
}
