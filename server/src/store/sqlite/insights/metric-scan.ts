/**
 * `scanMetricEvents` on SQLite: the org's events of the range in time order along the (org, ts, …) index,
 * with only the joins the metrics ask for, read in slices on a read-only connection (`sliced`).
 */
import { compileFilters, dimensionSql, type FilterJoins } from '../../filter-sql.js';
import type { MetricEventRow, MetricScan } from '../../types.js';
import type { Db } from '../db.js';
import type { ReadPool } from './read-pool.js';
import { sliced } from './scan.js';

// The visitor as summary.ts reads it: stored only when it is neither the user nor the anonymous id.
const VISITOR = 'coalesce(e.visitor_id, u.user_id, e.anonymous_id)';

export async function* sqliteMetricScan(
  pool: ReadPool | undefined,
  db: Db,
  scan: MetricScan,
): AsyncGenerator<MetricEventRow[]> {
  const org = db.get<{ id: number }>('SELECT id FROM orgs WHERE org_id = ?', [scan.orgId])?.id;
  if (org === undefined) return;
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return '?';
  };
  const joins: FilterJoins = {
    users: scan.need.user || scan.need.visitor,
    types: true,
    sessions: scan.need.session,
  };
  const merge = (j: FilterJoins) => {
    joins.users ||= j.users;
    joins.sessions ||= j.sessions;
  };
  // Positional parameters bind in the order they appear: the SELECT list's first.
  const columns = ['e.ts', 't.name', scan.need.user ? 'u.user_id' : 'NULL'];
  columns.push(scan.need.visitor ? `coalesce(i.user_id, ${VISITOR})` : 'NULL');
  if (scan.need.session) {
    columns.push(
      "CASE WHEN s.start_ts IS NULL THEN NULL ELSE e.session_id || ':' || e.is_bot END",
      's.start_ts',
      's.end_ts',
      's.events',
      's.pageviews',
    );
  }
  if (scan.breakdown) {
    const d = dimensionSql(scan.breakdown, 'sqlite', bind);
    merge(d.joins);
    columns.push(d.expr);
  }
  const where = [`e.org = ${bind(org)}`, `e.ts >= ${bind(scan.fromTs)}`, `e.ts < ${bind(scan.toTs)}`];
  if (!scan.includeBots) where.push('e.is_bot = 0');
  const f = compileFilters(scan.filters, 'sqlite', 1, bind);
  merge(f.joins);
  where.push(...f.where);
  const from = ['events e', 'JOIN event_types t ON t.id = e.type'];
  if (joins.users) from.push('LEFT JOIN users u ON u.id = e.user');
  if (scan.need.visitor) {
    from.push(`LEFT JOIN identities i ON i.org = e.org AND i.anonymous_id = ${VISITOR}`);
  }
  if (joins.sessions) {
    from.push(
      'LEFT JOIN sessions s ON s.org = e.org AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
    );
  }
  const sql = `SELECT ${columns.join(', ')} FROM ${from.join(' ')} WHERE ${where.join(' AND ')} ORDER BY e.ts`;
  const valueAt = scan.need.session ? 9 : 4;
  yield* sliced<MetricEventRow>(
    pool,
    db,
    sql,
    params,
    (r) => {
      const row: MetricEventRow = {
        ts: r[0] as number,
        type: r[1] as string,
        user: r[2] as string | null,
        visitor: r[3] as string | null,
        session:
          scan.need.session && r[4] !== null
            ? {
                key: r[4] as string,
                startTs: r[5] as number,
                endTs: r[6] as number,
                events: r[7] as number,
                pageviews: r[8] as number,
              }
            : null,
      };
      if (scan.breakdown) row.value = r[valueAt] === null ? null : String(r[valueAt]);
      return row;
    },
    { deadline: scan.deadline, timeoutMs: scan.timeoutMs, signal: scan.signal },
  );
}
