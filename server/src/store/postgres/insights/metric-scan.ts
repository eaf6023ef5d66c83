/**
 * `scanMetricEvents` on PostgreSQL: the org's range of the primary key in (timestamp, event_id) order, in
 * keyset chunks each within what is left of the budget (`budgeted`), with only the joins the metrics need.
 */
import type pg from 'pg';
import { compileFilters, dimensionSql } from '../../filter-sql.js';
import type { MetricEventRow, MetricScan } from '../../types.js';
import { budgeted, TS_MS } from './scan.js';

/** Rows per keyset query: bounded memory, few round trips. */
const SCAN_CHUNK = 50_000;

interface Row {
  ts: number;
  type: string;
  user_id: string | null;
  visitor: string | null;
  session_key?: string | null;
  start_ms?: string | null;
  end_ms?: string | null;
  events?: number | null;
  pageviews?: number | null;
  value?: unknown;
  event_id: string;
}

export async function* postgresMetricScan(pool: pg.Pool, scan: MetricScan): AsyncGenerator<MetricEventRow[]> {
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  let sessions = scan.need.session;
  const columns = [
    `${TS_MS} AS ts`,
    'e.event_type AS type',
    scan.need.user ? 'e.user_id' : 'NULL::text AS user_id',
    scan.need.visitor ? 'coalesce(i.user_id, e.visitor_id) AS visitor' : 'NULL::text AS visitor',
  ];
  if (scan.need.session) {
    columns.push(
      "CASE WHEN s.start_ms IS NULL THEN NULL ELSE e.session_id || ':' || e.is_bot::int END AS session_key",
      's.start_ms',
      's.end_ms',
      's.events',
      's.pageviews',
    );
  }
  if (scan.breakdown) {
    const d = dimensionSql(scan.breakdown, 'postgres', bind);
    sessions ||= d.joins.sessions;
    columns.push(`${d.expr} AS value`);
  }
  const where = [
    `e.org_id = ${bind(scan.orgId)}`,
    `e."timestamp" >= to_timestamp(${bind(scan.fromTs)}::float8 / 1000)`,
    `e."timestamp" < to_timestamp(${bind(scan.toTs)}::float8 / 1000)`,
  ];
  if (!scan.includeBots) where.push('NOT e.is_bot');
  const f = compileFilters(scan.filters, 'postgres', 1, bind);
  sessions ||= f.joins.sessions;
  where.push(...f.where);
  const from = ['events e'];
  if (scan.need.visitor) {
    from.push('LEFT JOIN identities i ON i.org_id = e.org_id AND i.anonymous_id = e.visitor_id');
  }
  if (sessions) {
    from.push(
      'LEFT JOIN sessions s ON s.org_id = e.org_id AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
    );
  }
  const ts = `to_timestamp(${bind(0)}::float8 / 1000)`;
  const afterAt = params.length - 1;
  const id = `${bind('00000000-0000-0000-0000-000000000000')}::uuid`;
  const text = `SELECT ${columns.join(', ')}, e.event_id FROM ${from.join(' ')}
                 WHERE ${where.join(' AND ')} AND e."timestamp" >= ${ts} AND (e."timestamp", e.event_id) > (${ts}, ${id})
                 ORDER BY e."timestamp", e.event_id LIMIT ${bind(SCAN_CHUNK)}`;
  params[afterAt] = scan.fromTs;
  for (;;) {
    const rows = await budgeted<Row>(
      pool,
      { text, values: [...params] },
      scan.deadline - Date.now(),
      scan.timeoutMs,
      scan.signal,
    );
    const chunk: MetricEventRow[] = rows.map((r) => {
      const row: MetricEventRow = {
        ts: r.ts,
        type: r.type,
        user: r.user_id,
        visitor: r.visitor,
        session:
          r.session_key === null || r.session_key === undefined
            ? null
            : {
                key: r.session_key,
                startTs: Number(r.start_ms),
                endTs: Number(r.end_ms),
                events: r.events!,
                pageviews: r.pageviews!,
              },
      };
      if (scan.breakdown) row.value = r.value === null || r.value === undefined ? null : String(r.value);
      return row;
    });
    if (chunk.length > 0) yield chunk;
    if (rows.length < SCAN_CHUNK) return;
    const last = rows[rows.length - 1]!;
    params[afterAt] = last.ts;
    params[afterAt + 1] = last.event_id;
  }
}
