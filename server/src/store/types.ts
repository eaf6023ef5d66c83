/**
 * The storage boundary. Routes speak only to an `EventStore`; SQLite (embedded, one process) and PostgreSQL
 * (scale-out, many processes) implement it. Every method returns a Promise so a networked store fits, even
 * where the SQLite store answers synchronously.
 *
 * Everything that does not depend on the database lives outside the store and is shared by both
 * (`../lib/`, `../domain/`): validation, cursor signing, problem documents, date parsing and time-zone day
 * math. The store receives already-validated, already-normalised values: instants as epoch milliseconds,
 * event ids as canonical lowercase UUID strings, day boundaries precomputed for the requested zone.
 *
 * The shapes that cross the API are derived from its schemas (`../contract.ts`): the store's names are the
 * wire names in camelCase, and instants are epoch milliseconds instead of RFC 3339 text. A field added to
 * a wire schema therefore appears here too, and each store must handle it before it type-checks.
 */
import type { EventOut, EventTypesResponse, IngestAccepted } from '../contract.js';
import type { ClientReport, DeliveryCounts, DeliveryData, DeliveryLimits } from '../domain/delivery.js';
import type { Dimension, Filter } from '../lib/filters.js';

/** `event_id` → `eventId`: the store's name for a wire field. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
/** A wire object with its keys in camelCase, values unchanged. */
export type CamelKeys<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

/** A JSON object as stored in `properties`. */
export type JsonObject = EventOut['properties'];

/** The wire fields of the visitors-and-sessions additions (v1.1): optional when storing, always read back. */
type VisitorWireField =
  | 'anonymous_id'
  | 'session_id'
  | 'visitor_id'
  | 'context'
  | 'path'
  | 'referrer_host'
  | 'utm_source'
  | 'utm_medium'
  | 'utm_campaign'
  | 'browser'
  | 'os'
  | 'device'
  | 'country'
  | 'is_bot';

/** `anonymousId`, `sessionId`, `visitorId`, `context` and the derived columns, as stored and read back. */
export type VisitorFields = CamelKeys<Pick<EventOut, VisitorWireField>>;

/**
 * One event ready to store: validated, id and timestamp filled in. The wire event (`EventOut`) without the
 * fields the store stamps itself (org, receive time) and with its time as epoch ms (`ts`).
 *
 * The visitor fields are optional: absent means null (`isBot`: false), except `visitorId`, which defaults
 * to `userId ?? anonymousId`, and `sessionId`, which the store fills in when the event has a visitor: the
 * visitor's session when its previous event is less than 30 minutes away, else a new one (`sessions.ts`).
 */
export type NewEvent = CamelKeys<Omit<EventOut, 'org_id' | 'timestamp' | 'received_at' | VisitorWireField>> &
  Partial<VisitorFields> & {
    /** Event time, epoch milliseconds (UTC). */
    ts: number;
    /** `properties` already serialised, when the caller has it (saves serialising twice on the hot path). */
    propertiesJson?: string;
    /** `context` already serialised (`null`: none), when the caller has it. */
    contextJson?: string | null;
  };

/** An event as read back: `EventOut` with instants as epoch ms. */
export type StoredEvent = CamelKeys<Omit<EventOut, 'org_id' | 'timestamp' | 'received_at'>> & {
  orgId: EventOut['org_id'];
  /** Event time, epoch milliseconds (UTC). */
  ts: number;
  /** When the server accepted it, epoch milliseconds. */
  receivedAt: number;
};

/**
 * What a successful ingest answers with: the 202 body (`IngestAccepted`): events newly stored, events whose
 * `event_id` was already stored for the org (never stored twice), and every event's id in request order.
 */
export type IngestResult = CamelKeys<IngestAccepted> & {
  /** What the batch added to the delivery bookkeeping (absent when it carried no delivery fields). */
  delivery?: DeliveryCounts;
};

export interface IngestBatch {
  orgId: string;
  events: NewEvent[];
  /** Receive time stamped on every event of the batch, epoch milliseconds. */
  receivedAt: number;
  /**
   * When present, the completed idempotency record (status 202 and the result as body) is written in the
   * same transaction as the events, and the in-flight claim taken by `claimIdempotencyKey` is released.
   */
  idempotency?: IdempotencyRecord;
  /** The batch's `client` report (delivery completeness), validated. */
  client?: ClientReport;
}

