import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiError, type FieldError } from '../../lib/errors.js';
import { formatUuid, uuidToBytes } from '../../lib/ids.js';
import { DAY_MS, parseDate } from '../../lib/time.js';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, ingestResponseBody } from '../shared.js';
import type {
  EventPage,
  EventQuery,
  EventStore,
  EventTypeStat,
  IdempotencyClaim,
  IdempotencyClaimInput,
  IngestBatch,
  IngestResult,
  NewEvent,
  SampleData,
  StoredEvent,
  StoreFactory,
  StoreInfo,
  StoreOptions,
  SummaryQuery,
  SummaryResult,
} from '../types.js';
import { Checkpointer, WRITER_AUTOCHECKPOINT_PAGES } from './checkpointer.js';
import { Db } from './db.js';
import { migrate } from './migrations.js';

type Row = NewEvent & { orgId: string; receivedAt: number };
type Statement = ReturnType<Db['prepare']>;

const INSERT_CHUNK = 100;

interface Pending {
  batch: IngestBatch;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

// SQLite text is UTF-8, which cannot hold an unpaired surrogate: better-sqlite3 would store bytes that read
// back as U+FFFD, returning another user id than the one sent. (Properties are JSON text, where they are
// escapes, so they round-trip.)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableUserIds(events: NewEvent[]): ApiError | undefined {
  const errors: FieldError[] = [];
  events.forEach((e, i) => {
    if (e.userId !== null && LONE_SURROGATE.test(e.userId)) {
      errors.push({ path: `/events/${i}/user_id`, message: 'must not contain unpaired surrogates' });
    }
  });
  return errors.length > 0
    ? new ApiError('validation_failed', 'Some events cannot be stored; see `errors`.', { errors })
    : undefined;
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
 * Write path. Concurrent ingest calls are group-committed: calls that arrive while the event loop is busy
 * are queued and written together in one transaction at the next turn, each batch inside its own savepoint
 * so one failing batch does not fail its neighbours. Every caller is answered only after that transaction
 * committed.
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
  readonly #leaseMs: number;
  /** org text → id, type text → id, user text → id; only ids that are committed. */
  readonly #orgIds = new Map<string, number>();
  readonly #typeIds = new Map<string, number>();
  readonly #typeNames = new Map<number, string>();
  readonly #userIds = new Map<string, number>();
  /** `org:day:user` rows known to be in daily_users (committed), so repeat users cost no statement. */
  #activeKnown = new Set<string>();
  /** In-flight idempotency claims: `org\0key` → claim time (ms). */
  readonly #inFlight = new Map<string, number>();
  /** Multi-row INSERT statements by row count (1..INSERT_CHUNK), prepared on first use. */
  readonly #inserts: Statement[] = [];
  #queue: Pending[] = [];
  /** Group-commit statistics: transactions committed and batches written in them. */
  readonly stats = { commits: 0, batches: 0 };
  #flushScheduled = false;
  #closed = false;
  #checkpointer: Checkpointer | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Db(path);
    this.info = { kind: 'sqlite', location: path };
    this.#leaseMs = options.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    const h = this.db.handle;
    h.pragma('journal_mode = WAL');
    h.pragma(options.durability === 'power' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    h.pragma('foreign_keys = ON');
    // Readers from other processes (tools, the SQL test) may hold the lock briefly.
    h.pragma('busy_timeout = 5000');
    h.pragma('cache_size = -65536'); // 64 MiB page cache
    h.pragma('temp_store = MEMORY');
    // Checkpoint every 16,000 pages (64 MiB of WAL) instead of 1,000: pages rewritten by many commits (the
    // right edge of each org's range, the rollups) are copied back once per checkpoint, not once per few
    // commits. Measured here: +40 % ingest over 4,000 pages, +70 % over the default.
    h.pragma('wal_autocheckpoint = 16000');
    h.pragma('journal_size_limit = 67108864');
    // Checkpoints (copy and fsync, 100+ ms each at this WAL size) move off the event loop (`checkpointer.ts`).
    // `ANALYTICS_SQLITE_CHECKPOINT=writer` keeps them on the writer, for comparison.
    if (path !== ':memory:' && process.env.ANALYTICS_SQLITE_CHECKPOINT !== 'writer') {
      this.#checkpointer = new Checkpointer(
        path,
        options.durability === 'power' ? 'FULL' : 'NORMAL',
        (reason) => {
          if (this.#closed) return;
          h.pragma('wal_autocheckpoint = 16000');
          process.emitWarning(`SQLite checkpoint worker stopped (${reason}); checkpointing on the writer`);
        },
      );
      h.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    }
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
    return this.db.run('DELETE FROM idempotency_keys WHERE created_at < ?', [olderThan]).changes;
  }

