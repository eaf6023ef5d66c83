import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DeliveryData, type DeliveryLimits, deliveryBatch } from '../../domain/delivery.js';
import { uuidToBytes } from '../../lib/ids.js';
import { DAY_MS, parseDate } from '../../lib/time.js';
import { compileFilters } from '../filter-sql.js';
import { PAGE_VIEW_EVENT } from '../sessions.js';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, unstorableText } from '../shared.js';
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
  MetricTally,
  RollupQuery,
  SampleData,
  StoredEvent,
  StoreFactory,
  StoreInfo,
  StoreOptions,
  SummaryResult,
  VisitorEventRow,
  VisitorScan,
  WriteStats,
} from '../types.js';
import { BACKFILL_KEY } from './backfill.js';
import { Checkpointer, WRITER_AUTOCHECKPOINT_PAGES } from './checkpointer.js';
import { type Db, openConnection } from './db.js';
import { readDelivery } from './delivery.js';
import { toStoredEvent } from './event-row.js';
import { hourlyTally } from './insights/hourly.js';
import { sqliteMetricScan } from './insights/metric-scan.js';
import { ReadPool } from './insights/read-pool.js';
import { sqliteExport, sqliteScan } from './insights/scan.js';
import * as keys from './keys.js';
import { migrate } from './migrations.js';
import { sqliteSummary } from './summary.js';
import { type LoadRow, SqliteWriter, toEventColumns, type WriteBatch, type WriteOutcome } from './writer.js';
import { WriterThread } from './writer-thread.js';

/** The writer's automatic checkpoint when no checkpoint worker runs: every 16,000 pages (64 MiB of WAL). */
const AUTOCHECKPOINT_PAGES = 16_000;
/** Rows the backfill fills per transaction, and the pause between two (so ingest keeps its share). */
const BACKFILL_CHUNK = 5_000;
const BACKFILL_PAUSE_MS = 20;
/** How often expired visitor salts are deleted when no new day's salt does it. */
const SALT_PURGE_INTERVAL_MS = 3_600_000;