/** What `GET /api/v1/delivery` reads for a range (see `domain/delivery.ts`). */
export interface DeliveryDataQuery {
  orgId: string;
  /** The range's first instant (inclusive) and its end (exclusive), epoch ms. */
  fromTs: number;
  toTs: number;
  /** Installs last seen before this cannot have events or reports in the range, epoch ms. */
  seenSince: number;
}

/** Which request an ingest completes: its key and the hash of its body. */
export interface IdempotencyRecord {
  key: string;
  /** Hex SHA-256 of the request body as received. */
  requestHash: string;
}

/** The response remembered for an idempotency key. */
export interface StoredResponse {
  status: number;
  /** The response body exactly as first sent (JSON text). */
  body: string;
}

/**
 * Outcome of claiming an idempotency key (scoped to the org):
 * - `claimed`: nobody holds it; the caller now owns it until `ingest` completes it or `releaseIdempotencyKey`.
 * - `in_flight`: another request with this key is being processed (answer 409).
 * - `completed`: a request with this key finished; `sameRequest` tells whether its body hash matches
 *   (replay `response` with `Idempotent-Replayed: true`) or not (answer 422).
 */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in_flight' }
  | { state: 'completed'; sameRequest: boolean; response: StoredResponse };

export interface IdempotencyClaimInput extends IdempotencyRecord {
  orgId: string;
  /** Now, epoch milliseconds (injectable for tests). */
  now: number;
}

/** Keyset position: the last row of the previous page. */
export interface EventKey {
  ts: number;
  eventId: string;
}

/** Which events a read selects: the `GET /api/v1/events` parameters, shared by the page and the export. */
export interface EventSelection {
  orgId: string;
  userId?: string;
  /** Any of these types (empty or absent: all types). */
  eventTypes?: string[];
  /** Inclusive lower bound on `ts`, epoch ms. */
  fromTs?: number;
  /** Exclusive upper bound on `ts`, epoch ms. */
  toTs?: number;
  /** The contract's `filter` parameters, ANDed (validated by `parseFilters`). */
  filters?: Filter[];
}

export interface EventQuery extends EventSelection {
  /** Return only rows strictly before this key in (ts DESC, event_id DESC) order. */
  before?: EventKey;
  /** 1..1000 rows. */
  limit: number;
}

export interface EventPage {
  /** Newest first: `ts` DESC, then `eventId` DESC (byte order of the UUID = its canonical text order). */
  events: StoredEvent[];
  /** Whether at least one more row matches after the last one returned. */
  hasMore: boolean;
}

export interface MetricsSummaryQuery {
  orgId: string;
  /**
   * Local-day boundaries in the requested zone as epoch ms: day i covers `[dayStarts[i], dayStarts[i+1])`,
   * so the length is the number of days + 1. When every boundary falls on a UTC midnight (UTC itself, or a
   * zone at offset 0 over the range) the store may answer from its daily rollups.
   */
  dayStarts: number[];
  /** The calendar dates `YYYY-MM-DD` of those days (length = days), for the stored `metrics` table. */
  dates: string[];
  /** Count all events per day (`events`). */
  events: boolean;
  /** Distinct users per day and over the whole range (`active_users`). */
  activeUsers: boolean;
  /** Per-type counts wanted (`events:<type>`). */
  eventTypes: string[];
  /** Names from the stored `metrics` table wanted, summed per day. */
  storedMetrics: string[];
  /** Distinct visitors per day and over the range, merged through identify (`visitors`). */
  visitors?: boolean;
  /** `page_view` events per day (`pageviews`). */
  pageviews?: boolean;
  /** The facts of the sessions that start each day (`sessions` and the rates built on them). */
  sessions?: boolean;
  /**
   * Only events matching every filter count. A session counts when it starts in the day and has at least
   * one matching event in the range; its facts (length, events, page views) are still the whole session's.
   */
  filters?: Filter[];
  /** Count bot events in `visitors`, `pageviews` and the sessions (default false). */
  includeBots?: boolean;
}

