import type { IngestKeyMatch, IngestKeyRow } from '../types.js';
import type { Db } from './db.js';

/**
 * Publishable ingest keys in the `ingest_keys` table (migration 4). The org is kept as text, not as the
 * `orgs` dictionary id the event tables use: a key may be made for an org that has no events yet, and
 * adding dictionary rows from this connection would race the writer thread, which owns them.
 *
 * Keys are written on the event loop's connection. The writer thread may hold the write lock for a group
 * commit (milliseconds); the connection's busy timeout waits for it, which a rare administrative call can
 * afford.
 */

const COLUMNS = 'org_id, id, name, prefix, allowed_origins, rate_limit_per_minute, created_at';

type Row = [string, string, string, string, string, number | null, number];

const toKey = (r: Row): IngestKeyRow => ({
  orgId: r[0],
  id: r[1],
  name: r[2],
  prefix: r[3],
  allowedOrigins: JSON.parse(r[4]) as string[],
  rateLimitPerMinute: r[5],
  createdAt: r[6],
});

export function createKey(db: Db, key: IngestKeyRow & { keyHash: Buffer }): void {
  db.run(`INSERT INTO ingest_keys (${COLUMNS}, key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
    key.orgId,
    key.id,
    key.name,
    key.prefix,
    JSON.stringify(key.allowedOrigins),
    key.rateLimitPerMinute,
    key.createdAt,
    key.keyHash,
  ]);
}

export function listKeys(db: Db, orgId: string): IngestKeyRow[] {
  const rows = db.raw(
    `SELECT ${COLUMNS} FROM ingest_keys WHERE org_id = ? AND revoked_at IS NULL ORDER BY created_at, id`,
    [orgId],
  ) as Row[];
  return rows.map(toKey);
}

export function revokeKey(db: Db, orgId: string, id: string, now: number): boolean {
  const res = db.run(
    `UPDATE ingest_keys SET revoked_at = coalesce(revoked_at, ?) WHERE org_id = ? AND id = ?`,
    [now, orgId, id],
  );
  return res.changes > 0;
}

export function findKeyByHash(db: Db, keyHash: Buffer): IngestKeyMatch | undefined {
  const row = db.get<{
    org_id: string;
    id: string;
    allowed_origins: string;
    rate_limit_per_minute: number | null;
    revoked_at: number | null;
  }>(
    `SELECT org_id, id, allowed_origins, rate_limit_per_minute, revoked_at FROM ingest_keys
      WHERE key_hash = ?`,
    [keyHash],
  );
  if (!row) return undefined;
  return {
    orgId: row.org_id,
    id: row.id,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    rateLimitPerMinute: row.rate_limit_per_minute,
    revoked: row.revoked_at !== null,
  };
}

export function keyOriginAllowed(db: Db, origin: string): boolean {
  // A scan of the active keys: they are few (a handful per org), and the caller caches the answer.
  return (
    db.get(
      `SELECT 1 FROM ingest_keys
        WHERE revoked_at IS NULL
          AND (allowed_origins = '[]' OR EXISTS (SELECT 1 FROM json_each(allowed_origins) WHERE value = ?))
        LIMIT 1`,
      [origin],
    ) !== undefined
  );
}
