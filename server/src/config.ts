import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { DAY_MS, type TimestampWindow } from './lib/time.js';
import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET } from './tokens.js';

/**
 * Configuration from the environment (the contract's table, plus a few operational knobs). Parsed once at
 * start; a bad value stops the process with a message instead of misbehaving later.
 */

// Defined with the token signing, which bundles without the rest of the server.
export { DEV_JWT_SECRET, JWT_AUDIENCE } from './tokens.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  jwtSecret: string;
  jwtIssuer: string;
  jwksUrl: string | undefined;
  /** `['*']` allows any origin. */
  corsOrigins: string[];
  seed: 'sample' | 'none';
  /** Directory with the five sample files. */
  sampleDir: string;
  /**
   * Directory with the built script-tag bundle served under `/sdk/` (`ANALYTICS_SDK_DIR`). No default: where
   * another package builds is for whoever starts the server to say; unset, `/sdk/*` answers a 404 problem.
   */
  sdkDir: string | undefined;
  /**
   * Requests per window for each bucket: an org's ingest, its other API requests, each publishable key,
   * each client address without a valid token. `false` disables limiting.
   */
  rateLimit: false | { max: number; timeWindowMs: number };
  /**
   * Which `X-Forwarded-For` hops to believe for the client address (`ANALYTICS_TRUST_PROXY`): `false` (the
   * socket's peer is the client), a number of proxy hops, or the addresses/CIDRs of the ingress proxies.
   */
  trustProxy: false | number | string[];
  /**
   * How far an ingested event's `timestamp` may lie before and after the time the server received it
   * (`ANALYTICS_TIMESTAMP_PAST_DAYS`, default 400; `ANALYTICS_TIMESTAMP_FUTURE_DAYS`, default 1).
   */
  timestampWindow: TimestampWindow;
  /** The longest token lifetime (`exp - iat`) accepted, in seconds (`ANALYTICS_MAX_TOKEN_TTL`, default 24h). */
  maxTokenTtlSeconds: number;
  /** Prometheus's `/metrics` (it tells how much each org sends, so it is not public by default). */
  metrics: {
    /** `ANALYTICS_METRICS_TOKEN`: serve `/metrics` on the API port to this bearer token only. */
    token: string | undefined;
    /** `ANALYTICS_METRICS_PORT`: serve `/metrics` on this port (on `HOST`) without a token. */
    port: number | undefined;
    /** `ANALYTICS_METRICS_ORG_LABELS`: count ingested events per org (`org_id` labels), not only in total. */
    orgLabels: boolean;
    /** `/metrics` on the API port without a token: test servers only (`startTestServer`), never from the environment. */
    open: boolean;
  };
  /** Keep completed idempotency records this long (at least 24 h). */
  idempotencyTtlMs: number;
  /** Secret for cursor HMACs; defaults to one derived from the JWT secret. */
  cursorSecret: string;
  logLevel: string;
  production: boolean;
  /** `process`: a 202 survives the process being killed; `power`: also power loss (fsync per commit). */
  durability: 'process' | 'power';
  /**
   * Apply the store's migrations at start (`ANALYTICS_MIGRATE_ON_START`, default true). Deployments whose
   * API connects as a role without DDL rights set it to false and run `migrate` (server/src/cli/migrate.ts)
   * as the owner role in a job before the new revision starts.
   */
  migrateOnStart: boolean;
  /**
   * The query budget of every read (`ANALYTICS_QUERY_TIMEOUT_MS`, default 10,000): past it the query is
   * cancelled in the database and answered 503 `query_timeout`.
   */
  queryTimeoutMs: number;
  /** Insight and export queries one org may run at once (`ANALYTICS_QUERY_CONCURRENCY_PER_ORG`, default 2). */
  queryConcurrencyPerOrg: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be "true" or "false" (got "${raw}")`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: Partial<Config> = {}): Config {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = env.ANALYTICS_JWT_SECRET || defaults.jwtSecret || DEV_JWT_SECRET;
  if (production && jwtSecret === DEV_JWT_SECRET) {
    throw new ConfigError(
      'NODE_ENV=production refuses the default ANALYTICS_JWT_SECRET: set your own secret',
    );
  }
  if (production && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('ANALYTICS_JWT_SECRET must be at least 32 bytes in production (HS256 key)');
  }
  const seed = env.ANALYTICS_SEED ?? defaults.seed ?? 'none';
  if (seed !== 'sample' && seed !== 'none') {
    throw new ConfigError(`ANALYTICS_SEED must be "sample" or "none" (got "${seed}")`);
  }
  const durability = env.ANALYTICS_DURABILITY ?? 'process';
  if (durability !== 'process' && durability !== 'power') {
    throw new ConfigError(`ANALYTICS_DURABILITY must be "process" or "power" (got "${durability}")`);
  }
  const perMinute = int(env, 'ANALYTICS_RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000);
  const ttlHours = int(env, 'ANALYTICS_IDEMPOTENCY_TTL_HOURS', 24, 24, 24 * 365);
  const origins = (env.ANALYTICS_CORS_ORIGINS ?? 'http://localhost:3000')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    port: int(env, 'PORT', defaults.port ?? 8787, 0, 65535),
    host: env.HOST || defaults.host || '127.0.0.1',
    databaseUrl: resolveSqlitePath(
      env.DATABASE_URL || defaults.databaseUrl || 'sqlite:./data/analytics.db',
      env,
    ),
    jwtSecret,
    jwtIssuer: env.ANALYTICS_JWT_ISSUER || DEFAULT_JWT_ISSUER,
    jwksUrl: env.ANALYTICS_JWKS_URL || undefined,
    corsOrigins: origins.includes('*') ? ['*'] : origins,
    seed,
    sampleDir:
      env.ANALYTICS_SAMPLE_DIR ||
      defaults.sampleDir ||
      new URL('../../sample_data/', import.meta.url).pathname,
    sdkDir: sdkDir(env.ANALYTICS_SDK_DIR || defaults.sdkDir, env),
    rateLimit: perMinute === 0 ? false : { max: perMinute, timeWindowMs: 60_000 },
    idempotencyTtlMs: ttlHours * 3_600_000,
    cursorSecret:
      env.ANALYTICS_CURSOR_SECRET ||
      createHmac('sha256', jwtSecret).update('analytics cursor key').digest('hex'),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    production,
    durability,
    migrateOnStart: bool(env, 'ANALYTICS_MIGRATE_ON_START', true),
    trustProxy: trustProxy(env.ANALYTICS_TRUST_PROXY),
    timestampWindow: {
      pastMs: int(env, 'ANALYTICS_TIMESTAMP_PAST_DAYS', 400, 1, 36_500) * DAY_MS,
      futureMs: int(env, 'ANALYTICS_TIMESTAMP_FUTURE_DAYS', 1, 0, 3650) * DAY_MS,
    },
    maxTokenTtlSeconds: seconds(env, 'ANALYTICS_MAX_TOKEN_TTL', 86_400),
    queryTimeoutMs: int(env, 'ANALYTICS_QUERY_TIMEOUT_MS', 10_000, 1, 600_000),
    queryConcurrencyPerOrg: int(env, 'ANALYTICS_QUERY_CONCURRENCY_PER_ORG', 2, 1, 100),
    metrics: {
      token: metricsToken(env.ANALYTICS_METRICS_TOKEN),
      port: env.ANALYTICS_METRICS_PORT ? int(env, 'ANALYTICS_METRICS_PORT', 0, 0, 65535) : undefined,
      orgLabels: bool(env, 'ANALYTICS_METRICS_ORG_LABELS', false),
      open: false,
    },
  };
}

/** A scrape token as long as a password should be: it guards every org's traffic figures. */
function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new ConfigError('ANALYTICS_METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  return raw;
}

/** A duration: seconds, or a number with `s`, `m`, `h` or `d` (`90s`, `15m`, `24h`, `7d`). */
function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw);
  const n = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's'] : 0;
  if (!m || n < 1 || n > 366 * 86_400) {
    throw new ConfigError(
      `${name} must be a duration such as 3600, 15m, 24h or 7d, up to 366d (got "${raw}")`,
    );
  }
  return n;
}

/**
 * `ANALYTICS_TRUST_PROXY`: unset or `false` trusts no proxy; `N` trusts the N hops nearest the server; a
 * comma-separated list of addresses or CIDRs trusts those proxies only. `true` (every hop) is refused: any
 * client could then choose its own address, and with it its rate-limit bucket.
 */
function trustProxy(raw: string | undefined): false | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError(`ANALYTICS_TRUST_PROXY must be 0–10 hops (got "${raw}")`);
    return hops;
  }
  const list = value.split(',').map((v) => v.trim());
  for (const entry of list) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? 0 : Number(prefix);
    if (
      family === 0 ||
      rest.length > 0 ||
      (prefix !== undefined && (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)))
    ) {
      throw new ConfigError(
        `ANALYTICS_TRUST_PROXY must be a hop count or a comma-separated list of addresses or CIDRs of ` +
          `the ingress proxies (got "${raw}")`,
      );
    }
  }
  return list;
}

/**
 * A relative `sqlite:` path is taken from where the command was typed (npm runs workspace scripts inside the
 * workspace, but `npm run server` at the root should create `./data/` at the root).
 */
function resolveSqlitePath(url: string, env: NodeJS.ProcessEnv): string {
  if (!url.startsWith('sqlite:')) return url;
  const path = url.slice('sqlite:'.length);
  if (path === ':memory:' || path === '' || path.startsWith('//') || isAbsolute(path)) return url;
  return `sqlite:${resolve(env.INIT_CWD || process.cwd(), path)}`;
}

/** Relative to where the command was typed, like a relative `sqlite:` path. */
function sdkDir(dir: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return dir ? resolve(env.INIT_CWD || process.cwd(), dir) : undefined;
}
