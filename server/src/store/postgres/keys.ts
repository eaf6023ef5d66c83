import { statement } from './statements.js';

/**
 * Statements for publishable ingest keys (`ingest_keys`). Every replica reads the same rows, so a revoked
 * key is refused everywhere once each replica's 5 s cache of the lookup has run out.
 *
 * `created_at`/`revoked_at` cross as epoch milliseconds, like the other statements' instants.
 */

export const CREATE_KEY = statement(
  `INSERT INTO ingest_keys (org_id, id, key_hash, prefix, name, allowed_origins, rate_limit_per_minute,
                            created_at)
   VALUES ($1, $2, $3, $4, $5, $6::text[], $7, to_timestamp($8::float8 / 1000))`,
);

export const LIST_KEYS = statement(
  `SELECT org_id, id::text AS id, name, prefix, allowed_origins, rate_limit_per_minute,
          (extract(epoch FROM created_at) * 1000)::float8 AS created_at
     FROM ingest_keys
    WHERE org_id = $1 AND revoked_at IS NULL
    ORDER BY created_at, id`,
);

/** Keeps the first revocation time when a key is revoked twice. */
export const REVOKE_KEY = statement(
  `UPDATE ingest_keys SET revoked_at = coalesce(revoked_at, to_timestamp($3::float8 / 1000))
    WHERE org_id = $1 AND id = $2::uuid`,
);

export const FIND_KEY = statement(
  `SELECT org_id, id::text AS id, allowed_origins, rate_limit_per_minute, revoked_at IS NOT NULL AS revoked
     FROM ingest_keys
    WHERE key_hash = $1`,
);

// A scan of the active keys: they are few (a handful per org), and the caller caches the answer for 5 s.
export const KEY_ORIGIN_ALLOWED = statement(
  `SELECT EXISTS (
     SELECT 1 FROM ingest_keys
      WHERE revoked_at IS NULL AND (cardinality(allowed_origins) = 0 OR $1::text = ANY (allowed_origins))
   ) AS allowed`,
);