interface Pending {
  batch: WriteBatch;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/** `sqlite:PATH` or `sqlite::memory:` → the path better-sqlite3 opens. */
export function sqlitePath(databaseUrl: string): string {
  const rest = databaseUrl.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  // `sqlite:///abs/path` and `sqlite://rel` are accepted too, as other tools write them.
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

export const createStore: StoreFactory = async (databaseUrl, options) =>
  new SqliteEventStore(sqlitePath(databaseUrl), options);

/**
 * The embedded store: one process owns the database file (the in-flight idempotency claims live in this
 * process's memory; completed ones in the database).
 *
 * Write path. Ingest batches are written by `SqliteWriter` on a thread of its own (`writer-thread.ts`),
 * over a second connection, while the event loop goes on parsing and validating the next requests; reads
 * stay on the event loop's connection. Batches are group-committed: those that arrive while a group is
 * being written go together as the next group, in one transaction, each batch inside its own savepoint so
 * one failing batch does not fail its neighbours. Every caller is answered only after that transaction
 * committed. In-memory databases (one connection only) and `ANALYTICS_SQLITE_WRITER=inline` write on the
 * event loop instead, with the same code; so does the store if the thread ever dies.
 *
 * Durability: WAL with `synchronous = NORMAL` by default. The contract's promise is that a server killed
 * right after answering 202 loses nothing: in WAL mode a commit has written its frames to the WAL file (the
 * OS page cache) before `ingest` resolves, and a killed process cannot take the page cache with it; the
 * next open replays the WAL. NORMAL skips only the fsync, which matters for power loss or a kernel crash.
 * `durability: 'power'` (ANALYTICS_DURABILITY=power) selects `synchronous = FULL` and fsyncs every commit;
 * group commit then spreads each fsync over all batches in the group. Measured here, FULL costs a third to
 * two thirds of ingest throughput depending on the disk's fsync latency.
 */
export class SqliteEventStore implements EventStore {
  readonly info: StoreInfo;
  readonly db: Db;
  readonly #path: string;
  readonly #synchronous: 'NORMAL' | 'FULL';
  readonly #leaseMs: number;
  readonly #deliveryLimits: Partial<DeliveryLimits> | undefined;
  /** Committed dictionary ids, cached for reads (org text → id, type text → id and back, user → id). */
  readonly #orgIds = new Map<string, number>();
  readonly #typeIds = new Map<string, number>();
  readonly #typeNames = new Map<number, string>();
  readonly #userIds = new Map<string, number>();
  /** In-flight idempotency claims: `org\0key` → claim time (ms). */
  readonly #inFlight = new Map<string, number>();
  /** Writes on the event loop's connection: seeding, bulk loads, and ingest when there is no thread. */
  readonly #local: SqliteWriter;
  /** The writer thread, started on the first write; undefined until then, or when writes stay inline. */
  #thread: WriterThread | undefined;
  #threaded: boolean;
  #queue: Pending[] = [];
  /** Whether a group is being written (the next group waits for it). */
  #writing = false;
  #drained: (() => void)[] = [];
  /** Group commit: transactions committed, and the ingest batches written in them. */
  #transactions = 0;
  #batches = 0;
  #flushScheduled = false;
  #closed = false;
  #checkpointer: Checkpointer | undefined;
  #autocheckpointPages = AUTOCHECKPOINT_PAGES;
  /** Visitor salts by UTC day, as read or made (a promise, so concurrent requests share one). */
  readonly #salts = new Map<number, Promise<string>>();
  #saltPurge: NodeJS.Timeout | undefined;
  /** The running backfill, if any (`backfill()`), and whether close() asked it to stop. */
  #backfill: Promise<number> | undefined;
  #stopBackfill = false;
  /** Read-only connections for insights scans (none for an in-memory database). */
  readonly #reads: ReadPool | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    this.#path = path;
    this.#synchronous = options.durability === 'power' ? 'FULL' : 'NORMAL';
    this.db = openConnection(path, this.#synchronous);
    this.info = { kind: 'sqlite', location: path };
    this.#leaseMs = options.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    this.#deliveryLimits = options.deliveryLimits;
    this.#local = new SqliteWriter(this.db);
    this.#reads = path === ':memory:' ? undefined : new ReadPool(path);
    this.#threaded = path !== ':memory:' && process.env.ANALYTICS_SQLITE_WRITER !== 'inline';
    // Checkpoint every 16,000 pages (64 MiB of WAL) instead of 1,000: pages rewritten by many commits (the
    // right edge of each org's range, the rollups) are copied back once per checkpoint, not once per few
    // commits. Measured here: +40 % ingest over 4,000 pages, +70 % over the default.
    // Checkpoints (copy and fsync, 100+ ms each at this WAL size) move off the writer (`checkpointer.ts`).
    // `ANALYTICS_SQLITE_CHECKPOINT=writer` keeps them on the writer, for comparison.
    if (path !== ':memory:' && process.env.ANALYTICS_SQLITE_CHECKPOINT !== 'writer') {
      this.#checkpointer = new Checkpointer(path, this.#synchronous, (reason) => {
        if (this.#closed) return;
        this.#setAutocheckpoint(AUTOCHECKPOINT_PAGES);
        process.emitWarning(`SQLite checkpoint worker stopped (${reason}); checkpointing on the writer`);
      });
      this.#autocheckpointPages = WRITER_AUTOCHECKPOINT_PAGES;
    }
    this.db.handle.pragma(`wal_autocheckpoint = ${this.#autocheckpointPages}`);
  }

  writeStats(): WriteStats {
    return {
      transactions: this.#transactions,
      batches: this.#batches,
      writerThread: this.writer === 'thread',
    };
  }

  /** Where ingest batches are written: on the writer thread, or on the event loop's connection. */
  get writer(): 'thread' | 'inline' {
    return this.#threaded ? 'thread' : 'inline';
  }

  #setAutocheckpoint(pages: number): void {
    this.#autocheckpointPages = pages;
    this.db.handle.pragma(`wal_autocheckpoint = ${pages}`);
    this.#thread?.setAutocheckpoint(pages).catch(() => {});
  }

  async migrate(): Promise<void> {
    this.#assertOpen();
    migrate(this.db);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    this.db.get('SELECT 1');
  }

  // ---- idempotency ----------------------------------------------------------------------------------

