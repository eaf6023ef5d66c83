/**
 * Shared test setup. Contract suites run once per store: SQLite always, PostgreSQL when
 * `ANALYTICS_TEST_PG_URL` is set and the PostgreSQL store module exists. A PostgreSQL store module may export
 * `testDatabaseUrl(baseUrl)` to hand each suite an isolated database or schema; without it the base URL is
 * used as is (each suite then uses its own org ids, so suites never see each other's rows).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { SCOPES, signToken } from '../src/lib/auth.js';
import { ApiError, type ErrorCode } from '../src/lib/errors.js';
import { openStore } from '../src/store/index.js';
import type { EventStore } from '../src/store/types.js';

export interface StoreCase {
  name: 'sqlite' | 'postgres';
  /** A database URL for one suite, and how to dispose of it. */
  provision(): Promise<{ url: string; dispose(): Promise<void> }>;
}

const sqliteCase: StoreCase = {
  name: 'sqlite',
  async provision() {
    const dir = mkdtempSync(join(tmpdir(), 'analytics-test-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const pgModule = new URL('../src/store/postgres/index.ts', import.meta.url);

function postgresCase(baseUrl: string): StoreCase {
  return {
    name: 'postgres',
    async provision() {
      const mod = (await import(pgModule.href)) as {
        testDatabaseUrl?: (base: string) => Promise<string | { url: string; dispose(): Promise<void> }>;
      };
      const made = mod.testDatabaseUrl ? await mod.testDatabaseUrl(baseUrl) : baseUrl;
      return typeof made === 'string' ? { url: made, dispose: async () => {} } : made;
    },
  };
}

export const stores: StoreCase[] = [sqliteCase];
const pgUrl = process.env.ANALYTICS_TEST_PG_URL;
if (pgUrl && existsSync(pgModule)) stores.push(postgresCase(pgUrl));

export interface TestApp {
  app: FastifyInstance;
  store: EventStore;
  /** The suite's database, for a second store or app on the same data. */
  databaseUrl: string;
  token(claims: { org: string; sub?: string; role?: string; scope?: string; ttl?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A migrated store on a fresh database of `storeCase`; `close()` closes it and disposes of the database. */
export async function openTestStore(
  storeCase: StoreCase,
): Promise<{ store: EventStore; close(): Promise<void> }> {
  const db = await storeCase.provision();
  const store = await openStore(db.url);
  return {
    store,
    close: async () => {
      await store.close();
      await db.dispose();
    },
  };
}

/**
 * Configuration for suites that ingest events at fixed dates in the past (time zone and calendar cases of
 * 2024): ingest normally takes timestamps from at most 400 days before the time it receives them.
 */
export const HISTORIC_TIMESTAMPS = { ANALYTICS_TIMESTAMP_PAST_DAYS: '36500' } as const;

/** Unique org ids per suite, so suites sharing a PostgreSQL database never see each other's rows. */
export function orgId(label: string): string {
  return `org_${label}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * An app on a real store (the caller may wrap the store, e.g. to hold a request in flight), driven by
 * `app.inject` or, after `app.listen`, over real HTTP.
 */
export async function createTestApp(
  storeCase: StoreCase,
  opts: {
    wrap?: (store: EventStore) => EventStore;
    rateLimit?: false | { max: number; timeWindowMs: number };
    seed?: 'sample' | 'none';
    /** Extra environment for the configuration (e.g. `ANALYTICS_JWKS_URL`). */
    env?: Record<string, string>;
    /** Default `['*']`. */
    corsOrigins?: string[];
  } = {},
): Promise<TestApp> {
  const db = await storeCase.provision();
  const config = loadConfig(
    { NODE_ENV: 'test', ...opts.env },
    { databaseUrl: db.url, seed: opts.seed ?? 'none' },
  );
  config.corsOrigins = opts.corsOrigins ?? ['*'];
  config.rateLimit = opts.rateLimit ?? false;
  const real = await openStore(db.url);
  const store = opts.wrap ? opts.wrap(real) : real;
  const app = await buildApp({ config, store });
  await app.ready();
  return {
    app,
    store: real,
    databaseUrl: db.url,
    token: (c) =>
      signToken({
        ...c,
        scope: c.scope ?? SCOPES.join(' '),
        secret: config.jwtSecret,
        issuer: config.jwtIssuer,
      }),
    close: async () => {
      await app.close();
      await real.close();
      await db.dispose();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** `n` valid events with distinct ids, spread one second apart ending at `end`. */
export function makeEvents(
  n: number,
  opts: {
    end?: number;
    type?: string | ((i: number) => string);
    user?: (i: number) => string | undefined;
  } = {},
): { event_id: string; event_type: string; user_id?: string; timestamp: string; properties: object }[] {
  const end = opts.end ?? Date.now();
  return Array.from({ length: n }, (_, i) => {
    const user = opts.user ? opts.user(i) : `user_${i % 7}`;
    const type = typeof opts.type === 'function' ? opts.type(i) : (opts.type ?? 'page_view');
    return {
      event_id: crypto.randomUUID(),
      event_type: type,
      ...(user === undefined ? {} : { user_id: user }),
      timestamp: new Date(end - i * 1000).toISOString(),
      properties: { i },
    };
  });
}

/** Asserts that `promise` rejects with an `ApiError` of `code` (a domain module's answer to the client). */
export async function expectApiError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
}
