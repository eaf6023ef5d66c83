import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  type DeliveryCounts,
  type DeliveryData,
  type DeliveryLimits,
  deliveryBatch,
} from '../../domain/delivery.js';
import { DAY_MS, formatDay, parseDate } from '../../lib/time.js';
import { assignSessions, needsSessionLookup, PAGE_VIEW_EVENT } from '../sessions.js';
import { DEFAULT_IDEMPOTENCY_LEASE_MS } from '../shared.js';
import type {
  DeliveryDataQuery,
  EventPage,
  EventQuery,
  EventStore,
  EventTypeStat,
  ExportQuery,
  IdempotencyClaim,
  IdempotencyClaimInput,
  IngestBatch,
  IngestKeyMatch,
  IngestKeyRow,
  IngestResult,
  MetricEventRow,
  MetricScan,
  MetricsSummaryQuery,
  NewEvent,
  SampleData,
  StoredEvent,
  StoreFactory,
  StoreInfo,
  StoreOptions,
  SummaryResult,
  VisitorEventRow,
  VisitorScan,
} from '../types.js';
import { backfillChunk } from './backfill.js';
import { readDelivery, writeDelivery } from './delivery.js';
import { type EventRow, toStoredEvent } from './event-row.js';
import { postgresMetricScan } from './insights/metric-scan.js';
import { postgresExport, postgresScan } from './insights/scan.js';
import * as KEYS from './keys.js';
import { migrate } from './migrations.js';
import { coveredMonths, createPartitions, monthOf, monthsOf } from './partitions.js';
import * as SQL from './statements.js';
import { inTransaction, lockForTransaction } from './transaction.js';
import { type PgTarget, parsePgUrl } from './url.js';
import { assignWithLookup, type OrgEvent, serialise, sessionInputs, visitorParams } from './visitors.js';

type Row = NewEvent & { orgId: string; receivedAt: number };
type Queryable = pg.Pool | pg.PoolClient;

/** Months of partitions kept ready ahead of the current one, and how often the server checks. */
const MONTHS_AHEAD = 3;
const MAINTENANCE_INTERVAL_MS = 3_600_000;
/** Rows per statement for bulk loads: big enough to amortise the round trip, small enough to stay in memory. */
const BULK_CHUNK = 5_000;
/** Rows the backfill fills per transaction, and the pause between two. */
const BACKFILL_CHUNK = 5_000;
const BACKFILL_PAUSE_MS = 20;
/** Deadlock and serialisation failures abort a whole statement, which is therefore safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const NO_PARTITION = '23514';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const createStore: StoreFactory = async (databaseUrl, options) =>
  new PostgresEventStore(parsePgUrl(databaseUrl), options);

/**
 * The scale-out store: any number of API processes share one PostgreSQL database (or a Citus cluster).
 * Nothing that must be consistent lives in process memory: idempotency claims are rows, taken with
 * `INSERT … ON CONFLICT` under row locks; dedup is a primary key; cursors depend only on the shared secret.
 * The only per-process state is a cache of which monthly partitions exist, which is allowed to be stale
 * (an insert that finds no partition makes it and retries).
 *
 * Durability: each batch is one statement committed with `synchronous_commit = on` (forced per session), so
 * `ingest` resolves only once the WAL record is flushed.
 */