export interface SummaryDay {
  events: number;
  activeUsers: number;
  byType: Record<string, number>;
  stored: Record<string, number>;
  visitors: number;
  pageviews: number;
  /** Sessions that start this day, of which `bounces` had exactly one event, a page_view. */
  sessions: number;
  bounces: number;
  /** Sum over those sessions of (last event − first event), ms. */
  sessionDurationMs: number;
  /** Sum over those sessions of their page_view counts. */
  sessionPageviews: number;
}

export interface SummaryResult {
  /** One entry per day, in order, zeros included. */
  days: SummaryDay[];
  /** Distinct users over the whole range (not the sum of the days). */
  totalActiveUsers: number;
  /** Distinct visitors over the whole range. */
  totalVisitors: number;
}

/** One condition of a visitor scan: an event type (absent: any) and filters of its own. */
export interface EventCondition {
  eventType?: string;
  filters: Filter[];
}

/**
 * The events that insights read (`domain/insights/`): every event of the org in `[fromTs, toTs)` matching
 * `filters` and at least one of `conditions`, in time order, with its visitor (merged through identify).
 * Read-only, within the query budget: past `deadline` the store cancels the query in the database and
 * rejects with the `query_timeout` error; when `signal` aborts it stops as soon as it can.
 */
export interface VisitorScan {
  orgId: string;
  fromTs: number;
  toTs: number;
  /** Bit i of each row's `mask` says the event matches `conditions[i]` (at most 30). */
  conditions: EventCondition[];
  filters: Filter[];
  includeBots: boolean;
  /** Also read this dimension's value of each event (`value`). */
  breakdown?: Dimension;
  /** Epoch ms. */
  deadline: number;
  /** The whole budget, ms (for the 503's message). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface VisitorEventRow {
  visitor: string;
  ts: number;
  mask: number;
  value?: string | null;
}

/**
 * The events trends and breakdowns count (`domain/insights/trends.ts`): every event of the org in
 * `[fromTs, toTs)` matching `filters` (bots only with `includeBots`), in time order, with the columns `need`
 * asks for. Within the query budget, like `VisitorScan`.
 */
export interface MetricScan {
  orgId: string;
  fromTs: number;
  toTs: number;
  filters: Filter[];
  includeBots: boolean;
  /** Also read this dimension's value of each event (`value`). */
  breakdown?: Dimension;
  need: {
    /** `user`: the event's user id. */
    user: boolean;
    /** `visitor`: its visitor, merged through identify. */
    visitor: boolean;
    /** `session`: its session's facts (the whole session's, as stored). */
    session: boolean;
  };
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A session as a metric scan reports it, on each of its events. */
export interface SessionFacts {
  /** Session id and bot flag: what makes a session one. */
  key: string;
  startTs: number;
  endTs: number;
  events: number;
  pageviews: number;
}

export interface MetricEventRow {
  ts: number;
  type: string;
  user: string | null;
  visitor: string | null;
  session: SessionFacts | null;
  value?: string | null;
}

/**
 * Metric counts per bucket (trends): each array has one entry per bucket. Sessions count in the bucket
 * they start in; `users` and `visitors` are distinct per bucket, `total*` distinct over all of them.
 */
export interface MetricTally {
  events: number[];
  pageviews: number[];
  byType: Record<string, number[]>;
  users: number[];
  visitors: number[];
  totalUsers: number;
  totalVisitors: number;
  sessions: number[];
  bounces: number[];
  durationMs: number[];
  sessionPageviews: number[];
}

/** Unfiltered counts per bucket from a store's rollups (`metricRollups`). */
export interface RollupQuery {
  orgId: string;
  /** Bucket boundaries, epoch ms: bucket i is `[bounds[i], bounds[i + 1])`. */
  bounds: number[];
  /** The `events:<type>` counts wanted. */
  eventTypes: string[];
  /** Count bot events in `events`, the types and `users`. */
  countBots: boolean;
  /** Count bot events in `pageviews`, `visitors` and the sessions. */
  peopleBots: boolean;
  users: boolean;
  visitors: boolean;
  sessions: boolean;
}

/** Every event matching the `GET /api/v1/events` filters, oldest first, in chunks (`exportEvents`). */
export interface ExportQuery extends EventSelection {
  /** Rows per chunk (each chunk is one query within the budget). */
  chunkSize: number;
  /** The time budget of each chunk's query, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One entry of `EventTypesResponse`, with `lastSeen` as epoch ms. */
export type EventTypeStat = CamelKeys<Omit<EventTypesResponse['data'][number], 'last_seen'>> & {
  /** Newest event timestamp of that type, epoch ms. */
  lastSeen: number;
};

/** Sample data as read from `sample_data/` (timestamps already shifted by the caller). */
export interface SampleData {
  organizations: { orgId: string; name: string; plan: string; createdAt: string }[];
  users: {
    userId: string;
    email: string;
    name: string;
    role: string;
    createdAt: string;
    updatedAt: string;
  }[];
  userOrgs: { userId: string; orgId: string; role: string; joinedAt: string }[];
  events: (NewEvent & { orgId: string })[];
  metrics: { orgId: string; date: string; name: string; value: number }[];
}

export interface StoreInfo {
  kind: 'sqlite' | 'postgres';
  /** Where the data lives, without credentials (a path, or host/database). */
  location: string;
}

/**
 * A publishable ingest key as stored: never the key itself, only its SHA-256 (`keyHash`) and the first
 * characters (`prefix`) for recognising it in a list.
 */
export interface IngestKeyRow {
  orgId: string;
  /** UUIDv7, canonical lowercase text. */
  id: string;
  name: string;
  /** `pk_` and the first characters of the key: shown in lists, too short to use. */
  prefix: string;
  /** Origins (`https://shop.example`) the key is accepted from; empty: any origin, or none. */
  allowedOrigins: string[];
  /** The key's own requests per minute; null: the server's default. */
  rateLimitPerMinute: number | null;
  /** Epoch ms. */
  createdAt: number;
}

/** What authenticating a request with a key needs, found by the key's hash. */
export interface IngestKeyMatch {
  orgId: string;
  id: string;
  allowedOrigins: string[];
  rateLimitPerMinute: number | null;
  revoked: boolean;
}

/** How ingest batches were committed since the store opened (for `/metrics`). */
export interface WriteStats {
  /** Transactions that stored ingest batches (group commit: several batches each). */
  transactions: number;
  /** Ingest batches committed in them. */
  batches: number;
  /** SQLite: whether ingest is written on the writer thread (false: on the event loop). */
  writerThread?: boolean;
}

export interface EventStore {
  readonly info: StoreInfo;

