/**
 * Wire types of the analytics API (v1). They mirror the server's OpenAPI document field for field.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An event as the application hands it to the SDK. */
export interface EventPayload {
  /** 1–128 chars of `[A-Za-z0-9_.:$-]`. */
  event_type: string;
  /** Client-made UUID; the SDK fills in a UUIDv7 when absent. */
  event_id?: string;
  user_id?: string;
  /** RFC 3339 with offset; the SDK fills in the time of `trackEvent`. */
  timestamp?: string;
  properties?: JsonObject;
  /** Must equal the token's org when given. */
  org_id?: string;
  schema_version?: number;
}

/** An event as the API returns it. */
export interface AnalyticsEvent {
  event_id: string;
  org_id: string;
  user_id: string | null;
  event_type: string;
  timestamp: string;
  received_at: string;
  properties: JsonObject;
  schema_version: number;
}

export interface IngestResponse {
  accepted: number;
  duplicates: number;
  event_ids: string[];
}

export interface EventFilters {
  org_id?: string;
  user_id?: string;
  /** One type or several (repeated query parameter). */
  event_type?: string | string[];
  /** `YYYY-MM-DD` or an RFC 3339 instant, inclusive. */
  start_date?: string;
  /** `YYYY-MM-DD` (whole day included) or an RFC 3339 instant (exclusive). */
  end_date?: string;
  /** Page size, 1–1000 (default 50). */
  limit?: number;
}

export interface EventsPage {
  data: AnalyticsEvent[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface MetricsParams {
  org_id?: string;
  /** `YYYY-MM-DD`, inclusive; default 30 days ago. */
  start_date?: string;
  /** `YYYY-MM-DD`, inclusive; default today. */
  end_date?: string;
  /** Default `['events', 'active_users']`; also `events:<type>` and stored metric names. */
  metrics?: string[];
  /** IANA time zone for day boundaries; default `UTC`. */
  tz?: string;
}

export interface MetricsDay {
  date: string;
  values: Record<string, number>;
}

export interface MetricsSummary {
  org_id: string;
  start_date: string;
  end_date: string;
  tz: string;
  metrics: string[];
  daily: MetricsDay[];
  totals: Record<string, number>;
}

export interface EventTypeCount {
  event_type: string;
  count: number;
  last_seen: string;
}

/** RFC 9457 problem document, as every API error is returned. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Stable machine-readable code (`validation_failed`, `invalid_token`, ...): `AnalyticsError.code`. */
  code?: string;
  request_id?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}
