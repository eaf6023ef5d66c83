/**
 * Counts per bucket from the hourly rollups (`hourly_counts`, `hourly_users`, `hourly_visitors`,
 * `hourly_sessions`): any bucket that begins and ends on a whole UTC hour is a union of hours, so a local
 * day, week or month of a zone whose offset is a whole number of hours reads O(hours) rows, not the range's
 * events. Distinct users and visitors are exact: each hour's members are stamped per bucket (and once over
 * the range) as they stream by in hour order.
 */
import type { MetricTally, RollupQuery } from '../../types.js';
import type { Db } from '../db.js';
import { forEachId, IdStamps } from './id-stamps.js';

const HOUR_MS = 3_600_000;

/** `null` when a boundary is not on a whole hour (a zone at :30 or :45). */
export function hourlyTally(
  db: Db,
  org: number | undefined,
  q: Omit<RollupQuery, 'orgId'>,
  /** Type ids → the `events:<type>` names wanted; and the `page_view` type's id. */
  wantedTypes: Map<number, string>,
  pageViewType: number | undefined,
): MetricTally | null {
  const { bounds } = q;
  if (!bounds.every((t) => t % HOUR_MS === 0)) return null;
  const n = bounds.length - 1;
  const zeros = () => new Array<number>(n).fill(0);
  const t: MetricTally = {
    events: zeros(),
    pageviews: zeros(),
    byType: Object.fromEntries([...wantedTypes.values()].map((name) => [name, zeros()])),
    users: zeros(),
    visitors: zeros(),
    totalUsers: 0,
    totalVisitors: 0,
    sessions: zeros(),
    bounces: zeros(),
    durationMs: zeros(),
    sessionPageviews: zeros(),
  };
  for (const name of q.eventTypes) t.byType[name] ??= zeros();
  if (org === undefined || n === 0) return t;
  const first = bounds[0]! / HOUR_MS;
  const last = bounds[n]! / HOUR_MS - 1;
  // The bucket of each hour of the range.
  const bucket = new Int32Array(last - first + 1);
  for (let b = 0; b < n; b++) bucket.fill(b, bounds[b]! / HOUR_MS - first, bounds[b + 1]! / HOUR_MS - first);
  const range = [org, first, last];

  const rows = db.raw(
    'SELECT hour, type, is_bot, n FROM hourly_counts WHERE org = ? AND hour BETWEEN ? AND ?',
    range,
  ) as [number, number, number, number][];
  for (const [hour, type, bot, count] of rows) {
    const b = bucket[hour - first]!;
    if (bot === 0 || q.countBots) {
      t.events[b]! += count;
      const name = wantedTypes.get(type);
      if (name !== undefined) t.byType[name]![b]! += count;
    }
    if (type === pageViewType && (bot === 0 || q.peopleBots)) t.pageviews[b]! += count;
  }

  const distinct = (table: string, column: string, bots: boolean, into: number[]): number => {
    // Each hour's ids as one text (group_concat, in C), as the daily summary reads daily_visitors.
    const lists = db.raw(
      `SELECT hour, group_concat(${column}) FROM ${table}
        WHERE org = ? AND hour BETWEEN ? AND ?${bots ? '' : ' AND is_bot = 0'}
        GROUP BY hour, is_bot ORDER BY hour`,
      range,
    ) as [number, string][];
    const perBucket = new IdStamps();
    const overall = new IdStamps();
    let total = 0;
    for (const [hour, list] of lists) {
      const b = bucket[hour - first]!;
      forEachId(list, (id) => {
        if (perBucket.mark(id, b + 1)) into[b]!++;
        if (overall.mark(id, 1)) total++;
      });
    }
    return total;
  };
  if (q.users) t.totalUsers = distinct('hourly_users', 'user', q.countBots, t.users);
  if (q.visitors) t.totalVisitors = distinct('hourly_visitors', 'visitor', q.peopleBots, t.visitors);

  if (q.sessions) {
    const sessions = db.raw(
      `SELECT hour, sessions, bounces, duration_ms, pageviews FROM hourly_sessions
        WHERE org = ? AND hour BETWEEN ? AND ?${q.peopleBots ? '' : ' AND is_bot = 0'}`,
      range,
    ) as [number, number, number, number, number][];
    for (const [hour, count, bounces, ms, views] of sessions) {
      const b = bucket[hour - first]!;
      t.sessions[b]! += count;
      t.bounces[b]! += bounces;
      t.durationMs[b]! += ms;
      t.sessionPageviews[b]! += views;
    }
  }
  return t;
}