  async claimIdempotencyKey(input: IdempotencyClaimInput): Promise<IdempotencyClaim> {
    this.#assertOpen();
    const slot = `${input.orgId}\0${input.key}`;
    const since = this.#inFlight.get(slot);
    if (since !== undefined && input.now - since < this.#leaseMs) return { state: 'in_flight' };
    const row = this.db.get<{ request_hash: string; status: number; body: string }>(
      `SELECT k.request_hash, k.status, k.body FROM idempotency_keys k
        WHERE k.org = (SELECT id FROM orgs WHERE org_id = ?) AND k.key = ?`,
      [input.orgId, input.key],
    );
    if (row) {
      return {
        state: 'completed',
        sameRequest: row.request_hash === input.requestHash,
        response: { status: row.status, body: row.body },
      };
    }
    this.#inFlight.set(slot, input.now);
    return { state: 'claimed' };
  }

  async releaseIdempotencyKey(orgId: string, key: string): Promise<void> {
    this.#inFlight.delete(`${orgId}\0${key}`);
  }

  async purgeIdempotencyKeys(olderThan: number): Promise<number> {
    this.#assertOpen();
    // On the writer's connection: from the event loop's, the DELETE would wait for the writer's lock.
    if (this.#thread) return this.#thread.purgeIdempotencyKeys(olderThan);
    return this.#local.purgeIdempotencyKeys(olderThan);
  }

  // ---- visitors: salts and the backfill -------------------------------------------------------------

  visitorSalt(day: number): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    let salt = this.#salts.get(day);
    if (!salt) {
      const candidate = randomBytes(32).toString('base64url');
      // Written by the writer (its connection holds the write lock while ingesting).
      const thread = this.#writerThread();
      salt = thread
        ? thread.visitorSalt(day, candidate)
        : Promise.resolve().then(() => this.#local.visitorSalt(day, candidate));
      salt.catch(() => this.#salts.delete(day));
      // Only today's and yesterday's salts are ever asked for again.
      for (const d of this.#salts.keys()) if (d < day - 1) this.#salts.delete(d);
      this.#salts.set(day, salt);
      if (!this.#saltPurge) {
        // A server that stops receiving cookieless traffic still lets go of old salts.
        this.#saltPurge = setInterval(() => {
          const today = Math.floor(Date.now() / DAY_MS);
          const thread = this.#writerThread();
          (thread
            ? thread.purgeVisitorSalts(today)
            : Promise.resolve(this.#local.purgeVisitorSalts(today))
          ).catch(() => {});
        }, SALT_PURGE_INTERVAL_MS);
        this.#saltPurge.unref();
      }
    }
    return salt;
  }

  backfill(): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    this.#backfill ??= (async () => {
      let rows = 0;
      // Nothing to fill (the usual case): answered from the reading connection, no writer needed.
      if (!this.db.get('SELECT 1 FROM meta WHERE key = ?', [BACKFILL_KEY])) return rows;
      while (!this.#stopBackfill) {
        const thread = this.#writerThread();
        const chunk = thread
          ? await thread.backfillChunk(BACKFILL_CHUNK)
          : this.#local.backfillChunk(BACKFILL_CHUNK);
        rows += chunk.rows;
        if (chunk.done) break;
        await new Promise((r) => setTimeout(r, BACKFILL_PAUSE_MS));
      }
      return rows;
    })();
    return this.#backfill;
  }

  // ---- publishable keys (keys.ts) -------------------------------------------------------------------

  async createKey(key: IngestKeyRow & { keyHash: Buffer }): Promise<void> {
    this.#assertOpen();
    keys.createKey(this.db, key);
  }

  async listKeys(orgId: string): Promise<IngestKeyRow[]> {
    this.#assertOpen();
    return keys.listKeys(this.db, orgId);
  }

  async revokeKey(orgId: string, id: string, now: number): Promise<boolean> {
    this.#assertOpen();
    return keys.revokeKey(this.db, orgId, id, now);
  }

  async findKeyByHash(keyHash: Buffer): Promise<IngestKeyMatch | undefined> {
    this.#assertOpen();
    return keys.findKeyByHash(this.db, keyHash);
  }

  async keyOriginAllowed(origin: string): Promise<boolean> {
    this.#assertOpen();
    return keys.keyOriginAllowed(this.db, origin);
  }

  // ---- writes ---------------------------------------------------------------------------------------

