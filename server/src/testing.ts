/**
 * Test support for every package (`@acme/analytics-server/testing`, the one entry other packages' tests
 * may import): a real listening API server on a temporary SQLite file, the server as its own process, and
 * dev tokens. Browser suites use the web-test-runner plugin of `@acme/analytics-server/testing/wtr`.
 *
 * ```ts
 * import { startTestServer } from '@acme/analytics-server/testing';
 * const server = await startTestServer({ seed: 'sample' });
 * const token = await server.token({ org: 'org_acme', scope: 'events:read metrics:read' });
 * await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
 * await server.close();
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET, SCOPES, signToken } from './tokens.js';

export { buildApp } from './app.js';
export type { Config } from './config.js';
export { loadConfig } from './config.js';
export {
  type ProcessExit,
  type ServerProcess,
  type ServerProcessOptions,
  spawnServerProcess,
} from './testing/process.js';
export { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET, JWT_AUDIENCE } from './tokens.js';

export interface TokenClaims {
  org: string;
  sub?: string;
  role?: string;
  /** Space-separated scopes; default `events:write events:read metrics:read`. */
  scope?: string;
  /** jose duration, e.g. `1h`, `30s`, `-1m` (already expired); default `1h`. */
  ttl?: string;
}

export interface TestServerOptions {
  /** Default: a fresh SQLite file in a temporary directory, removed on close. */
  databaseUrl?: string;
  /** `sample` loads `sample_data/` (shifted so the newest event is now); default `none`. */
  seed?: 'sample' | 'none';
  /** Default 0 (any free port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `['*']`. */
  corsOrigins?: string[];
  /** Default: the server's default (6000 requests per minute per org); `false` disables limiting. */
  rateLimit?: false | { max: number; timeWindowMs: number };
  /** Fastify log level; default `silent` (or `ANALYTICS_TEST_LOG_LEVEL`). */
  logLevel?: string;
  /** Where `/sdk/analytics.js` is read from (`ANALYTICS_SDK_DIR`); default none (`/sdk/*` answers 404). */
  sdkDir?: string;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  app: FastifyInstance;
  databaseUrl: string;
  /** A token this server accepts. */
  token(claims: TokenClaims): Promise<string>;
  /** Stop the server, close the database, remove the temporary directory. */
  close(): Promise<void>;
}

/** Mint a dev token (HS256) exactly like `npm run token`, for a server using the given or default secret. */
export function mintToken(claims: TokenClaims & { secret?: string; issuer?: string }): Promise<string> {
  return signToken({
    org: claims.org,
    sub: claims.sub,
    role: claims.role,
    scope: claims.scope ?? SCOPES.join(' '),
    ttl: claims.ttl,
    secret: claims.secret ?? process.env.ANALYTICS_JWT_SECRET ?? DEV_JWT_SECRET,
    issuer: claims.issuer ?? process.env.ANALYTICS_JWT_ISSUER ?? DEFAULT_JWT_ISSUER,
  });
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = opts.databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'analytics-server-'));
  const databaseUrl = opts.databaseUrl ?? `sqlite:${join(dir!, 'analytics.db')}`;
  // Built from a clean environment so a developer's shell variables never change test behaviour.
  const config = loadConfig({ NODE_ENV: 'test' }, { databaseUrl, seed: opts.seed ?? 'none' });
  config.corsOrigins = opts.corsOrigins ?? ['*'];
  config.host = opts.host ?? '127.0.0.1';
  config.port = opts.port ?? 0;
  if (opts.rateLimit !== undefined) config.rateLimit = opts.rateLimit;
  config.logLevel = opts.logLevel ?? process.env.ANALYTICS_TEST_LOG_LEVEL ?? 'silent';
  if (opts.sdkDir !== undefined) config.sdkDir = opts.sdkDir;
  // Suites read the request counters (`/metrics`) of their own server, which nobody else can reach.
  config.metrics.open = true;

  const app = await buildApp({ config });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    app,
    databaseUrl,
    token: (claims) =>
      signToken({
        org: claims.org,
        sub: claims.sub,
        role: claims.role,
        scope: claims.scope ?? SCOPES.join(' '),
        ttl: claims.ttl,
        secret: config.jwtSecret,
        issuer: config.jwtIssuer,
      }),
    close: async () => {
      await app.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
