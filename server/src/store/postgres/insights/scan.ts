/**
 * The PostgreSQL side of insights and exports. Each read runs on a connection of its own with
 * `statement_timeout` set to what is left of its budget (reset before the connection goes back to the
 * pool), so PostgreSQL itself cancels a query past it; a client that disconnects cancels the running query
 * through `pg_cancel_backend` at once. The scans read the org's range of the primary key (org_id,
 * "timestamp", event_id) in time order, pruned to the range's monthly partitions, in keyset chunks of
 * 50,000 rows, each within what is left of the budget.
 */
import type pg from 'pg';
import { QueryAbortedError, queryTimeout } from '../../../lib/query-budget.js';
import { compileFilters, dimensionSql, type FilterJoins } from '../../filter-sql.js';
import type { ExportQuery, StoredEvent, VisitorEventRow, VisitorScan } from '../../types.js';
import { type EventRow, toStoredEvent } from '../event-row.js';
import { EVENT_COLUMNS } from '../statements.js';

export const TS_MS = `(extract(epoch FROM e."timestamp") * 1000)::float8`;
/** Rows per keyset query of a scan: bounded memory, few round trips. */
const SCAN_CHUNK = 50_000;

/** Run one query within `timeoutMs` on its own connection, cancelled when `signal` aborts. */
export async function budgeted<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  query: pg.QueryConfig,
  /** What is left of the budget, and the whole budget (for the message). */
  timeoutMs: number,
  budgetMs: number,
  signal: AbortSignal | undefined,
): Promise<R[]> {
  if (signal?.aborted) throw new QueryAbortedError();
  if (timeoutMs <= 0) throw queryTimeout(budgetMs);
  const client = await pool.connect();
  let broken: Error | undefined;
  let onAbort: (() => void) | undefined;
  try {
    // A whole number of ms, made here: never text from a request.
    await client.query(`SET statement_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`);
    if (signal) {
      const pid = (client as unknown as { processID: number }).processID;
      onAbort = () => {
        pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const result = await client.query<R>(query);
    return result.rows;
  } catch (err) {
    if ((err as { code?: string }).code === '57014') {
      throw signal?.aborted ? new QueryAbortedError() : queryTimeout(budgetMs);
    }
    throw err;
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await client.query('RESET statement_timeout').catch((err: Error) => {
      broken = err;
    });
    client.release(broken);
  }
}

function joinSql(joins: FilterJoins): string {
  const from = ['LEFT JOIN identities i ON i.org_id = e.org_id AND i.anonymous_id = e.visitor_id'];
  if (joins.sessions) {
    from.push(
      'LEFT JOIN sessions s ON s.org_id = e.org_id AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
    );
  }
  return from.join(' ');
}

/** `scanVisitorEvents` on PostgreSQL: one query, handed over in chunks. */
export async function* postgresScan(pool: pg.Pool, scan: VisitorScan): AsyncGenerator<VisitorEventRow[]> {
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const joins: FilterJoins = { users: false, types: false, sessions: false };
  const merge = (j: FilterJoins) => {
    joins.sessions ||= j.sessions;
  };
  const conditionSql = (c: VisitorScan['conditions'][number]): string => {
    const parts: string[] = [];
    if (c.eventType !== undefined) parts.push(`e.event_type = ${bind(c.eventType)}::text`);
    const f = compileFilters(c.filters, 'postgres', 1, bind);
    merge(f.joins);
    parts.push(...f.where);
    return parts.length === 0 ? 'true' : parts.join(' AND ');
  };
  const mask = scan.conditions
    .map((c, i) => `(CASE WHEN ${conditionSql(c)} THEN ${1 << i} ELSE 0 END)`)
    .join(' | ');
  const columns = ['coalesce(i.user_id, e.visitor_id) AS visitor', `${TS_MS} AS ts`, `(${mask}) AS mask`];
  if (scan.breakdown) {
    const d = dimensionSql(scan.breakdown, 'postgres', bind);
    merge(d.joins);
    columns.push(`${d.expr} AS value`);
  }
  const where = [
    `e.org_id = ${bind(scan.orgId)}`,
    `e."timestamp" >= to_timestamp(${bind(scan.fromTs)}::float8 / 1000)`,
    `e."timestamp" < to_timestamp(${bind(scan.toTs)}::float8 / 1000)`,
  ];
  if (!scan.includeBots) where.push('NOT e.is_bot');
  if (scan.conditions.every((c) => c.eventType !== undefined)) {
    where.push(`e.event_type = ANY(${bind([...new Set(scan.conditions.map((c) => c.eventType))])}::text[])`);
  }
  const global = compileFilters(scan.filters, 'postgres', 1, bind);
  merge(global.joins);
  where.push(...global.where);
  // Keyset chunks in (timestamp, event_id) order: the rows of a long range never sit in memory at once.
  const ts = `to_timestamp(${bind(0)}::float8 / 1000)`;
  const afterAt = params.length - 1;
  const id = `${bind('00000000-0000-0000-0000-000000000000')}::uuid`;
  const text = `SELECT ${columns.join(', ')}, e.event_id FROM events e ${joinSql(joins)}
                 WHERE ${where.join(' AND ')} AND e."timestamp" >= ${ts} AND (e."timestamp", e.event_id) > (${ts}, ${id})
                 ORDER BY e."timestamp", e.event_id LIMIT ${bind(SCAN_CHUNK)}`;
  params[afterAt] = scan.fromTs;
  params[afterAt + 1] = '00000000-0000-0000-0000-000000000000';
  const breakdown = scan.breakdown !== undefined;
  for (;;) {
    const rows = await budgeted<{
      visitor: string | null;
      ts: number;
      mask: number;
      value?: unknown;
      event_id: string;
    }>(pool, { text, values: [...params] }, scan.deadline - Date.now(), scan.timeoutMs, scan.signal);
    const chunk: VisitorEventRow[] = [];
    for (const r of rows) {
      if (r.visitor === null || r.mask === 0) continue;
      const row: VisitorEventRow = { visitor: r.visitor, ts: r.ts, mask: r.mask };
      if (breakdown) row.value = r.value === null || r.value === undefined ? null : String(r.value);
      chunk.push(row);
    }
    if (chunk.length > 0) yield chunk;
    if (rows.length < SCAN_CHUNK) return;
    const last = rows[rows.length - 1]!;
    params[afterAt] = last.ts;
    params[afterAt + 1] = last.event_id;
  }
}

/** `exportEvents` on PostgreSQL: keyset chunks oldest first, each one query within the budget. */
export async function* postgresExport(pool: pg.Pool, q: ExportQuery): AsyncGenerator<StoredEvent[]> {
  let after: [number, string] | undefined;
  for (;;) {
    const params: unknown[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = [`e.org_id = ${bind(q.orgId)}`];
    if (q.fromTs !== undefined) where.push(`e."timestamp" >= to_timestamp(${bind(q.fromTs)}::float8 / 1000)`);
    if (q.toTs !== undefined) where.push(`e."timestamp" < to_timestamp(${bind(q.toTs)}::float8 / 1000)`);
    if (after) {
      const ts = `to_timestamp(${bind(after[0])}::float8 / 1000)`;
      // The bound on "timestamp" alone lets partition pruning skip the months already read.
      where.push(`e."timestamp" >= ${ts}`, `(e."timestamp", e.event_id) > (${ts}, ${bind(after[1])}::uuid)`);
    }
    if (q.userId !== undefined) where.push(`e.user_id = ${bind(q.userId)}`);
    if (q.eventTypes && q.eventTypes.length > 0)
      where.push(`e.event_type = ANY(${bind(q.eventTypes)}::text[])`);
    const f = compileFilters(q.filters ?? [], 'postgres', 1, bind);
    where.push(...f.where);
    const sessions = f.joins.sessions
      ? 'LEFT JOIN sessions s ON s.org_id = e.org_id AND s.session_id = e.session_id AND s.is_bot = e.is_bot'
      : '';
    const rows = await budgeted<EventRow>(
      pool,
      {
        text: `SELECT ${EVENT_COLUMNS} FROM events e ${sessions}
                WHERE ${where.join(' AND ')} ORDER BY e."timestamp", e.event_id LIMIT ${bind(q.chunkSize)}`,
        values: params,
      },
      q.timeoutMs,
      q.timeoutMs,
      q.signal,
    );
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = [last.ts, last.event_id];
    yield rows.map((r) => toStoredEvent(q.orgId, r));
    if (rows.length < q.chunkSize) return;
  }
}