  ingest(batch: IngestBatch): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    let events: WriteBatch['events'];
    try {
      events = toEventColumns(batch.events);
    } catch (err) {
      return Promise.reject(err);
    }
    const unstorable = unstorableText(events.userIds, events.properties, {
      anonymousIds: events.anonymousIds,
      sessionIds: events.sessionIds,
      contexts: events.contexts,
    });
    if (unstorable) return Promise.reject(unstorable);
    const { orgId, receivedAt, idempotency } = batch;
    const delivery = deliveryBatch(batch.events, batch.client, this.#deliveryLimits);
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch: { orgId, receivedAt, events, idempotency, delivery }, resolve, reject });
      if (!this.#flushScheduled && !this.#writing) {
        this.#flushScheduled = true;
        // setImmediate runs after pending I/O callbacks, so requests parsed in the same loop turn join.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#writing) return;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0) {
      for (const done of this.#drained.splice(0)) done();
      return;
    }
    this.#writing = true;
    this.#writeGroup(group.map((p) => p.batch)).then(
      (outcomes) => {
        this.#transactions++;
        this.#batches += group.length;
        group.forEach((p, i) => {
          this.#release(p.batch);
          const o = outcomes[i]!;
          if (o.ok) p.resolve(o.result);
          else p.reject(o.error);
        });
        this.#afterGroup();
      },
      (error: unknown) => {
        // The commit itself failed (disk full, I/O error), or the thread died: nothing of the group is
        // known to be stored, and the callers' retries are safe (idempotency keys, event-id dedup).
        for (const p of group) {
          this.#release(p.batch);
          p.reject(error);
        }
        this.#afterGroup();
      },
    );
  }

  /** The next group: everything that queued while this one was being written. */
  #afterGroup(): void {
    this.#writing = false;
    this.#flush();
  }

  #release(batch: WriteBatch): void {
    if (batch.idempotency) this.#inFlight.delete(`${batch.orgId}\0${batch.idempotency.key}`);
  }

  #writeGroup(batches: WriteBatch[]): Promise<WriteOutcome[]> {
    const thread = this.#writerThread();
    if (thread) return thread.writeGroup(batches);
    try {
      return Promise.resolve(this.#local.writeGroup(batches));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The writer thread, started on first use; undefined when writes stay on the event loop. */
  #writerThread(): WriterThread | undefined {
    if (this.#threaded && !this.#thread) {
      this.#thread = new WriterThread(
        { path: this.#path, synchronous: this.#synchronous, autocheckpointPages: this.#autocheckpointPages },
        (reason) => {
          this.#thread = undefined;
          this.#threaded = false;
          if (!this.#closed) {
            process.emitWarning(`SQLite writer thread stopped (${reason}); writing on the event loop`);
          }
        },
      );
    }
    return this.#thread;
  }

  async bulkLoad(events: LoadRow[]): Promise<number> {
    this.#assertOpen();
    return this.#local.bulkLoad(events);
  }

  async seedSample(data: SampleData): Promise<boolean> {
    this.#assertOpen();
    return this.#local.seedSample(data);
  }

  // ---- dictionaries (reads) -------------------------------------------------------------------------

  /** A committed id for reading, without creating one. */
  #findId(table: 'orgs' | 'users' | 'event_types', column: string, value: string): number | undefined {
    const cache = table === 'orgs' ? this.#orgIds : table === 'users' ? this.#userIds : this.#typeIds;
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const row = this.db.get<{ id: number }>(`SELECT id FROM ${table} WHERE ${column} = ?`, [value]);
    if (row) {
      cache.set(value, row.id);
      if (table === 'event_types') this.#typeNames.set(row.id, value);
    }
    return row?.id;
  }

  #typeName(id: number): string {
    let name = this.#typeNames.get(id);
    if (name === undefined) {
      name = this.db.get<{ name: string }>('SELECT name FROM event_types WHERE id = ?', [id])!.name;
      this.#typeNames.set(id, name);
      this.#typeIds.set(name, id);
    }
    return name;
  }

  // ---- reads ----------------------------------------------------------------------------------------

  async queryEvents(q: EventQuery): Promise<EventPage> {
    this.#assertOpen();
    const none: EventPage = { events: [], hasMore: false };
    const org = this.#findId('orgs', 'org_id', q.orgId);
    if (org === undefined) return none;
    let typeIds: number[] | undefined;
    if (q.eventTypes && q.eventTypes.length > 0) {
      typeIds = q.eventTypes
        .map((t) => this.#findId('event_types', 'name', t))
        .filter((id): id is number => id !== undefined);
      if (typeIds.length === 0) return none;
    }
    let user: number | undefined;
    if (q.userId !== undefined) {
      user = this.#findId('users', 'user_id', q.userId);
      if (user === undefined) return none;
    }
    // Upper bound of the scan: the cursor position or the range end, whichever is earlier.
    let upper = q.toTs;
    if (q.before && (upper === undefined || q.before.ts < upper)) upper = q.before.ts + 1;

    if (user === undefined) {
      const rows = this.#page(org, { ...q, typeIds }, q.fromTs, upper, q.limit + 1);
      return this.#toPage(q, rows);
    }
    // By user: walk the user's active days newest first (daily_users) and scan only those days.
    const days = this.db
      .prepare(
        `SELECT day FROM daily_users WHERE org = ? AND user = ? AND day BETWEEN ? AND ? ORDER BY day DESC`,
      )
      .raw(true)
      .iterate(
        org,
        user,
        q.fromTs === undefined ? -1e9 : Math.floor(q.fromTs / DAY_MS),
        upper === undefined ? 1e9 : Math.floor((upper - 1) / DAY_MS),
      ) as Iterable<[number]>;
    const rows: unknown[][] = [];
    for (const [day] of days) {
      const from = Math.max(day * DAY_MS, q.fromTs ?? Number.NEGATIVE_INFINITY);
      const to = Math.min((day + 1) * DAY_MS, upper ?? Number.POSITIVE_INFINITY);
      rows.push(...this.#page(org, { ...q, typeIds, user }, from, to, q.limit + 1 - rows.length));
      if (rows.length > q.limit) break;
    }
    return this.#toPage(q, rows);
  }

  /** One newest-first slice of the (org, ts, event_id) index: `[from, to)`, after `before`, filtered. */
  #page(
    org: number,
    f: {
      typeIds?: number[] | undefined;
      user?: number;
      before?: EventQuery['before'];
      filters?: EventQuery['filters'];
    },
    from: number | undefined,
    to: number | undefined,
    limit: number,
  ): unknown[][] {
    const where = ['e.org = ?'];
    const params: unknown[] = [org];
    if (from !== undefined) {
      where.push('e.ts >= ?');
      params.push(from);
    }
    if (to !== undefined) {
      where.push('e.ts < ?');
      params.push(to);
    }
    if (f.before) {
      where.push('(e.ts, e.event_id) < (?, ?)');
      params.push(f.before.ts, uuidToBytes(f.before.eventId));
    }
    if (f.user !== undefined) {
      where.push('e.user = ?');
      params.push(f.user);
    }
    if (f.typeIds) {
      // Unary + keeps the planner on the (org, ts) range; type is checked on that index's entries.
      where.push(`+e.type IN (${f.typeIds.map(() => '?').join(', ')})`);
      params.push(...f.typeIds);
    }
    const compiled = compileFilters(f.filters ?? [], 'sqlite');
    where.push(...compiled.where);
    params.push(...compiled.params, limit);
    const joins = ['LEFT JOIN users u ON u.id = e.user'];
    if (compiled.joins.types) joins.push('JOIN event_types t ON t.id = e.type');
    if (compiled.joins.sessions) {
      joins.push(
        'LEFT JOIN sessions s ON s.org = e.org AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
      );
    }
    return this.db.raw(
      `SELECT e.ts, e.event_id, e.type, u.user_id, e.received_at, e.schema_version, e.properties,
              e.anonymous_id, e.session_id, coalesce(e.visitor_id, u.user_id, e.anonymous_id), e.context, e.path, e.referrer_host, e.utm_source,
              e.utm_medium, e.utm_campaign, e.browser, e.os, e.device, e.country, e.is_bot
         FROM events e ${joins.join(' ')}
        WHERE ${where.join(' AND ')}
        ORDER BY e.ts DESC, e.event_id DESC
        LIMIT ?`,
      params,
    );
  }

  #toPage(q: EventQuery, rows: unknown[][]): EventPage {
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.length = q.limit;
    const events = rows.map((r) => toStoredEvent(q.orgId, r, this.#typeName(r[2] as number)));
    return { events, hasMore };
  }

  async metricsSummary(q: MetricsSummaryQuery): Promise<SummaryResult> {
    this.#assertOpen();
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
    const org = this.#findId('orgs', 'org_id', q.orgId);
    if (org === undefined || nDays === 0) return result;

    const wantedTypes = new Map<number, string>();
    for (const t of q.eventTypes) {
      const id = this.#findId('event_types', 'name', t);
      if (id !== undefined) wantedTypes.set(id, t);
    }
    const pageViewType = this.#findId('event_types', 'name', PAGE_VIEW_EVENT);
    sqliteSummary(this.db, org, q, wantedTypes, pageViewType, result);

    if (q.storedMetrics.length > 0) {
      const dayIndex = new Map<number, number>();
      q.dates.forEach((d, i) => {
        const n = parseDate(d);
        if (n !== null) dayIndex.set(n, i);
      });
      const dayNums = [...dayIndex.keys()];
      const rows = this.db.raw(
        `SELECT day, name, value FROM metrics
          WHERE org = ? AND name IN (${q.storedMetrics.map(() => '?').join(', ')}) AND day BETWEEN ? AND ?`,
        [org, ...q.storedMetrics, Math.min(...dayNums), Math.max(...dayNums)],
      );
      for (const [day, name, value] of rows as [number, string, number][]) {
        const i = dayIndex.get(day);
        if (i !== undefined) days[i]!.stored[name] = (days[i]!.stored[name] ?? 0) + value;
      }
    }
    return result;
  }

  scanVisitorEvents(scan: VisitorScan): AsyncIterable<VisitorEventRow[]> {
    this.#assertOpen();
    return sqliteScan(this.#reads, this.db, scan);
  }

  async metricRollups(q: RollupQuery): Promise<MetricTally | null> {
    this.#assertOpen();
    const wantedTypes = new Map<number, string>();
    for (const t of q.eventTypes) {
      const id = this.#findId('event_types', 'name', t);
      if (id !== undefined) wantedTypes.set(id, t);
    }
    const org = this.#findId('orgs', 'org_id', q.orgId);
    return hourlyTally(this.db, org, q, wantedTypes, this.#findId('event_types', 'name', PAGE_VIEW_EVENT));
  }

  scanMetricEvents(scan: MetricScan): AsyncIterable<MetricEventRow[]> {
    this.#assertOpen();
    return sqliteMetricScan(this.#reads, this.db, scan);
  }

  exportEvents(query: ExportQuery): AsyncIterable<StoredEvent[]> {
    this.#assertOpen();
    return sqliteExport(this.#reads, this.db, query);
  }

  async deliveryData(q: DeliveryDataQuery): Promise<DeliveryData> {
    this.#assertOpen();
    return readDelivery(this.db, this.#findId('orgs', 'org_id', q.orgId), q);
  }

  async storedMetricNames(orgId: string): Promise<string[]> {
    this.#assertOpen();
    const org = this.#findId('orgs', 'org_id', orgId);
    if (org === undefined) return [];
    return this.db
      .raw('SELECT DISTINCT name FROM metrics WHERE org = ? ORDER BY name', [org])
      .map((r) => r[0] as string);
  }

  async eventTypes(orgId: string): Promise<EventTypeStat[]> {
    this.#assertOpen();
    const org = this.#findId('orgs', 'org_id', orgId);
    if (org === undefined) return [];
    const rows = this.db.raw(
      `SELECT c.type, sum(c.n) AS count, max(c.last_ts) FROM daily_counts c
        WHERE c.org = ? GROUP BY c.type`,
      [org],
    ) as [number, number, number][];
    return rows
      .map(([type, count, lastSeen]) => ({ eventType: this.#typeName(type), count, lastSeen }))
      .sort((a, b) => b.count - a.count || (a.eventType < b.eventType ? -1 : 1));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#saltPurge) clearInterval(this.#saltPurge);
    this.#stopBackfill = true;
    await this.#backfill?.catch(() => {});
    if (process.env.ANALYTICS_DEBUG_STATS)
      process.stderr.write(`store stats ${JSON.stringify(this.writeStats())}\n`);
    this.#closed = true;
    // Everything already accepted is still written before the connections close.
    if (this.#writing || this.#queue.length > 0 || this.#flushScheduled) {
      await new Promise<void>((done) => {
        this.#drained.push(done);
        if (!this.#writing && !this.#flushScheduled) this.#flush();
      });
    }
    // The other connections close first, so the store's close is the last one and checkpoints the WAL.
    await this.#thread?.close();
    await this.#checkpointer?.stop();
    this.#reads?.close();
    this.db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('store is closed');
  }
}
