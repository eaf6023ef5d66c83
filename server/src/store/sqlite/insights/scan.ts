/**
 * The SQLite side of insights and exports: the SQL of a visitor scan, and the cooperative loop that runs it.
 *
 * The scan walks the (org, ts, event_id, type, user) index over the range in time order, so it needs no
 * sort and starts streaming at once; when every condition names an event type, the type is checked on the
 * index entry and the table is read only for the events the funnel or retention can use. The loop reads
 * rows in slices of a few milliseconds and gives the event loop back between them, on a read-only
 * connection of its own (`ReadPool`), so other requests, other orgs' included, are answered meanwhile.
 * Between rows it checks the deadline and the client: past the deadline or after a disconnect it stops
 * the statement (the iterator is returned, which resets it in SQLite), so no work goes on in the database.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { QueryAbortedError, queryTimeout } from '../../../lib/query-budget.js';
import { compileFilters, dimensionSql, type FilterJoins } from '../../filter-sql.js';
import type { ExportQuery, StoredEvent, VisitorEventRow, VisitorScan } from '../../types.js';
import type { Db } from '../db.js';
import { toStoredEvent } from '../event-row.js';
import type { ReadPool } from './read-pool.js';

/** How long one slice of a scan holds the event loop. */
const SLICE_MS = 8;

// The visitor as summary.ts reads it: stored only when it is neither the user nor the anonymous id.
const VISITOR = 'coalesce(e.visitor_id, u.user_id, e.anonymous_id)';

/** The statement of a scan; `null` when nothing can match (the org or every event type is unknown). */
export function visitorScanSql(db: Db, scan: VisitorScan): { sql: string; params: unknown[] } | null {
  const org = db.get<{ id: number }>('SELECT id FROM orgs WHERE org_id = ?', [scan.orgId])?.id;
  if (org === undefined) return null;
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return '?';
  };
  const joins: FilterJoins = { users: true, types: false, sessions: false };
  const merge = (j: FilterJoins) => {
    joins.types ||= j.types;
    joins.sessions ||= j.sessions;
  };
  const typeIds = new Map<string, number | undefined>();
  for (const c of scan.conditions) {
    if (c.eventType !== undefined && !typeIds.has(c.eventType)) {
      typeIds.set(
        c.eventType,
        db.get<{ id: number }>('SELECT id FROM event_types WHERE name = ?', [c.eventType])?.id,
      );
    }
  }
  // SELECT first: positional parameters bind in the order they appear.
  const conditionSql = (c: VisitorScan['conditions'][number]): string => {
    const parts: string[] = [];
    if (c.eventType !== undefined) {
      const id = typeIds.get(c.eventType);
      if (id === undefined) return '0';
      parts.push(`e.type = ${bind(id)}`);
    }
    const f = compileFilters(c.filters, 'sqlite', 1, bind);
    merge(f.joins);
    parts.push(...f.where);
    return parts.length === 0 ? '1' : parts.join(' AND ');
  };
  const mask = scan.conditions
    .map((c, i) => `(CASE WHEN ${conditionSql(c)} THEN ${1 << i} ELSE 0 END)`)
    .join(' | ');
  const columns = [`coalesce(i.user_id, ${VISITOR})`, 'e.ts', mask];
  if (scan.breakdown) {
    const d = dimensionSql(scan.breakdown, 'sqlite', bind);
    merge(d.joins);
    columns.push(d.expr);
  }
  const where = [`e.org = ${bind(org)}`, `e.ts >= ${bind(scan.fromTs)}`, `e.ts < ${bind(scan.toTs)}`];
  if (!scan.includeBots) where.push('e.is_bot = 0');
  if (scan.conditions.every((c) => c.eventType !== undefined)) {
    const ids = [...new Set(scan.conditions.map((c) => typeIds.get(c.eventType!)))].filter(
      (id): id is number => id !== undefined,
    );
    if (ids.length === 0) return null;
    // Unary + keeps the planner on the (org, ts) range; the type is read from that index's entries.
    where.push(`+e.type IN (${ids.map(bind).join(', ')})`);
  }
  const global = compileFilters(scan.filters, 'sqlite', 1, bind);
  merge(global.joins);
  where.push(...global.where);
  // Rows whose mask is 0 (a step's own filters did not match) are dropped by the reader, not here: repeating
  // the mask in WHERE would need its parameters twice.
  return { sql: buildSql(columns, joins, where), params };
}

function buildSql(columns: string[], joins: FilterJoins, where: string[]): string {
  const from = ['events e', 'LEFT JOIN users u ON u.id = e.user'];
  from.push(`LEFT JOIN identities i ON i.org = e.org AND i.anonymous_id = ${VISITOR}`);
  if (joins.types) from.push('JOIN event_types t ON t.id = e.type');
  if (joins.sessions) {
    from.push(
      'LEFT JOIN sessions s ON s.org = e.org AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
    );
  }
  return `SELECT ${columns.join(', ')} FROM ${from.join(' ')} WHERE ${where.join(' AND ')} ORDER BY e.ts`;
}

/**
 * Run `sql` on a read-only connection in slices, handing each slice's rows (mapped by `map`, skipped when it
 * returns undefined) to the consumer. Stops the statement past `deadline` (rejecting with `query_timeout`),
 * when `signal` aborts, or when the consumer stops.
 */