  /** Write statistics, where the store keeps them. */
  writeStats?(): WriteStats;

  /** Apply pending forward-only numbered migrations (idempotent; called at start). */
  migrate(): Promise<void>;

  /** Readiness: resolves when the database answers a trivial query, rejects otherwise. */
  ping(): Promise<void>;

  /**
   * Take an idempotency key for a request, or report its state. A claim older than the store's lease (a
   * crashed process) may be taken over. Completed records are kept at least 24 hours.
   */
  claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim>;

  /** Give up an in-flight claim without completing it (the request failed), so a retry can proceed. */
  releaseIdempotencyKey(orgId: string, key: string): Promise<void>;

  /**
   * Store a batch atomically: events (deduplicated by `(org, event_id)`), rollups and, when given, the
   * completed idempotency record, all in one transaction. Resolves only after the transaction committed
   * durably: a 202 sent after this resolves survives the process being killed.
   */
  ingest(batch: IngestBatch): Promise<IngestResult>;

  /** One keyset page, newest first. */
  queryEvents(query: EventQuery): Promise<EventPage>;

  /** Daily values for a metrics summary; cost proportional to days (from rollups) where the zone allows. */
  metricsSummary(query: MetricsSummaryQuery): Promise<SummaryResult>;

  /** Names in the org's stored `metrics` table (to validate and list known metric names). */
  storedMetricNames(orgId: string): Promise<string[]>;

  /** The org's event types, most frequent first. */
  eventTypes(orgId: string): Promise<EventTypeStat[]>;

  /**
   * Load `sample_data/` once: when the store already holds the sample (a marker it keeps), does nothing
   * and resolves `false`; otherwise loads it in one transaction and resolves `true`.
   */
  seedSample(data: SampleData): Promise<boolean>;

