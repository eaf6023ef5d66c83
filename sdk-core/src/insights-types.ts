/**
 * Wire types of the insights reads (`/api/v1/insights/*`) and the event export, written by hand like
 * `types.ts` and pinned to the server's schemas by `test/contract.test-d.ts`.
 */
import type { EventFilters } from './types.js';

/** Query of `GET /api/v1/insights/trends`. */
export interface TrendsQuery {
  org_id?: string;
  /** Repeatable: metrics-summary names (`visitors`, `events`, `events:<type>`, `pageviews`, ...); default `visitors`. */
  metric?: string[];
  /** First local day, `YYYY-MM-DD`, inclusive; default 29 days before `end_date`. */
  start_date?: string;
  /** Last local day, `YYYY-MM-DD`, inclusive; default today. */
  end_date?: string;
  /** IANA time zone of the buckets; default `UTC`. */
  tz?: string;
  /** Bucket size; `hour` for ranges of at most 31 days. Default `day`. */
  interval?: 'hour' | 'day' | 'week' | 'month';
  /** `<dimension><op><value>` filters, ANDed. */
  filter?: string[];
  /** A dimension: one series per top value (by total), then `$other`. */
  breakdown?: string;
  /** With `breakdown`: values shown, 1–50 (default 5). */
  limit?: number;
  /** Also answer the range of the same length just before. */
  compare?: 'previous';
  include_bots?: boolean;
}

/** One series of a trend: a metric (and breakdown value), with a point per bucket. */
export interface TrendSeries {
  metric: string;
  /** With `breakdown`: the value (null: unset), or `$other`. */
  breakdown_value?: string | null;
  total: number;
  /** Every bucket of the range in order, zeros included; `t` is its start with the zone's offset. */
  points: { t: string; value: number }[];
}

export interface TrendsResponse {
  interval: string;
  tz: string;
  start_date: string;
  end_date: string;
  series: TrendSeries[];
  compare?: { start_date: string; end_date: string; series: TrendSeries[] };
}

/** Query of `GET /api/v1/insights/breakdown`. */
export interface BreakdownQuery {
  org_id?: string;
  /** `path`, `referrer_host`, `utm_campaign`, `device`, `country`, `prop.<key>`, ... */
  dimension: string;
  /** Repeatable; default `visitors`. Rows are ordered by the first. */
  metric?: string[];
  start_date?: string;
  end_date?: string;
  tz?: string;
  filter?: string[];
  /** Rows per page, 1–1000 (default 10). */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  include_bots?: boolean;
}

export interface BreakdownResponse {
  dimension: string;
  metrics: string[];
  /** By the first metric, descending, then by value. */
  data: { value: string | null; values: Record<string, number> }[];
  /** Over every matching event, whatever its value (distinct counts are not sums of rows). */
  totals: Record<string, number>;
  next_cursor: string | null;
}

/** Body of `POST /api/v1/insights/funnel`. */
export interface FunnelQuery {
  /** 2–10 steps in order, each narrowed by its own filters if given. */
  steps: { event_type: string; filter?: string[] }[];
  /** Every step must follow within this many seconds of the visitor's step 1 (at most 90 days). */
  window_seconds: number;
  start_date: string;
  end_date: string;
  tz?: string;
  /** Applies to every step. */
  filter?: string[];
  /** Group visitors by this dimension's value on their step-1 event. */
  breakdown?: string;
  /** Breakdown values shown, 1–50 (default 5), then `$other`. */
  limit?: number;
  include_bots?: boolean;
}

export interface FunnelStep {
  /** 0 for step 1. */
  index: number;
  event_type: string;
  visitors: number;
  conversion_from_first: number;
  conversion_from_previous: number;
  /** Null for step 1 and when no visitor reached the step. */
  median_seconds_from_previous: number | null;
}

export interface FunnelResponse {
  steps: FunnelStep[];
  breakdown?: { value: string | null; steps: FunnelStep[] }[];
}

/** Query of `GET /api/v1/insights/retention`. */
export interface RetentionQuery {
  org_id?: string;
  /** The event that puts a visitor in a cohort; default any. */
  start_event?: string;
  /** The event that counts as a return; default any. */
  return_event?: string;
  /** Default `day`; weeks are ISO weeks. */
  period?: 'day' | 'week' | 'month';
  /** Return periods per cohort, 1–26 (default 8). */
  periods?: number;
  /** First cohort day, `YYYY-MM-DD`. */
  start_date?: string;
  /** Last cohort day, `YYYY-MM-DD`. */
  end_date?: string;
  tz?: string;
  filter?: string[];
  include_bots?: boolean;
}

export interface RetentionResponse {
  period: string;
  /** Every cohort of the range; `retained[n]`: its visitors back in period n (0: its own). */
  cohorts: { cohort: string; size: number; retained: number[] }[];
}

/** What `exportEvents` streams: the events page's filters (no `limit`: every match, oldest first). */
export type ExportFilters = Omit<EventFilters, 'limit'>;
