/**
 * `DATABASE_URL=postgres://user:password@host:port/database?schema=NAME&pool_max=N` → what `pg.Pool` needs.
 *
 * Two query parameters belong to this store and are removed before the URL reaches `pg`: `schema` (every
 * table lives in that schema, created when missing; tests and side-by-side deployments use it to share one
 * database) and `pool_max` (connections per process; several replicas multiply it, so keep
 * replicas × pool_max under the server's `max_connections`). Everything else is passed through.
 */

export interface PgTarget {
  /** The URL `pg` connects with (credentials included; never log it). */
  connectionString: string;
  schema: string;
  poolMax: number;
  /** Startup `options`: schema on the search path, UTC sessions, synchronous commit. */
  options: string;
  /** host:port/database?schema=…, without credentials, for logs and `StoreInfo.location`. */
  location: string;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgUrlError extends Error {
  override name = 'PgUrlError';
}

export function parsePgUrl(databaseUrl: string): PgTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new PgUrlError('DATABASE_URL is not a valid postgres:// URL');
  }
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_RE.test(schema)) {
    throw new PgUrlError(`schema must match ${SCHEMA_RE} (got "${schema}")`);
  }
  const poolRaw = url.searchParams.get('pool_max') ?? '10';
  const poolMax = Number(poolRaw);
  if (!Number.isInteger(poolMax) || poolMax < 1 || poolMax > 1000) {
    throw new PgUrlError(`pool_max must be an integer from 1 to 1000 (got "${poolRaw}")`);
  }
  const extra = url.searchParams.get('options');
  url.searchParams.delete('schema');
  url.searchParams.delete('pool_max');
  url.searchParams.delete('options');
  // TimeZone=UTC: day boundaries in SQL (`::date`, partition bounds as printed by the catalog) are UTC days,
  // whatever the server's default. synchronous_commit=on: a 202 promises durability, so a database whose
  // default was relaxed must not silently weaken it.
  const options = [`-c search_path=${schema}`, '-c TimeZone=UTC', '-c synchronous_commit=on', extra]
    .filter(Boolean)
    .join(' ');
  const db = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default)';
  return {
    connectionString: url.toString(),
    schema,
    poolMax,
    options,
    location: `${url.hostname}${url.port ? `:${url.port}` : ''}/${db}?schema=${schema}`,
  };
}