  /**
   * Bulk load for generated data sets: the same rows and rollups as `ingest`, without idempotency
   * records, in as few transactions as the store likes. Call repeatedly with chunks (10k–100k rows).
   * Returns the number of events newly stored.
   */
  bulkLoad(events: (NewEvent & { orgId: string; receivedAt: number })[]): Promise<number>;

  /**
   * Store a new publishable key (`keyHash` is unique across every org). The key itself never reaches the
   * store: only its SHA-256.
   */
  createKey(key: IngestKeyRow & { keyHash: Buffer }): Promise<void>;

  /** The org's keys that are not revoked, oldest first. */
  listKeys(orgId: string): Promise<IngestKeyRow[]>;

  /**
   * Revoke one of the org's keys at `now` (epoch ms). `false` when the org has no key with that id (another
   * org's key included); revoking a revoked key again is `true` and keeps the first revocation time.
   */
  revokeKey(orgId: string, id: string, now: number): Promise<boolean>;

  /** The key with this SHA-256, revoked or not; undefined when there is none. */
  findKeyByHash(keyHash: Buffer): Promise<IngestKeyMatch | undefined>;

  /**
   * Whether some key that is not revoked accepts requests from `origin`: it lists the origin, or lists none
   * (any origin). Answers CORS preflights of `POST /api/v1/events`, which carry no key.
   */
  keyOriginAllowed(origin: string): Promise<boolean>;

  /** Delete idempotency records older than `olderThan` (epoch ms); returns how many went. */
  purgeIdempotencyKeys(olderThan: number): Promise<number>;

  /**
   * The secret salt of cookieless visitor ids for a UTC day (day number), made at random on first use and
   * shared by every process of the store. Making one deletes the salts of days before `day - 1`, so no salt
   * outlives two days.
   */
  visitorSalt(day: number): Promise<string>;

  /**
   * Fill the visitor and page columns of rows stored before the visitors migration (`visitor_id` from
   * `user_id`, path, referrer and UTM from `context` or page-view properties, and their daily visitors), in
   * chunks of 5,000 rows per transaction with the progress kept in the database. Started in the background
   * by `openStore`; resolves with the rows filled when none is left (at once when there were none).
   */
  backfill(): Promise<number>;

  /** The events insights count (see `VisitorScan`), in chunks in time order. */
  scanVisitorEvents(scan: VisitorScan): AsyncIterable<VisitorEventRow[]>;

  /**
   * Unfiltered counts per bucket from rollups, in O(hours) rows; `null` when the store's rollups cannot
   * answer those boundaries (the caller then scans).
   */
  metricRollups?(query: RollupQuery): Promise<MetricTally | null>;

  /** The events trends and breakdowns count (see `MetricScan`), in chunks in time order. */
  scanMetricEvents(scan: MetricScan): AsyncIterable<MetricEventRow[]>;

  /**
   * Every matching event, oldest first (`ts`, then `eventId`), in chunks: one keyset query per chunk, so
   * memory stays bounded at any size and nothing more is read once the consumer stops (or `signal` aborts).
   */
  exportEvents(query: ExportQuery): AsyncIterable<StoredEvent[]>;

  /**
   * The delivery bookkeeping a report of the range needs: the installs seen since `seenSince` (with their
   * day masks) and the org's quarter-hour counts in the range.
   */
  deliveryData(query: DeliveryDataQuery): Promise<DeliveryData>;

  /** Finish pending work and close the database. Further calls reject. */
  close(): Promise<void>;
}

/** Options every store factory accepts. */
export interface StoreOptions {
  /**
   * What a committed write survives. `process` (default): the server process being killed at any moment.
   * `power`: also power loss and kernel crashes (an fsync per commit).
   */
  durability?: 'process' | 'power';
  /** How long an in-flight idempotency claim is honoured before another request may take it over, ms. */
  idempotencyLeaseMs?: number;
  /** Bounds of the delivery bookkeeping per org and install (default `DEFAULT_DELIVERY_LIMITS`). */
  deliveryLimits?: Partial<DeliveryLimits>;
}

/** What `store/postgres/index.ts` must export (loaded dynamically for `postgres://` URLs). */
export type StoreFactory = (databaseUrl: string, options?: StoreOptions) => Promise<EventStore>;