export class PostgresEventStore implements EventStore {
  readonly info: StoreInfo;
  readonly pool: pg.Pool;
  readonly #target: PgTarget;
  readonly #leaseMs: number;
  readonly #deliveryLimits: Partial<DeliveryLimits> | undefined;
  #months = new Set<number>();
  #maintenance: NodeJS.Timeout | undefined;
  #closed = false;
  /** Visitor salts by UTC day, as read or made (a promise, so concurrent requests share one). */
  readonly #salts = new Map<number, Promise<string>>();
  #backfill: Promise<number> | undefined;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(target: PgTarget, options: StoreOptions = {}) {
    this.#target = target;
    this.#leaseMs = options.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    this.#deliveryLimits = options.deliveryLimits;
    this.info = { kind: 'postgres', location: target.location };
    this.pool = new pg.Pool({
      connectionString: target.connectionString,
      options: target.options,
      max: target.poolMax,
      application_name: 'analytics-api',
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that the server drops (restart, failover) emits here; without a listener the
    // process would crash. The pool discards that client and the next query opens a new one.
    this.pool.on('error', () => {});
  }

  get schema(): string {
    return this.#target.schema;
  }

  async migrate(): Promise<void> {
    this.#assertOpen();
    const client = await this.pool.connect();
    try {
      await migrate(client, this.#target.schema);
    } finally {
      client.release();
    }
    await this.maintainPartitions();
    if (!this.#maintenance) {
      this.#maintenance = setInterval(() => {
        this.maintainPartitions().catch(() => {
          // Retried at the next tick; an insert into a missing month creates its partition anyway.
        });
        // A replica that stops receiving cookieless traffic still lets go of old salts.
        this.#purgeSalts(Math.floor(Date.now() / DAY_MS)).catch(() => {});
      }, MAINTENANCE_INTERVAL_MS);
      this.#maintenance.unref();
    }
  }

