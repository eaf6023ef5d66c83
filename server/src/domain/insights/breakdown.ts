/**
 * Breakdown (`GET /api/v1/insights/breakdown`): the metrics per value of one dimension over a range, as
 * `trends.ts` counts them with a single bucket, ordered by the first metric (descending) then the value, in
 * keyset pages. The cursor is the last row's position (its first metric and value) with an HMAC over it and
 * the request it belongs to, so it cannot be edited or used with another query or org.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError, type FieldError } from '../../lib/errors.js';
import { parseDayRange, startOfLocalDay } from '../../lib/time.js';
import type { EventStore } from '../../store/types.js';
import { type Budget, dimensionAt, filtersAt, invalid } from './index.js';
import { compareRanked, countGroups, resolveInsightMetrics, storedRefused, tallyValues } from './trends.js';

export interface BreakdownInput {
  dimension: string;
  metric?: string[] | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  tz?: string | undefined;
  filter?: string[] | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  include_bots?: boolean | undefined;
}

export interface BreakdownOutput {
  dimension: string;
  metrics: string[];
  data: { value: string | null; values: Record<string, number> }[];
  totals: Record<string, number>;
  next_cursor: string | null;
}

interface Position {
  key: number;
  value: string | null;
}

/** Validate a breakdown request completely, its cursor included (before any slot or query is taken). */
export function prepareBreakdown(orgId: string, q: BreakdownInput, secret: string) {
  const errors: FieldError[] = [];
  const r = parseDayRange(q, errors);
  const filters = filtersAt(q.filter, '/filter', errors);
  const dimension = dimensionAt(q.dimension, '/dimension', errors);
  if (errors.length > 0 || !r || !dimension) throw invalid(errors);
  // What a cursor is bound to: every parameter but the cursor and the page size.
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        q.dimension,
        q.metric ?? [],
        r.start,
        r.end,
        r.tz,
        q.filter ?? [],
        q.include_bots === true,
      ]),
    )
    .digest('base64url');
  let after: Position | undefined;
  if (q.cursor !== undefined) {
    const decoded = decodePosition(secret, orgId, hash, q.cursor);
    if (!decoded) {
      throw new ApiError(
        'invalid_cursor',
        'The cursor is malformed, or belongs to another query: pass `next_cursor` as given, with the same parameters.',
        { errors: [{ path: '/cursor', message: 'not a cursor of this query' }] },
      );
    }
    after = decoded;
  }
  return {
    orgId,
    ...r,
    dimensionName: q.dimension,
    breakdown: dimension,
    filters,
    metric: q.metric,
    limit: q.limit ?? 10,
    includeBots: q.include_bots === true,
    after,
    hash,
    secret,
  };
}

export async function runBreakdown(
  store: Pick<EventStore, 'scanMetricEvents' | 'storedMetricNames'>,
  plan: ReturnType<typeof prepareBreakdown>,
  budget: Budget,
): Promise<BreakdownOutput> {
  const metrics = await resolveInsightMetrics(store, plan.orgId, plan.metric);
  storedRefused(metrics, 'they cannot be broken down');
  const bounds = [startOfLocalDay(plan.start, plan.tz), startOfLocalDay(plan.end + 1, plan.tz)];
  const { all, groups } = await countGroups(store, plan, metrics, bounds, budget);
  const rows = [...groups]
    .map(([value, g]) => {
      const values = tallyValues(g.tally(bounds), metrics).map((v) => v.total);
      return { value, key: values[0]!, values };
    })
    .sort(compareRanked);
  const after = plan.after;
  const start = after ? rows.findIndex((r) => compareRanked(r, after) > 0) : 0;
  const page = start < 0 ? [] : rows.slice(start, start + plan.limit);
  const more = start >= 0 && start + plan.limit < rows.length;
  const last = page[page.length - 1];
  const named = (values: number[]) => Object.fromEntries(metrics.map((m, i) => [m.name, values[i]!]));
  return {
    dimension: plan.dimensionName,
    metrics: metrics.map((m) => m.name),
    data: page.map((r) => ({ value: r.value, values: named(r.values) })),
    totals: named(tallyValues(all.tally(bounds), metrics).map((v) => v.total)),
    next_cursor:
      more && last
        ? encodePosition(plan.secret, plan.orgId, plan.hash, { key: last.key, value: last.value })
        : null,
  };
}

function tag(secret: string, orgId: string, hash: string, body: string): Buffer {
  return createHmac('sha256', secret)
    .update(`breakdown:v1\0${orgId}\0${hash}\0${body}`)
    .digest()
    .subarray(0, 16);
}

function encodePosition(secret: string, orgId: string, hash: string, p: Position): string {
  const body = Buffer.from(JSON.stringify([p.key, p.value])).toString('base64url');
  return `${body}.${tag(secret, orgId, hash, body).toString('base64url')}`;
}

function decodePosition(secret: string, orgId: string, hash: string, cursor: string): Position | null {
  const match = /^([A-Za-z0-9_-]{1,1800})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match) return null;
  const [, body, sig] = match as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== 16 || !timingSafeEqual(given, tag(secret, orgId, hash, body))) return null;
  try {
    const [key, value] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof key !== 'number' || (value !== null && typeof value !== 'string')) return null;
    return { key, value };
  } catch {
    return null;
  }
}
