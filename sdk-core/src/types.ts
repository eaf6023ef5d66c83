/**
 * Wire types of the analytics API (v1). They mirror the server's OpenAPI document field for field.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Where an event happened (`context` on the wire): only what is set is sent. At most 4 KiB as JSON.
 */
export interface EventContext {
  page?: { path?: string; title?: string; referrer?: string; url?: string };
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  screen?: { width?: number; height?: number };
  /** BCP 47 language tag, e.g. `de-DE`. */
  locale?: string;
  library?: { name?: string; version?: string };
  /** Reserved for delivery completeness: the install and the event's sequence number in it. */
  delivery?: { install_id: string; seq: number };
}

/** Device classes the server derives from the User-Agent. */
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

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
  /** The persisted visitor id (1–64 chars); with `user_id` on `$identify` it links the two. */
  anonymous_id?: string;
  /** 1–64 chars; when absent the server continues the visitor's session or starts one. */
  session_id?: string;
  context?: EventContext;
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
  anonymous_id: string | null;
  /** As sent, or the server's (`s:` and the id of the session's first event). */
  session_id: string | null;
  /** `user_id`, else `anonymous_id`, else a daily-salted hash (`h:…`). */
  visitor_id: string | null;
  context: EventContext | null;
  path: string | null;
  referrer_host: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  browser: string | null;
  os: string | null;
  device: DeviceClass | null;
  /** ISO 3166-1 alpha-2 of the client IP. */
  country: string | null;
  /** Bot events are stored and listed, and left out of the visitor metrics by default. */
  is_bot: boolean;
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
  /** `<dimension><op><value>` filters, ANDed (`path==/pricing`, `country!=US`, `prop.plan~pro`). */
  filter?: string[];
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
  /**
   * Default `['events', 'active_users']`; also `events:<type>`, `visitors`, `sessions`, `pageviews`,
   * `bounce_rate`, `avg_session_duration`, `views_per_session` and stored metric names.
   */
  metrics?: string[];
  /** IANA time zone for day boundaries; default `UTC`. */
  tz?: string;
  /** `<dimension><op><value>` filters, ANDed. */
  filter?: string[];
  /** Count bots in the visitor metrics (default false). */
  include_bots?: boolean;
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