  // ---- writes ---------------------------------------------------------------------------------------

  ingest(batch: IngestBatch): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    const unstorable = unstorableUserIds(batch.events);
    if (unstorable) return Promise.reject(unstorable);
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // setImmediate runs after pending I/O callbacks, so requests parsed in the same loop turn join.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0) return;
    const outcomes: ({ ok: true; result: IngestResult } | { ok: false; error: unknown })[] = [];
    const fresh = new Dicts();
    try {
      this.db.transaction(() => {
        for (const p of group) {
          try {
            // A nested transaction is a savepoint: a failing batch rolls back alone.
            // Ids created inside a savepoint that rolls back never existed: keep them apart until it holds.
            // (A later batch of the group that needs the same name finds the row by its unique key.)
            const local = new Dicts();
            const result = this.db.transaction(() => this.#writeBatch(p.batch, local));
            local.mergeInto(fresh);
            outcomes.push({ ok: true, result });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is stored.
      for (const p of group) {
        if (p.batch.idempotency) this.#inFlight.delete(`${p.batch.orgId}\0${p.batch.idempotency.key}`);
        p.reject(error);
      }
      return;
    }
    this.#adopt(fresh);
    this.stats.commits++;
    this.stats.batches += group.length;
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (p.batch.idempotency) this.#inFlight.delete(`${p.batch.orgId}\0${p.batch.idempotency.key}`);
      if (o.ok) p.resolve(o.result);
      else p.reject(o.error);
    });
  }

  /** Insert one batch; runs inside a transaction. Dictionary ids it creates go to `fresh` until commit. */
  #writeBatch(batch: IngestBatch, fresh: Dicts): IngestResult {
    const org = this.#orgId(batch.orgId, fresh);
    const eventIds = batch.events.map((e) => e.eventId);
    const accepted = this.#insertEvents(org, batch.events, batch.receivedAt, fresh);
    const result: IngestResult = { accepted, duplicates: batch.events.length - accepted, eventIds };
    if (batch.idempotency) {
      this.db.run(
        `INSERT OR REPLACE INTO idempotency_keys (org, key, request_hash, status, body, created_at)
         VALUES (?, ?, ?, 202, ?, ?)`,
        [
          org,
          batch.idempotency.key,
          batch.idempotency.requestHash,
          ingestResponseBody(result),
          batch.receivedAt,
        ],
      );
    }
    return result;
  }

  #applyRollup(org: number, rollup: Rollup, fresh: Dicts): void {
    if (rollup.counts.size > 0) {
      const upsert = this.db.prepare(
        `INSERT INTO daily_counts (org, day, type, n, last_ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (org, day, type) DO UPDATE SET n = n + excluded.n, last_ts = max(last_ts, excluded.last_ts)`,
      );
      for (const c of rollup.counts.values()) upsert.run(org, c.day, c.type, c.n, c.lastTs);
    }
    if (rollup.users.size > 0) {
      const add = this.db.prepare('INSERT OR IGNORE INTO daily_users (org, day, user) VALUES (?, ?, ?)');
      for (const [key, u] of rollup.users) {
        const known = `${org}:${key}`;
        if (this.#activeKnown.has(known) || fresh.active.has(known)) continue;
        add.run(org, u.day, u.user);
        fresh.active.add(known);
      }
    }
  }

  async bulkLoad(events: Row[]): Promise<number> {
    this.#assertOpen();
    const fresh = new Dicts();
    let stored = 0;
    this.db.transaction(() => {
      // Group by org and receive time so each group shares one rollup pass.
      for (const [orgId, rows] of groupByOrg(events)) stored += this.#bulkOrg(orgId, rows, fresh);
    });
    this.#adopt(fresh);
    return stored;
  }

  #bulkOrg(orgId: string, rows: Row[], fresh: Dicts): number {
    return this.#insertEvents(this.#orgId(orgId, fresh), rows, undefined, fresh);
  }