export async function* sliced<T>(
  pool: ReadPool | undefined,
  fallback: Db,
  sql: string,
  params: unknown[],
  map: (row: unknown[]) => T | undefined,
  budget: { deadline: number; timeoutMs: number; signal?: AbortSignal | undefined },
): AsyncGenerator<T[]> {
  // An in-memory database has one connection only: the scan then runs on it in one go.
  const db = pool ? pool.acquire() : fallback;
  const stmt = db.prepare(sql).raw(true);
  const rows = stmt.iterate(...params) as IterableIterator<unknown[]>;
  try {
    let done = false;
    while (!done) {
      const chunk: T[] = [];
      const sliceEnd = performance.now() + SLICE_MS;
      for (let n = 1; ; n++) {
        const next = rows.next();
        if (next.done) {
          done = true;
          break;
        }
        const v = map(next.value);
        if (v !== undefined) chunk.push(v);
        if ((n & 255) === 0) {
          if (Date.now() > budget.deadline) throw queryTimeout(budget.timeoutMs);
          if (budget.signal?.aborted) throw new QueryAbortedError();
          if (pool && performance.now() > sliceEnd) break;
        }
      }
      if (chunk.length > 0) yield chunk;
      if (done) break;
      await nextTurn();
      if (Date.now() > budget.deadline) throw queryTimeout(budget.timeoutMs);
      if (budget.signal?.aborted) throw new QueryAbortedError();
    }
  } finally {
    rows.return?.();
    if (pool) pool.release(db);
  }
}

/** `scanVisitorEvents` on SQLite. */
export async function* sqliteScan(pool: ReadPool | undefined, db: Db, scan: VisitorScan) {
  const built = visitorScanSql(db, scan);
  if (!built) return;
  const breakdown = scan.breakdown !== undefined;
  yield* sliced<VisitorEventRow>(
    pool,
    db,
    built.sql,
    built.params,
    (r) => {
      if (r[0] === null || r[2] === 0) return undefined;
      const row: VisitorEventRow = { visitor: r[0] as string, ts: r[1] as number, mask: r[2] as number };
      if (breakdown) row.value = (r[3] as string | number | null) === null ? null : String(r[3]);
      return row;
    },
    { deadline: scan.deadline, timeoutMs: scan.timeoutMs, signal: scan.signal },
  );
}

/**
 * `exportEvents` on SQLite: keyset chunks, oldest first, each one query within the budget, read in slices
 * on a read-only connection like a scan (a chunk whose filters match rarely may read long).
 */
export async function* sqliteExport(
  pool: ReadPool | undefined,
  db: Db,
  q: ExportQuery,
): AsyncGenerator<StoredEvent[]> {
  const org = db.get<{ id: number }>('SELECT id FROM orgs WHERE org_id = ?', [q.orgId])?.id;
  if (org === undefined) return;
  let after: [number, Buffer] | undefined;
  for (;;) {
    if (q.signal?.aborted) throw new QueryAbortedError();
    const params: unknown[] = [];
    const bind = (v: unknown) => {
      params.push(v);
      return '?';
    };
    const where = [`e.org = ${bind(org)}`];
    if (q.fromTs !== undefined) where.push(`e.ts >= ${bind(q.fromTs)}`);
    if (q.toTs !== undefined) where.push(`e.ts < ${bind(q.toTs)}`);
    if (after) where.push(`(e.ts, e.event_id) > (${bind(after[0])}, ${bind(after[1])})`);
    if (q.userId !== undefined) where.push(`u.user_id = ${bind(q.userId)}`);
    if (q.eventTypes && q.eventTypes.length > 0) {
      where.push(`t.name IN (${q.eventTypes.map(bind).join(', ')})`);
    }
    const f = compileFilters(q.filters ?? [], 'sqlite', 1, bind);
    where.push(...f.where);
    const sessions = f.joins.sessions
      ? 'LEFT JOIN sessions s ON s.org = e.org AND s.session_id = e.session_id AND s.is_bot = e.is_bot'
      : '';
    const rows: unknown[][] = [];
    const parts = sliced<unknown[]>(
      pool,
      db,
      `SELECT e.ts, e.event_id, t.name, u.user_id, e.received_at, e.schema_version, e.properties,
              e.anonymous_id, e.session_id, ${VISITOR}, e.context, e.path, e.referrer_host, e.utm_source,
              e.utm_medium, e.utm_campaign, e.browser, e.os, e.device, e.country, e.is_bot
         FROM events e JOIN event_types t ON t.id = e.type LEFT JOIN users u ON u.id = e.user ${sessions}
        WHERE ${where.join(' AND ')}
        ORDER BY e.ts, e.event_id
        LIMIT ${bind(q.chunkSize)}`,
      params,
      (r) => r,
      { deadline: Date.now() + q.timeoutMs, timeoutMs: q.timeoutMs, signal: q.signal },
    );
    for await (const part of parts) for (const r of part) rows.push(r);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = [last[0] as number, last[1] as Buffer];
    yield rows.map((r) => toStoredEvent(q.orgId, r));
    if (rows.length < q.chunkSize) return;
  }
}