  /** Make sure the partitions from last month to MONTHS_AHEAD months ahead exist. */
  async maintainPartitions(now = Date.now()): Promise<number[]> {
    const current = monthOf(now);
    const wanted: number[] = [];
    for (let m = current - 1; m <= current + MONTHS_AHEAD; m++) wanted.push(m);
    const created = await createPartitions(this.pool, this.#target.schema, wanted);
    this.#months = await coveredMonths(this.pool, this.#target.schema);
    return created;
  }

  // ---- visitors: salts and the backfill -------------------------------------------------------------

  visitorSalt(day: number): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    let salt = this.#salts.get(day);
    if (!salt) {
      salt = this.#op(() => this.#visitorSalt(day));
      salt.catch(() => this.#salts.delete(day));
      for (const d of this.#salts.keys()) if (d < day - 1) this.#salts.delete(d);
      this.#salts.set(day, salt);
    }
    return salt;
  }

  /** Every replica gets the same salt: the first insert wins, the others read it. */
  async #visitorSalt(day: number): Promise<string> {
    const date = formatDay(day);
    const { rows } = await this.#run<{ salt: string }>(this.pool, SQL.MAKE_SALT, [
      date,
      randomBytes(32).toString('base64url'),
    ]);
    if (rows[0]) {
      await this.#purgeSalts(day);
      return rows[0].salt;
    }
    const found = await this.#run<{ salt: string }>(this.pool, SQL.READ_SALT, [date]);
    return found.rows[0]!.salt;
  }

  async #purgeSalts(day: number): Promise<void> {
    await this.#run(this.pool, SQL.PURGE_SALTS, [formatDay(day - 1)]);
  }

  backfill(): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    this.#backfill ??= this.#op(async () => {
      let rows = 0;
      while (!this.#closed) {
        const chunk = await backfillChunk(this.pool, BACKFILL_CHUNK);
        rows += chunk.rows;
        if (chunk.done) break;
        await new Promise((r) => setTimeout(r, BACKFILL_PAUSE_MS));
      }
      return rows;
    });
    return this.#backfill;
  }

  async #ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  // ---- the EventStore methods: each one is tracked so close() can wait for it ----------------------

  ping(): Promise<void> {
    return this.#op(() => this.#ping());
  }

  claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim> {
    return this.#op(() => this.#claimIdempotencyKey(input));
  }

  releaseIdempotencyKey(orgId: string, key: string): Promise<void> {
    return this.#op(() => this.#releaseIdempotencyKey(orgId, key));
  }

  purgeIdempotencyKeys(olderThan: number): Promise<number> {
    return this.#op(() => this.#purgeIdempotencyKeys(olderThan));
  }

  ingest(batch: IngestBatch): Promise<IngestResult> {
    return this.#op(() => this.#ingest(batch));
  }

  bulkLoad(events: Row[]): Promise<number> {
    return this.#op(() => this.#bulkLoad(events));
  }

  seedSample(data: SampleData): Promise<boolean> {
    return this.#op(() => this.#seedSample(data));
  }

  queryEvents(q: EventQuery): Promise<EventPage> {
    return this.#op(() => this.#queryEvents(q));
  }

  metricsSummary(q: MetricsSummaryQuery): Promise<SummaryResult> {
    return this.#op(() => this.#metricsSummary(q));
  }

  storedMetricNames(orgId: string): Promise<string[]> {
    return this.#op(() => this.#storedMetricNames(orgId));
  }

  eventTypes(orgId: string): Promise<EventTypeStat[]> {
    return this.#op(() => this.#eventTypes(orgId));
  }

  scanVisitorEvents(scan: VisitorScan): AsyncIterable<VisitorEventRow[]> {
    this.#assertOpen();
    return postgresScan(this.pool, scan);
  }

  scanMetricEvents(scan: MetricScan): AsyncIterable<MetricEventRow[]> {
    this.#assertOpen();
    return postgresMetricScan(this.pool, scan);
  }

  exportEvents(query: ExportQuery): AsyncIterable<StoredEvent[]> {
    this.#assertOpen();
    return postgresExport(this.pool, query);
  }

  // ---- publishable keys (keys.ts) -------------------------------------------------------------------

  createKey(key: IngestKeyRow & { keyHash: Buffer }): Promise<void> {
    return this.#op(async () => {
      await this.#run(this.pool, KEYS.CREATE_KEY, [
        key.orgId,
        key.id,
        key.keyHash,
        key.prefix,
        key.name,
        key.allowedOrigins,
        key.rateLimitPerMinute,
        key.createdAt,
      ]);
    });
  }

  listKeys(orgId: string): Promise<IngestKeyRow[]> {
    return this.#op(async () => {
      const { rows } = await this.#run<{
        org_id: string;
        id: string;
        name: string;
        prefix: string;
        allowed_origins: string[];
        rate_limit_per_minute: number | null;
        created_at: number;
      }>(this.pool, KEYS.LIST_KEYS, [orgId]);
      return rows.map((r) => ({
        orgId: r.org_id,
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        allowedOrigins: r.allowed_origins,
        rateLimitPerMinute: r.rate_limit_per_minute,
        createdAt: r.created_at,
      }));
    });
  }

  revokeKey(orgId: string, id: string, now: number): Promise<boolean> {
    return this.#op(async () => {
      // Not a UUID: no key has that id (and the cast would fail).
      if (!UUID.test(id)) return false;
      return ((await this.#run(this.pool, KEYS.REVOKE_KEY, [orgId, id, now])).rowCount ?? 0) > 0;
    });
  }

  findKeyByHash(keyHash: Buffer): Promise<IngestKeyMatch | undefined> {
    return this.#op(async () => {
      const { rows } = await this.#run<{
        org_id: string;
        id: string;
        allowed_origins: string[];
        rate_limit_per_minute: number | null;
        revoked: boolean;
      }>(this.pool, KEYS.FIND_KEY, [keyHash]);
      const r = rows[0];
      if (!r) return undefined;
      return {
        orgId: r.org_id,
        id: r.id,
        allowedOrigins: r.allowed_origins,
        rateLimitPerMinute: r.rate_limit_per_minute,
        revoked: r.revoked,
      };
    });
  }

  keyOriginAllowed(origin: string): Promise<boolean> {
    return this.#op(async () => {
      const { rows } = await this.#run<{ allowed: boolean }>(this.pool, KEYS.KEY_ORIGIN_ALLOWED, [origin]);
      return rows[0]?.allowed === true;
    });
  }

  /** Make sure partitions exist for these event timestamps (bulk tools that write events themselves). */
  preparePartitions(timestamps: number[]): Promise<void> {
    return this.#op(() => this.#ensureMonths(timestamps));
  }

  // ---- idempotency ----------------------------------------------------------------------------------

  async #claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim> {
    const claim = randomUUID();
    // A released key can vanish between the two statements; then the claim is simply tried again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const taken = await this.#run(this.pool, SQL.CLAIM, [
        input.orgId,
        input.key,
        input.requestHash,
        claim,
        input.now,
        input.now - this.#leaseMs,
      ]);
      if (taken.rowCount === 1) return { state: 'claimed' };
      const { rows } = await this.#run<{ request_hash: string; status: number | null; body: string | null }>(
        this.pool,
        SQL.CLAIM_STATE,
        [input.orgId, input.key],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.status === null || row.body === null) return { state: 'in_flight' };
      return {
        state: 'completed',
        sameRequest: row.request_hash === input.requestHash,
        response: { status: row.status, body: row.body },
      };
    }
    // Claimed and released five times in a row by others: report it as busy rather than spin.
    return { state: 'in_flight' };
  }

  async #releaseIdempotencyKey(orgId: string, key: string): Promise<void> {
    await this.#run(this.pool, SQL.RELEASE, [orgId, key]);
  }

  async #purgeIdempotencyKeys(olderThan: number): Promise<number> {
    return (await this.#run(this.pool, SQL.PURGE, [olderThan])).rowCount ?? 0;
  }

  // ---- writes ---------------------------------------------------------------------------------------

  async #ingest(batch: IngestBatch): Promise<IngestResult> {
    const events = batch.events;
    const { properties, contexts } = serialise(events);
    const eventIds = events.map((e) => e.eventId);
    const base: unknown[] = [
      batch.orgId,
      eventIds,
      events.map((e) => e.eventType),
      events.map((e) => e.userId),
      events.map((e) => e.ts),
      properties,
      events.map((e) => e.schemaVersion),
      batch.receivedAt,
    ];
    const idem = batch.idempotency
      ? [batch.idempotency.key, batch.idempotency.requestHash, events.length, JSON.stringify(eventIds)]
      : [];
    const stmt = batch.idempotency ? INGEST_IDEM : INGEST;
    const org = events.map((e) => ({ ...e, orgId: batch.orgId }));
    const facts = deliveryBatch(events, batch.client, this.#deliveryLimits);
    let delivery: DeliveryCounts | undefined;
    const accepted = await this.#writeWithSessions(
      org,
      (inputs, moved) => [...base, ...visitorParams(events, inputs, contexts, moved), ...idem],
      stmt,
      facts &&
        (async (client) => {
          delivery = await writeDelivery(client, batch.orgId, facts, batch.receivedAt);
        }),
    );
    const result: IngestResult = { accepted, duplicates: events.length - accepted, eventIds };
    if (delivery) result.delivery = delivery;
    return result;
  }

  /**
   * Write a batch whose events may lack session ids. When some do, the visitors' latest events are read
   * and the batch written in one transaction holding a lock per visitor (`visitors.ts`), retried whole on
   * a deadlock; otherwise it is one statement. `also` (the delivery bookkeeping) runs in that transaction
   * after the write, and makes one when the write alone would not need it.
   */
  async #writeWithSessions(
    events: OrgEvent[],
    values: (inputs: ReturnType<typeof sessionInputs>, moved: ReturnType<typeof assignSessions>) => unknown[],
    stmt: SQL.Statement,
    also?: (client: pg.PoolClient) => Promise<void>,
  ): Promise<number> {
    const timestamps = events.map((e) => e.ts);
    const lookup = needsSessionLookup(sessionInputs(events));
    if (!lookup && !also) {
      const inputs = sessionInputs(events);
      return this.#write(
        timestamps,
        stmt,
        values(
          inputs,
          assignSessions(inputs, () => undefined),
        ),
      );
    }
    await this.#ensureMonths(timestamps);
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, async (client) => {
          const inputs = sessionInputs(events);
          const moved = lookup
            ? await assignWithLookup(client, this.#target.schema, inputs)
            : assignSessions(inputs, () => undefined);
          const accepted = await this.#write(timestamps, stmt, values(inputs, moved), client);
          await also?.(client);
          return accepted;
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 4) throw err;
        if (code === NO_PARTITION && /no partition/.test((err as Error).message)) {
          this.#months = await coveredMonths(this.pool, this.#target.schema);
          await this.#ensureMonths(timestamps, true);
        } else if (!RETRYABLE.has(code ?? '')) throw err;
      }
    }
  }

  async #bulkLoad(events: Row[]): Promise<number> {
    let stored = 0;
    // Sessions are assigned over the whole call, as one batch, so how it is chunked changes nothing.
    const inputs = sessionInputs(events);
    const moved = needsSessionLookup(inputs)
      ? await inTransaction(this.pool, (client) => assignWithLookup(client, this.#target.schema, inputs))
      : assignSessions(inputs, () => undefined);
    for (let i = 0; i < events.length; i += BULK_CHUNK) {
      stored += await this.#bulkChunk(
        this.pool,
        events.slice(i, i + BULK_CHUNK),
        inputs.slice(i, i + BULK_CHUNK),
        i === 0 ? moved : new Map(),
      );
    }
    return stored;
  }

  async #bulkChunk(
    db: Queryable,
    rows: Row[],
    inputs: ReturnType<typeof sessionInputs>,
    moved: ReturnType<typeof assignSessions>,
  ): Promise<number> {
    const { properties, contexts } = serialise(rows);
    return this.#write(
      rows.map((e) => e.ts),
      BULK,
      [
        rows.map((e) => e.orgId),
        rows.map((e) => e.eventId),
        rows.map((e) => e.eventType),
        rows.map((e) => e.userId),
        rows.map((e) => e.ts),
        properties,
        rows.map((e) => e.schemaVersion),
        rows.map((e) => e.receivedAt),
        ...visitorParams(rows, inputs, contexts, moved),
      ],
      db,
    );
  }

  /**
   * Run a write statement after making sure its months have partitions. Outside a transaction, a deadlock
   * or a partition dropped behind the cache's back is retried: the failed statement changed nothing.
   */
  async #write(
    timestamps: number[],
    stmt: SQL.Statement,
    values: unknown[],
    db: Queryable = this.pool,
  ): Promise<number> {
    await this.#ensureMonths(timestamps);
    const retry = db === this.pool;
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.#run<{ accepted: number }>(db, stmt, values);
        return rows[0]?.accepted ?? 0;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!retry || attempt >= 4) throw err;
        if (code === NO_PARTITION && /no partition/.test((err as Error).message)) {
          this.#months = await coveredMonths(this.pool, this.#target.schema);
          await this.#ensureMonths(timestamps, true);
        } else if (!RETRYABLE.has(code ?? '')) {
          throw err;
        }
      }
    }
  }

  async #ensureMonths(timestamps: number[], force = false): Promise<void> {
    const needed = monthsOf(timestamps);
    const missing = force ? [...needed] : [...needed].filter((m) => !this.#months.has(m));
    if (missing.length === 0) return;
    await createPartitions(this.pool, this.#target.schema, missing);
    this.#months = await coveredMonths(this.pool, this.#target.schema);
  }

  async #seedSample(data: SampleData): Promise<boolean> {
    const rows: Row[] = data.events.map((e) => ({ ...e, receivedAt: e.ts }));
    await this.#ensureMonths(rows.map((r) => r.ts));
    return inTransaction(this.pool, async (client) => {
      // Replicas starting together all try to seed; the lock makes the second one find the marker.
      await lockForTransaction(client, this.#target.schema, 'seed');
      const marker = await client.query("SELECT 1 FROM meta WHERE key = 'sample_seeded'");
      if (marker.rowCount === 1) return false;
      await client.query(SQL.UPSERT_ORGANIZATIONS, [
        data.organizations.map((o) => o.orgId),
        data.organizations.map((o) => o.name),
        data.organizations.map((o) => o.plan),
        data.organizations.map((o) => o.createdAt),
      ]);
      await client.query(SQL.UPSERT_USERS, [
        data.users.map((u) => u.userId),
        data.users.map((u) => u.email),
        data.users.map((u) => u.name),
        data.users.map((u) => u.role),
        data.users.map((u) => u.createdAt),
        data.users.map((u) => u.updatedAt),
      ]);
      const memberships = new Map(data.userOrgs.map((m) => [`${m.orgId}\0${m.userId}`, m]));
      const userOrgs = [...memberships.values()];
      await client.query(SQL.UPSERT_USER_ORGS, [
        userOrgs.map((m) => m.orgId),
        userOrgs.map((m) => m.userId),
        userOrgs.map((m) => m.role),
        userOrgs.map((m) => m.joinedAt),
      ]);
      const inputs = sessionInputs(rows);
      const moved = await assignWithLookup(client, this.#target.schema, inputs);
      for (let i = 0; i < rows.length; i += BULK_CHUNK) {
        const end = i + BULK_CHUNK;
        await this.#bulkChunk(client, rows.slice(i, end), inputs.slice(i, end), i === 0 ? moved : new Map());
      }
      // Rows of the same org, name and day are summed, as the SQLite store does.
      const sums = new Map<string, { orgId: string; name: string; date: string; value: number }>();
      for (const m of data.metrics) {
        if (parseDate(m.date) === null) throw new Error(`metrics: invalid date "${m.date}"`);
        const k = `${m.orgId}\0${m.name}\0${m.date}`;
        const hit = sums.get(k);
        if (hit) hit.value += m.value;
        else sums.set(k, { ...m });
      }
      const metrics = [...sums.values()];
      await client.query(
        `INSERT INTO metrics (org_id, metric_name, day, value)
         SELECT o, n, d::date, v FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS t(o, n, d, v)
         ON CONFLICT (org_id, metric_name, day) DO UPDATE SET value = metrics.value + excluded.value`,
        [
          metrics.map((m) => m.orgId),
          metrics.map((m) => m.name),
          metrics.map((m) => m.date),
          metrics.map((m) => m.value),
        ],
      );
      await client.query("INSERT INTO meta (key, value) VALUES ('sample_seeded', $1)", [
        new Date().toISOString(),
      ]);
      return true;
    });
  }

  // ---- reads ----------------------------------------------------------------------------------------

  async #queryEvents(q: EventQuery): Promise<EventPage> {
    const types = q.eventTypes && q.eventTypes.length > 0 ? q.eventTypes : undefined;
    const shape = {
      user: q.userId !== undefined,
      types: types !== undefined,
      from: q.fromTs !== undefined,
      to: q.toTs !== undefined,
      before: q.before !== undefined,
    };
    const values: unknown[] = [q.orgId];
    if (q.userId !== undefined) values.push(q.userId);
    if (types) values.push(types);
    if (q.fromTs !== undefined) values.push(q.fromTs);
    if (q.toTs !== undefined) values.push(q.toTs);
    if (q.before) values.push(q.before.ts, q.before.eventId);
    const { stmt, filterParams } = pageStatement(shape, q.filters ?? []);
    values.push(...filterParams, q.limit + 1);
    const { rows } = await this.#run<EventRow>(this.pool, stmt, values);
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.pop();
    return {
      hasMore,
      events: rows.map((r) => toStoredEvent(q.orgId, r)),
    };
  }

  async #metricsSummary(q: MetricsSummaryQuery): Promise<SummaryResult> {
    const nDays = q.dayStarts.length - 1;
    const days = Array.from({ length: nDays }, () => ({
      events: 0,
      activeUsers: 0,
      byType: Object.fromEntries(q.eventTypes.map((t) => [t, 0])) as Record<string, number>,
      stored: Object.fromEntries(q.storedMetrics.map((m) => [m, 0])) as Record<string, number>,
      visitors: 0,
      pageviews: 0,
      sessions: 0,
      bounces: 0,
      sessionDurationMs: 0,
      sessionPageviews: 0,
    }));
    const result: SummaryResult = { days, totalActiveUsers: 0, totalVisitors: 0 };
    if (nDays === 0) return result;

    const firstDay = q.dayStarts[0]! / DAY_MS;
    const aligned = Number.isInteger(firstDay) && q.dayStarts.every((t, i) => t === (firstDay + i) * DAY_MS);
    const wanted = new Set(q.eventTypes);
    const work: Promise<void>[] = [];
    if (aligned && (q.filters ?? []).length === 0)
      work.push(this.#summaryFromRollups(q, firstDay, wanted, result));
    else work.push(this.#summaryFromEvents(q, wanted, result));
    if (q.storedMetrics.length > 0) work.push(this.#storedMetrics(q, result));
    await Promise.all(work);
    return result;
  }

  /** UTC days: O(days × types) rollup rows and the distinct-user and -visitor rollups, in parallel. */
  async #summaryFromRollups(
    q: MetricsSummaryQuery,
    firstDay: number,
    wanted: Set<string>,
    result: SummaryResult,
  ): Promise<void> {
    const range = [q.orgId, formatDay(firstDay), formatDay(firstDay + result.days.length - 1)];
    const people = [...range, q.includeBots === true];
    const work: Promise<void>[] = [];
    if (q.events || wanted.size > 0 || q.pageviews) {
      work.push(
        this.#run<{ i: number; event_type: string; n: number }>(this.pool, SQL.ROLLUP_COUNTS, range).then(
          ({ rows }) => {
            for (const r of rows) {
              const d = result.days[r.i]!;
              if (q.events) d.events += r.n;
              if (wanted.has(r.event_type)) d.byType[r.event_type] = (d.byType[r.event_type] ?? 0) + r.n;
              if (q.pageviews && r.event_type === PAGE_VIEW_EVENT) d.pageviews += r.n;
            }
          },
        ),
      );
    }
    if (q.pageviews && !q.includeBots) {
      work.push(
        this.#run<{ i: number; n: number }>(this.pool, SQL.ROLLUP_BOT_PAGEVIEWS, range).then(({ rows }) => {
          for (const r of rows) result.days[r.i]!.pageviews -= r.n;
        }),
      );
    }
    if (q.activeUsers) {
      work.push(
        this.#run<{ i: number; n: number }>(this.pool, SQL.ROLLUP_USERS, range).then(({ rows }) => {
          for (const r of rows) result.days[r.i]!.activeUsers = r.n;
        }),
        this.#run<{ n: number }>(this.pool, SQL.ROLLUP_USERS_TOTAL, range).then(({ rows }) => {
          result.totalActiveUsers = rows[0]?.n ?? 0;
        }),
      );
    }
    if (q.visitors) {
      work.push(
        this.#run<{ i: number; n: number }>(this.pool, SQL.ROLLUP_VISITORS, people).then(({ rows }) => {
          for (const r of rows) result.days[r.i]!.visitors = r.n;
        }),
        this.#run<{ n: number }>(this.pool, SQL.ROLLUP_VISITORS_TOTAL, people).then(({ rows }) => {
          result.totalVisitors = rows[0]?.n ?? 0;
        }),
      );
    }
    if (q.sessions) {
      work.push(
        this.#run<{ i: number; sessions: number; bounces: number; duration_ms: number; pageviews: number }>(
          this.pool,
          SQL.ROLLUP_SESSIONS,
          people,
        ).then(({ rows }) => {
          for (const r of rows) {
            const d = result.days[r.i]!;
            d.sessions = r.sessions;
            d.bounces = r.bounces;
            d.sessionDurationMs = r.duration_ms;
            d.sessionPageviews = r.pageviews;
          }
        }),
      );
    }
    await Promise.all(work);
  }

  /** Local days in another zone, or filters: one grouped scan of the org's events in the range. */
  async #summaryFromEvents(
    q: MetricsSummaryQuery,
    wanted: Set<string>,
    result: SummaryResult,
  ): Promise<void> {
    const starts = q.dayStarts;
    const { stmt, filterParams } = SQL.scanStatement(
      {
        activeUsers: q.activeUsers,
        visitors: q.visitors === true,
        pageviews: q.pageviews === true,
        sessions: q.sessions === true,
      },
      q.filters ?? [],
    );
    const { rows } = await this.#run<{
      bucket: number | null;
      event_type: string | null;
      g: number;
      n: number;
      b: number | null;
      ms: number | null;
      pv: number | null;
    }>(this.pool, stmt, [
      q.orgId,
      starts,
      starts[0],
      starts[starts.length - 1],
      q.includeBots === true,
      ...filterParams,
    ]);
    for (const r of rows) {
      if (r.g === 3) {
        result.totalActiveUsers = r.n;
        continue;
      }
      if (r.g === 6) {
        result.totalVisitors = r.n;
        continue;
      }
      const d = result.days[(r.bucket ?? 0) - 1];
      if (!d) continue;
      if (r.g === 1) d.activeUsers = r.n;
      else if (r.g === 4) d.pageviews = r.n;
      else if (r.g === 5) d.visitors = r.n;
      else if (r.g === 7) {
        d.sessions = r.n;
        d.bounces = r.b ?? 0;
        d.sessionDurationMs = r.ms ?? 0;
        d.sessionPageviews = r.pv ?? 0;
      } else {
        if (q.events) d.events += r.n;
        if (r.event_type !== null && wanted.has(r.event_type)) d.byType[r.event_type] = r.n;
      }
    }
  }

  async #storedMetrics(q: MetricsSummaryQuery, result: SummaryResult): Promise<void> {
    const index = new Map<string, number>();
    q.dates.forEach((d, i) => {
      if (parseDate(d) !== null) index.set(d, i);
    });
    const valid = [...index.keys()].sort();
    if (valid.length === 0) return;
    const { rows } = await this.#run<{ date: string; metric_name: string; value: number }>(
      this.pool,
      SQL.STORED_METRICS,
      [q.orgId, q.storedMetrics, valid[0], valid[valid.length - 1]],
    );
    for (const r of rows) {
      const i = index.get(r.date);
      if (i === undefined) continue;
      const d = result.days[i]!;
      d.stored[r.metric_name] = (d.stored[r.metric_name] ?? 0) + r.value;
    }
  }

  deliveryData(q: DeliveryDataQuery): Promise<DeliveryData> {
    return this.#op(() => readDelivery(this.pool, q));
  }

  async #storedMetricNames(orgId: string): Promise<string[]> {
    const { rows } = await this.#run<{ name: string }>(this.pool, SQL.METRIC_NAMES, [orgId]);
    return rows.map((r) => r.name);
  }

  async #eventTypes(orgId: string): Promise<EventTypeStat[]> {
    const { rows } = await this.#run<{ event_type: string; count: number; last_seen: number }>(
      this.pool,
      SQL.EVENT_TYPES,
      [orgId],
    );
    // Sorted here with the SQLite store's comparison, so both stores list ties in the same order.
    return rows
      .map((r) => ({ eventType: r.event_type, count: r.count, lastSeen: r.last_seen }))
      .sort((a, b) => b.count - a.count || (a.eventType < b.eventType ? -1 : 1));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#maintenance) clearInterval(this.#maintenance);
    // Work already started finishes (a batch being written still commits and answers) before the pool ends.
    await Promise.allSettled(this.#pending);
    await this.pool.end();
  }

  /** Run one store operation, refusing it after close() and remembering it until it settles. */
  #op<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    const p = work();
    this.#pending.add(p);
    const forget = () => this.#pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  #run<T extends pg.QueryResultRow = pg.QueryResultRow>(
    db: Queryable,
    stmt: SQL.Statement,
    values: unknown[],
  ): Promise<pg.QueryResult<T>> {
    return db.query<T>({ name: stmt.name, text: stmt.text, values });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('store is closed');
  }
}

const INGEST = SQL.writeStatement('ingest');
const INGEST_IDEM = SQL.writeStatement('ingest_idem');
const BULK = SQL.writeStatement('bulk');

const pages = new Map<string, SQL.Statement>();
function pageStatement(
  shape: SQL.EventFilterShape,
  filters: NonNullable<EventQuery['filters']>,
): { stmt: SQL.Statement; filterParams: unknown[] } {
  // Without filters there are 32 shapes, made once; filtered statements are made per request.
  if (filters.length > 0) return SQL.pageStatement(shape, filters);
  const key = `${+shape.user}${+shape.types}${+shape.from}${+shape.to}${+shape.before}`;
  let stmt = pages.get(key);
  if (!stmt) {
    stmt = SQL.pageStatement(shape).stmt;
    pages.set(key, stmt);
  }
  return { stmt, filterParams: [] };
}

/** Used by the server's contract suites to give each suite its own schema (see test/helpers.ts). */
export { testDatabaseUrl } from './testing.js';