  /**
   * Insert events of one org, skipping ids already stored, and apply their rollups. Rows go in multi-row
   * statements of up to 100 (one call into SQLite per 100 events instead of one per event); `RETURNING`
   * yields exactly the rows inserted, so duplicates need no extra lookup. Returns how many were new.
   */
  #insertEvents(
    org: number,
    events: (NewEvent & { receivedAt?: number })[],
    receivedAt: number | undefined,
    fresh: Dicts,
  ): number {
    const rollup = new Rollup();
    let accepted = 0;
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, events.length - start);
      const params: unknown[] = new Array(n * 8);
      for (let i = 0; i < n; i++) {
        const e = events[start + i]!;
        const p = i * 8;
        params[p] = org;
        params[p + 1] = e.ts;
        params[p + 2] = uuidToBytes(e.eventId);
        params[p + 3] = this.#typeId(e.eventType, fresh);
        params[p + 4] = e.userId === null ? null : this.#userId(e.userId, fresh);
        params[p + 5] = receivedAt ?? e.receivedAt ?? e.ts;
        params[p + 6] = e.schemaVersion;
        params[p + 7] = e.propertiesJson ?? JSON.stringify(e.properties);
      }
      const inserted = this.#insertStatement(n).all(params) as [number, number, number | null][];
      accepted += inserted.length;
      for (const [ts, type, user] of inserted) rollup.add(ts, type, user);
    }
    this.#applyRollup(org, rollup, fresh);
    return accepted;
  }

  #insertStatement(rows: number): Statement {
    let stmt = this.#inserts[rows];
    if (!stmt) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      stmt = this.db
        .prepare(
          `INSERT OR IGNORE INTO events (org, ts, event_id, type, user, received_at, schema_version, properties)
           VALUES ${values} RETURNING ts, type, user`,
        )
        .raw(true);
      this.#inserts[rows] = stmt;
    }
    return stmt;
  }

  async seedSample(data: SampleData): Promise<boolean> {
    this.#assertOpen();
    const fresh = new Dicts();
    const seeded = this.db.transaction(() => {
      if (this.db.get('SELECT 1 FROM meta WHERE key = ?', ['sample_seeded'])) return false;
      for (const o of data.organizations) {
        this.db.run(
          `INSERT INTO orgs (org_id, name, plan, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, plan = excluded.plan,
             created_at = excluded.created_at`,
          [o.orgId, o.name, o.plan, o.createdAt],
        );
      }
      for (const u of data.users) {
        this.db.run(
          `INSERT INTO users (user_id, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name,
             role = excluded.role, created_at = excluded.created_at, updated_at = excluded.updated_at`,
          [u.userId, u.email, u.name, u.role, u.createdAt, u.updatedAt],
        );
      }
      for (const m of data.userOrgs) {
        this.db.run(`INSERT OR REPLACE INTO user_orgs (org, user, role, joined_at) VALUES (?, ?, ?, ?)`, [
          this.#orgId(m.orgId, fresh),
          this.#userId(m.userId, fresh),
          m.role,
          m.joinedAt,
        ]);
      }
      const rows = data.events.map((e) => ({ ...e, receivedAt: e.ts }));
      for (const [orgId, list] of groupByOrg(rows)) this.#bulkOrg(orgId, list, fresh);
      for (const m of data.metrics) {
        const day = parseDate(m.date);
        if (day === null) throw new Error(`metrics: invalid date "${m.date}"`);
        this.db.run(
          `INSERT INTO metrics (org, name, day, value) VALUES (?, ?, ?, ?)
           ON CONFLICT (org, name, day) DO UPDATE SET value = value + excluded.value`,
          [this.#orgId(m.orgId, fresh), m.name, day, m.value],
        );
      }
      this.db.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['sample_seeded', new Date().toISOString()]);
      return true;
    });
    this.#adopt(fresh);
    return seeded;
  }

  // ---- dictionaries ---------------------------------------------------------------------------------

  #orgId(orgId: string, fresh: Dicts): number {
    return this.#lookup(orgId, this.#orgIds, fresh.orgs, 'orgs', 'org_id');
  }

  #typeId(name: string, fresh: Dicts): number {
    return this.#lookup(name, this.#typeIds, fresh.types, 'event_types', 'name');
  }

  #userId(userId: string, fresh: Dicts): number {
    return this.#lookup(userId, this.#userIds, fresh.users, 'users', 'user_id');
  }

  #lookup(
    value: string,
    committed: Map<string, number>,
    pending: Map<string, number>,
    table: string,
    column: string,
  ): number {
    const known = committed.get(value) ?? pending.get(value);
    if (known !== undefined) return known;
    this.db.run(`INSERT OR IGNORE INTO ${table} (${column}) VALUES (?)`, [value]);
    const row = this.db.get<{ id: number }>(`SELECT id FROM ${table} WHERE ${column} = ?`, [value])!;
    // Not cached as committed yet: if the transaction rolls back, the id never existed.
    pending.set(value, row.id);
    return row.id;
  }

  #adopt(fresh: Dicts): void {
    for (const [k, v] of fresh.orgs) this.#orgIds.set(k, v);
    for (const [k, v] of fresh.types) {
      this.#typeIds.set(k, v);
      this.#typeNames.set(v, k);
    }
    // The user dictionary grows with the user base; cap the cache and let lookups fall back to the index.
    if (this.#userIds.size > 500_000) this.#userIds.clear();
    for (const [k, v] of fresh.users) this.#userIds.set(k, v);
    if (this.#activeKnown.size > 1_000_000) this.#activeKnown.clear();
    for (const k of fresh.active) this.#activeKnown.add(k);
  }

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
    f: { typeIds?: number[] | undefined; user?: number; before?: EventQuery['before'] },
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
    params.push(limit);
    return this.db.raw(
      `SELECT e.ts, e.event_id, e.type, u.user_id, e.received_at, e.schema_version, e.properties
         FROM events e LEFT JOIN users u ON u.id = e.user
        WHERE ${where.join(' AND ')}
        ORDER BY e.ts DESC, e.event_id DESC
        LIMIT ?`,
      params,
    );
  }

  #toPage(q: EventQuery, rows: unknown[][]): EventPage {
    const hasMore = rows.length > q.limit;
    if (hasMore) rows.length = q.limit;
    const events: StoredEvent[] = rows.map((r) => ({
      orgId: q.orgId,
      ts: r[0] as number,
      eventId: formatUuid(r[1] as Buffer),
      eventType: this.#typeName(r[2] as number),
      userId: (r[3] as string | null) ?? null,
      receivedAt: r[4] as number,
      schemaVersion: r[5] as number,
      properties: JSON.parse(r[6] as string) as StoredEvent['properties'],
    }));
    return { events, hasMore };
  }

  async metricsSummary(q: SummaryQuery): Promise<SummaryResult> {
    this.#assertOpen();
    const nDays = q.dayStarts.length - 1;
    const days = Array.from({ length: nDays }, () => ({
      events: 0,
      activeUsers: 0,
      byType: Object.fromEntries(q.eventTypes.map((t) => [t, 0])) as Record<string, number>,
      stored: Object.fromEntries(q.storedMetrics.map((m) => [m, 0])) as Record<string, number>,
    }));
    const result: SummaryResult = { days, totalActiveUsers: 0 };
    const org = this.#findId('orgs', 'org_id', q.orgId);
    if (org === undefined || nDays === 0) return result;

    const firstDay = q.dayStarts[0]! / DAY_MS;
    const aligned = Number.isInteger(firstDay) && q.dayStarts.every((t, i) => t === (firstDay + i) * DAY_MS);
    const wantedTypes = new Map<number, string>();
    for (const t of q.eventTypes) {
      const id = this.#findId('event_types', 'name', t);
      if (id !== undefined) wantedTypes.set(id, t);
    }
    if (aligned) this.#summaryFromRollups(q, org, firstDay, wantedTypes, result);
    else this.#summaryFromEvents(q, org, wantedTypes, result);

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

  /** UTC-aligned days: O(days × types) rows of rollups, plus the distinct-user rollup. */
  #summaryFromRollups(
    q: SummaryQuery,
    org: number,
    firstDay: number,
    wantedTypes: Map<number, string>,
    result: SummaryResult,
  ): void {
    const lastDay = firstDay + result.days.length - 1;
    if (q.events || wantedTypes.size > 0) {
      const rows = this.db.raw(
        'SELECT day, type, n FROM daily_counts WHERE org = ? AND day BETWEEN ? AND ?',
        [org, firstDay, lastDay],
      ) as [number, number, number][];
      for (const [day, type, n] of rows) {
        const d = result.days[day - firstDay]!;
        d.events += n;
        const name = wantedTypes.get(type);
        if (name !== undefined) d.byType[name] = (d.byType[name] ?? 0) + n;
      }
    }
    if (q.activeUsers) {
      const rows = this.db.raw(
        'SELECT day, count(*) FROM daily_users WHERE org = ? AND day BETWEEN ? AND ? GROUP BY day',
        [org, firstDay, lastDay],
      ) as [number, number][];
      for (const [day, n] of rows) result.days[day - firstDay]!.activeUsers = n;
      result.totalActiveUsers = (
        this.db.raw('SELECT count(DISTINCT user) FROM daily_users WHERE org = ? AND day BETWEEN ? AND ?', [
          org,
          firstDay,
          lastDay,
        ])[0] as [number]
      )[0];
    }
  }

  /**
   * Local days that do not line up with UTC days: one pass over the org's events in the range, in
   * timestamp order (a contiguous range of the covering (org, ts, ...) index). Cost O(events in range): about 1 µs per event here.
   */
  #summaryFromEvents(
    q: SummaryQuery,
    org: number,
    wantedTypes: Map<number, string>,
    result: SummaryResult,
  ): void {
    const starts = q.dayStarts;
    const perDay = result.days.map(() => new Set<number>());
    const all = new Set<number>();
    const stmt = this.db
      .prepare('SELECT ts, type, user FROM events WHERE org = ? AND ts >= ? AND ts < ? ORDER BY ts')
      .raw(true);
    let i = 0;
    for (const r of stmt.iterate(org, starts[0], starts[starts.length - 1]) as Iterable<
      [number, number, number | null]
    >) {
      const [ts, type, user] = r;
      while (ts >= starts[i + 1]!) i++;
      const d = result.days[i]!;
      d.events++;
      const name = wantedTypes.get(type);
      if (name !== undefined) d.byType[name] = (d.byType[name] ?? 0) + 1;
      if (user !== null && q.activeUsers) {
        perDay[i]!.add(user);
        all.add(user);
      }
    }
    if (!q.events) for (const d of result.days) d.events = 0;
    if (q.activeUsers) {
      perDay.forEach((s, k) => {
        result.days[k]!.activeUsers = s.size;
      });
      result.totalActiveUsers = all.size;
    }
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
    if (process.env.ANALYTICS_DEBUG_STATS)
      process.stderr.write(`store stats ${JSON.stringify(this.stats)}\n`);
    this.#closed = true;
    // Anything queued in this loop turn is still written before the handle closes.
    if (this.#queue.length > 0) this.#flush();
    // The worker's connection closes first, so the store's close is the last one and checkpoints the WAL.
    await this.#checkpointer?.stop();
    this.db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('store is closed');
  }
}

