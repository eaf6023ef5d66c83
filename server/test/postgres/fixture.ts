/**
 * PostgreSQL-only suites. They run when `ANALYTICS_TEST_PG_URL` is set (`npm test` sets it after starting
 * the server from Debian's packages; under CI a missing database fails the run before vitest starts). Each
 * suite gets its own schema in the shared test database, dropped at the end, so suites run in parallel.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { SCOPES, signToken } from '../../src/lib/auth.js';
import { createStore, type PostgresEventStore, testDatabaseUrl } from '../../src/store/postgres/index.js';
import type { EventStore } from '../../src/store/types.js';

export const PG_URL = process.env.ANALYTICS_TEST_PG_URL ?? '';
export const skip = PG_URL === '';

export interface Schema {
  url: string;
  dispose(): Promise<void>;
}

export function freshSchema(): Promise<Schema> {
  return testDatabaseUrl(PG_URL);
}

export async function openPg(
  url: string,
  options?: { idempotencyLeaseMs?: number },
): Promise<PostgresEventStore> {
  const store = (await createStore(url, options)) as PostgresEventStore;
  await store.migrate();
  return store;
}

export interface Replica {
  app: FastifyInstance;
  store: PostgresEventStore;
  url: string;
  config: Config;
  close(): Promise<void>;
}

/**
 * One API instance as a replica runs it: its own store (its own pool of connections) on the shared schema,
 * listening on a real socket. Replicas share the JWT and cursor secrets, as a deployment must.
 */
export async function startReplica(
  databaseUrl: string,
  wrap?: (store: EventStore) => EventStore,
): Promise<Replica> {
  const config = loadConfig({ NODE_ENV: 'test' }, { databaseUrl, seed: 'none' });
  config.rateLimit = false;
  config.corsOrigins = ['*'];
  const store = await openPg(databaseUrl);
  const app = await buildApp({ config, store: wrap ? wrap(store) : store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    store,
    config,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export function token(config: Config, org: string, scope = SCOPES.join(' ')): Promise<string> {
  return signToken({ org, sub: 'user_test', scope, secret: config.jwtSecret, issuer: config.jwtIssuer });
}

export function events(
  n: number,
  opts: { end?: number; withIds?: boolean; type?: (i: number) => string; user?: (i: number) => string } = {},
): { event_id?: string; event_type: string; user_id: string; timestamp: string; properties: object }[] {
  const end = opts.end ?? Date.now();
  return Array.from({ length: n }, (_, i) => ({
    ...(opts.withIds === false ? {} : { event_id: crypto.randomUUID() }),
    event_type: opts.type ? opts.type(i) : 'page_view',
    user_id: opts.user ? opts.user(i) : `user_${i % 7}`,
    timestamp: new Date(end - i * 1000).toISOString(),
    properties: { i, path: `/p/${i}` },
  }));
}

export async function post(
  baseUrl: string,
  bearer: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export async function getJson<T>(baseUrl: string, bearer: string, path: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Rows in a table of the store's schema, counted directly (not through the API under test). */
export async function countRows(store: PostgresEventStore, table: string, orgId?: string): Promise<number> {
  const { rows } = await store.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table}${orgId ? ' WHERE org_id = $1' : ''}`,
    orgId ? [orgId] : [],
  );
  return rows[0]!.n;
}
