import type { Pool, PoolClient } from 'pg';
import { inTransaction, lockForTransaction } from './transaction.js';

/**
 * Monthly partitions of `events`. A month is numbered `year * 12 + monthIndex` (UTC). Months from 2100 on
 * live in the catch-all partition made by the first migration.
 *
 * A partition is created as a plain table and then attached: ATTACH PARTITION takes only a SHARE UPDATE
 * EXCLUSIVE lock on `events`, so creating next month's partition never blocks ingest or reads, whereas
 * `CREATE TABLE … PARTITION OF` would queue an ACCESS EXCLUSIVE lock behind every running query. Attaching an
 * empty table is instant, and the partitioned indexes are built on it at attach time.
 */

export const CATCH_ALL_FROM = 2100 * 12;

export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function monthStart(month: number): string {
  const y = Math.floor(month / 12);
  const m = (month % 12) + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01 00:00:00+00`;
}

export function partitionName(month: number): string {
  const y = Math.floor(month / 12);
  const m = (month % 12) + 1;
  return `events_y${String(y).padStart(4, '0')}m${String(m).padStart(2, '0')}`;
}

/** The months a set of event timestamps falls into, without the ones the catch-all covers. */
export function monthsOf(timestamps: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const ts of timestamps) {
    const m = monthOf(ts);
    if (m < CATCH_ALL_FROM) out.add(m);
  }
  return out;
}

const BOUND_RE =
  /FROM \('(\d{4})-(\d{2})-01 00:00:00\+00'\) TO \((?:'(\d{4})-(\d{2})-01 00:00:00\+00'|MAXVALUE)\)/;

/**
 * The months the existing partitions cover, read from the catalog's partition bounds (not from names, so
 * partitions an operator made by hand count too). Sessions run in UTC, so the bounds print as `+00`.
 */
export async function coveredMonths(db: Pool | PoolClient, schema: string): Promise<Set<number>> {
  const { rows } = await db.query<{ bound: string }>(
    `SELECT pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1)`,
    [`"${schema}".events`],
  );
  const covered = new Set<number>();
  for (const { bound } of rows) {
    const m = BOUND_RE.exec(bound);
    if (!m) continue;
    const from = Number(m[1]) * 12 + Number(m[2]) - 1;
    if (m[3] === undefined) continue; // the catch-all: months ≥ CATCH_ALL_FROM are never asked for
    const to = Number(m[3]) * 12 + Number(m[4]) - 1;
    for (let month = from; month < to; month++) covered.add(month);
  }
  return covered;
}

/**
 * Create the partitions for `months` that do not exist yet. Serialised across processes by an advisory
 * lock, and each month re-checked under it, so replicas racing for the same month create it once.
 * Returns the months created.
 */
export async function createPartitions(
  pool: Pool,
  schema: string,
  months: Iterable<number>,
): Promise<number[]> {
  const wanted = [...new Set(months)].filter((m) => m < CATCH_ALL_FROM).sort((a, b) => a - b);
  if (wanted.length === 0) return [];
  return inTransaction(pool, async (client) => {
    const created: number[] = [];
    // Waiting behind a long-running lock holder must not stall ingest indefinitely; the caller retries.
    await client.query("SET LOCAL lock_timeout = '10s'");
    await lockForTransaction(client, schema, 'partitions');
    const covered = await coveredMonths(client, schema);
    for (const month of wanted) {
      if (covered.has(month)) continue;
      const name = partitionName(month);
      // Identifiers are generated (digits only) and the schema name was validated, so quoting is safe.
      await client.query(
        `CREATE TABLE "${schema}"."${name}" (LIKE "${schema}".events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
      );
      await client.query(
        `ALTER TABLE "${schema}".events ATTACH PARTITION "${schema}"."${name}"
           FOR VALUES FROM ('${monthStart(month)}') TO ('${monthStart(month + 1)}')`,
      );
      created.push(month);
    }
    return created;
  });
}