function groupByOrg(rows: Row[]): Map<string, Row[]> {
  const byOrg = new Map<string, Row[]>();
  for (const e of rows) {
    const list = byOrg.get(e.orgId);
    if (list) list.push(e);
    else byOrg.set(e.orgId, [e]);
  }
  return byOrg;
}

class Dicts {
  readonly active = new Set<string>();
  readonly orgs = new Map<string, number>();
  readonly types = new Map<string, number>();
  readonly users = new Map<string, number>();

  mergeInto(target: Dicts): void {
    for (const k of this.active) target.active.add(k);
    for (const [k, v] of this.orgs) target.orgs.set(k, v);
    for (const [k, v] of this.types) target.types.set(k, v);
    for (const [k, v] of this.users) target.users.set(k, v);
  }
}

/** Rollup deltas of one batch: a handful of upserts per batch instead of one per event. */
class Rollup {
  readonly counts = new Map<string, { day: number; type: number; n: number; lastTs: number }>();
  readonly users = new Map<string, { day: number; user: number }>();

  add(ts: number, type: number, user: number | null): void {
    const day = Math.floor(ts / DAY_MS);
    const k = `${day}:${type}`;
    const c = this.counts.get(k);
    if (c) {
      c.n++;
      if (ts > c.lastTs) c.lastTs = ts;
    } else {
      this.counts.set(k, { day, type, n: 1, lastTs: ts });
    }
    if (user !== null) {
      const uk = `${day}:${user}`;
      if (!this.users.has(uk)) this.users.set(uk, { day, user });
    }
  }
}
