import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in one transaction on `client`: COMMIT when it resolves, ROLLBACK when it throws (the original
 * error is rethrown; a failed ROLLBACK is ignored, the connection then being unusable anyway).
 */
export async function withTransaction<T>(
  client: PoolClient,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** `withTransaction` on a connection of `pool`, given back afterwards. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await withTransaction(client, fn);
  } finally {
    client.release();
  }
}

/** Advisory lock keys are per schema, so schemas sharing a database (tests) do not wait for each other. */
export function lockKey(schema: string, purpose: string): string {
  return `analytics:${schema}:${purpose}`;
}

/**
 * Waits for the schema's advisory lock for `purpose`, held until the transaction ends: replicas doing the
 * same one-off work (migrate, seed, create a partition) take turns, and the later ones find it done.
 */
export async function lockForTransaction(client: PoolClient, schema: string, purpose: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(schema, purpose)]);
}
