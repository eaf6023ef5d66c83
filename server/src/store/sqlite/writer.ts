import type { DeliveryBatch } from '../../domain/delivery.js';
import { uuidToBytes } from '../../lib/ids.js';
import { DAY_MS, parseDate } from '../../lib/time.js';
import {
  assignSessions,
  dailySessionDeltas,
  IDENTIFY_EVENT,
  identityLinks,
  type LastSession,
  type SessionEvent,
  type SessionInput,
  sessionDeltas,
  type UpsertedSession,
} from '../sessions.js';
import { ingestResponseBody } from '../shared.js';
import type { IngestResult, NewEvent, SampleData } from '../types.js';
import { applyBackfillChunk, type BackfillChunk } from './backfill.js';
import type { Db } from './db.js';
import { writeDelivery } from './delivery.js';

type Statement = ReturnType<Db['prepare']>;

/** The unit of the hourly rollups. */
const HOUR_MS = 3_600_000;

/** Rows per multi-row INSERT: one call into SQLite per 100 events instead of one per event. */
const INSERT_CHUNK = 100;
/**
 * Columns of one event row, in the order of the multi-row INSERT's values. `org` is always the same for
 * every row of a statement; the receive time and the request's facts usually are.
 */
const ROW_COLUMNS = [
  'org',
  'ts',
  'event_id',
  'type',
  'user',
  'received_at',
  'schema_version',
  'properties',
  'anonymous_id',
  'session_id',
  'visitor_id',
  'context',
  'path',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'browser',
  'os',
  'device',
  'country',
  'is_bot',
] as const;
/** Rows per multi-row upsert of sessions and visitors' latest events. */
const UPSERT_CHUNK = 100;
/** Caches of visitor state hold at most this many entries before they start afresh. */
const CACHE_LIMIT = 500_000;

/**
 * A batch's events, column by column, with properties and context already serialised. Arrays of strings
 * and numbers cross to the writer thread at about a third of the cost of an array of objects (measured:
 * 0.55 against 1.4 µs per event to clone).
 */
export interface EventColumns {
  eventIds: string[];
  eventTypes: string[];
  userIds: (string | null)[];
  ts: number[];
  schemaVersions: number[];
  properties: string[];
  anonymousIds: (string | null)[];
  /** Null where the store makes the session (see `sessions.ts`). */
  sessionIds: (string | null)[];
  visitorIds: (string | null)[];
  /** `context` as JSON text, or null. */
  contexts: (string | null)[];
  paths: (string | null)[];
  referrerHosts: (string | null)[];
  utmSources: (string | null)[];
  utmMediums: (string | null)[];
  utmCampaigns: (string | null)[];
  /**
   * The request's facts: one element when every event has the same (always, for an ingest batch: they come
   * from its User-Agent and IP), so a batch crosses to the writer thread with five values, not five arrays.
   */
  browsers: (string | null)[];
  oses: (string | null)[];
  devices: (string | null)[];
  countries: (string | null)[];
  /** 1 for bot events. */
  isBots: number[];
}

/** Value of each ASCII hex digit (lower and upper case), -1 for any other code unit. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/**
 * The 16 bytes of a UUID in its 36-character form, read in place: `uuidToBytes` (which takes any text)
 * made two copies per event first, a measurable share of the writer's time per row. Anything else goes
 * through `uuidToBytes`, so the bytes are the same either way.
 */
function eventIdBytes(uuid: string): Buffer {
  if (uuid.length !== 36) return uuidToBytes(uuid);
  const out = Buffer.allocUnsafe(16);
  let j = 0;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (uuid.charCodeAt(i) !== 45) return uuidToBytes(uuid); // -
      i--;
      continue;
    }
    const hi = uuid.charCodeAt(i);
    const lo = uuid.charCodeAt(i + 1);
    const h = hi < 128 ? HEX[hi]! : -1;
    const l = lo < 128 ? HEX[lo]! : -1;
    if (h < 0 || l < 0) return uuidToBytes(uuid);
    out[j++] = (h << 4) | l;
  }
  return out;
}

/** Text with a UTF-16 surrogate, which a JSON round trip might not carry unchanged (a lone one). */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Element `k` of a column that may hold one value for every event. */
function at<T>(column: T[], k: number): T {
  return (column.length === 1 ? column[0] : column[k]) as T;
}

/** One ingest call's batch, as the writer stores it. */
export interface WriteBatch {
  orgId: string;
  receivedAt: number;
  events: EventColumns;
  idempotency?: { key: string; requestHash: string } | undefined;
  /** Delivery-completeness facts of the batch, when it has any. */
  delivery?: DeliveryBatch | undefined;
}

export type WriteOutcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };

/** A generated or sample row: an event of any org with its own receive time. */
export type LoadRow = NewEvent & { orgId: string; receivedAt: number };

/** The writer's form of events; `JSON.stringify` throws on properties that cannot be stored (cycles). */
export function toEventColumns(events: NewEvent[]): EventColumns {
  const n = events.length;
  const col = <T>() => new Array<T>(n);
  const c: EventColumns = {
    eventIds: col(),
    eventTypes: col(),
    userIds: col(),
    ts: col(),
    schemaVersions: col(),
    properties: col(),
    anonymousIds: col(),
    sessionIds: col(),
    visitorIds: col(),
    contexts: col(),
    paths: col(),
    referrerHosts: col(),
    utmSources: col(),
    utmMediums: col(),
    utmCampaigns: col(),
    browsers: col(),
    oses: col(),
    devices: col(),
    countries: col(),
    isBots: col(),
  };
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    c.eventIds[i] = e.eventId;
    c.eventTypes[i] = e.eventType;
    c.userIds[i] = e.userId;
    c.ts[i] = e.ts;
    c.schemaVersions[i] = e.schemaVersion;
    c.properties[i] = e.propertiesJson ?? JSON.stringify(e.properties);
    const anonymousId = e.anonymousId ?? null;
    c.anonymousIds[i] = anonymousId;
    c.sessionIds[i] = e.sessionId ?? null;
    c.visitorIds[i] = e.visitorId ?? e.userId ?? anonymousId;
    c.contexts[i] =
      e.contextJson !== undefined ? e.contextJson : e.context ? JSON.stringify(e.context) : null;
    c.paths[i] = e.path ?? null;
    c.referrerHosts[i] = e.referrerHost ?? null;
    c.utmSources[i] = e.utmSource ?? null;
    c.utmMediums[i] = e.utmMedium ?? null;
    c.utmCampaigns[i] = e.utmCampaign ?? null;
    c.browsers[i] = e.browser ?? null;
    c.oses[i] = e.os ?? null;
    c.devices[i] = e.device ?? null;
    c.countries[i] = e.country ?? null;
    c.isBots[i] = e.isBot ? 1 : 0;
  }
  for (const name of ['browsers', 'oses', 'devices', 'countries', 'isBots'] as const) {
    const column = c[name] as unknown[];
    if (n > 1 && column.every((v) => v === column[0])) column.length = 1;
  }
  return c;
}

/**
 * The SQLite write path: events, dictionaries, rollups and idempotency records, on one connection. It runs
 * on the writer thread (`writer-thread.ts`) or, for in-memory databases and tools, on the caller's thread;
 * the same code either way. Every method is synchronous and wraps its work in one transaction.
 *
 * Being the only writer, it keeps what it wrote in memory (dictionary ids, which rollup rows exist, each
 * visitor's latest event, identity links) and reads the database only for what it has not seen since it
 * started. Entries made by a transaction become known only once it commits (`Pending`).
 */
export class SqliteWriter {
  readonly #db: Db;
  /** What committed transactions made: dictionary ids, rollup rows known to exist, visitor state. */
  readonly #known = new Pending();
  /** Multi-row INSERT statements by row count and shared columns, prepared on first use. */
  readonly #inserts = new Map<string, Statement>();
  readonly #sessionUpserts: Statement[] = [];
  readonly #lastSessionUpserts: Statement[] = [];
  /** Multi-row statements of `#insertRows`, by row count and statement. */
  readonly #multiRow = new Map<string, Statement>();

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Write a group of batches in one transaction (one commit for all: group commit), each batch inside its
   * own savepoint so one failing batch does not fail its neighbours. Throws only if the commit itself fails
   * (disk full, I/O error), in which case nothing of the group is stored.
   */
  writeGroup(batches: WriteBatch[]): WriteOutcome[] {
    const outcomes: WriteOutcome[] = [];
    const group = new Pending();
    this.#db.transaction(() => {
      for (const batch of batches) {
        try {
          // What a savepoint that rolls back made never existed: keep it apart until the savepoint holds.
          // (A later batch of the group that needs the same name finds the row by its unique key.)
          const local = new Pending();
          const result = this.#db.transaction(() => this.#writeBatch(batch, [local, group]));
          local.mergeInto(group);
          outcomes.push({ ok: true, result });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    this.#adopt(group);
    return outcomes;
  }

  /** Generated or sample events of any orgs, in one transaction; returns how many were new. */
  bulkLoad(events: LoadRow[]): number {
    const fresh = new Pending();
    let stored = 0;
    this.#db.transaction(() => {
      for (const [orgId, rows] of groupByOrg(events)) stored += this.#loadOrg(orgId, rows, [fresh]);
    });
    this.#adopt(fresh);
    return stored;
  }

  /** The sample data set, once per database (a `meta` row remembers it); false if it was already there. */
  seedSample(data: SampleData): boolean {
    const db = this.#db;
    const fresh = new Pending();
    const layers = [fresh];
    const seeded = db.transaction(() => {
      if (db.get('SELECT 1 FROM meta WHERE key = ?', ['sample_seeded'])) return false;
      for (const o of data.organizations) {
        db.run(
          `INSERT INTO orgs (org_id, name, plan, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, plan = excluded.plan,
             created_at = excluded.created_at`,
          [o.orgId, o.name, o.plan, o.createdAt],
        );
      }
      for (const u of data.users) {
        db.run(
          `INSERT INTO users (user_id, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name,
             role = excluded.role, created_at = excluded.created_at, updated_at = excluded.updated_at`,
          [u.userId, u.email, u.name, u.role, u.createdAt, u.updatedAt],
        );
      }
      for (const m of data.userOrgs) {
        db.run(`INSERT OR REPLACE INTO user_orgs (org, user, role, joined_at) VALUES (?, ?, ?, ?)`, [
          this.#orgId(m.orgId, layers),
          this.#userId(m.userId, layers),
          m.role,
          m.joinedAt,
        ]);
      }
      const rows = data.events.map((e) => ({ ...e, receivedAt: e.ts }));
      for (const [orgId, list] of groupByOrg(rows)) this.#loadOrg(orgId, list, layers);
      for (const m of data.metrics) {
        const day = parseDate(m.date);
        if (day === null) throw new Error(`metrics: invalid date "${m.date}"`);
        db.run(
          `INSERT INTO metrics (org, name, day, value) VALUES (?, ?, ?, ?)
           ON CONFLICT (org, name, day) DO UPDATE SET value = value + excluded.value`,
          [this.#orgId(m.orgId, layers), m.name, day, m.value],
        );
      }
      db.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['sample_seeded', new Date().toISOString()]);
      return true;
    });
    this.#adopt(fresh);
    return seeded;
  }

  purgeIdempotencyKeys(olderThan: number): number {
    return this.#db.run('DELETE FROM idempotency_keys WHERE created_at < ?', [olderThan]).changes;
  }

  /**
   * The salt of a UTC day: the stored one, or a new one made from `candidate` (random, from the caller).
   * Making one deletes the salts of days before `day - 1`.
   */
  visitorSalt(day: number, candidate: string): string {
    return this.#db.transaction(() => {
      const row = this.#db.get<{ salt: string }>('SELECT salt FROM visitor_salts WHERE day = ?', [day]);
      if (row) return row.salt;
      this.#db.run('INSERT INTO visitor_salts (day, salt) VALUES (?, ?)', [day, candidate]);
      this.#db.run('DELETE FROM visitor_salts WHERE day < ?', [day - 1]);
      return candidate;
    });
  }

  /** Delete the salts of days before `day - 1`; returns how many went. */
  purgeVisitorSalts(day: number): number {
    return this.#db.run('DELETE FROM visitor_salts WHERE day < ?', [day - 1]).changes;
  }

  /** One chunk of the backfill of pre-migration rows (`backfill.ts`), in its own transaction. */
  backfillChunk(limit: number): BackfillChunk {
    const fresh = new Pending();
    const chunk = this.#db.transaction(() =>
      applyBackfillChunk(this.#db, limit, (visitorId) => this.#visitorId(visitorId, [fresh])),
    );
    this.#adopt(fresh);
    return chunk;
  }

  /** Insert one batch; runs inside a transaction. What it creates goes to `layers[0]` until commit. */
  #writeBatch(batch: WriteBatch, layers: Pending[]): IngestResult {
    const org = this.#orgId(batch.orgId, layers);
    const { eventIds } = batch.events;
    const accepted = this.#insertEvents(org, batch.events, () => batch.receivedAt, layers);
    const result: IngestResult = { accepted, duplicates: eventIds.length - accepted, eventIds };
    if (batch.delivery) result.delivery = writeDelivery(this.#db, org, batch.delivery, batch.receivedAt);
    if (batch.idempotency) {
      this.#db.run(
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

  #loadOrg(orgId: string, rows: LoadRow[], layers: Pending[]): number {
    const columns = toEventColumns(rows);
    return this.#insertEvents(this.#orgId(orgId, layers), columns, (i) => rows[i]!.receivedAt, layers);
  }

  /**
   * Insert events of one org, skipping ids already stored, and apply their rollups. Events without a
   * session id get one first. Rows go in multi-row statements of up to 100; a statement that stored fewer
   * rows than it had (ids already stored) says which by the rowids it made. Returns how many were new.
   */
  #insertEvents(
    org: number,
    events: EventColumns,
    receivedAt: (index: number) => number,
    layers: Pending[],
  ): number {
    const total = events.eventIds.length;
    const looked = this.#prefetchVisitors(org, events, layers);
    const { moved, before } = this.#assignSessions(org, events, layers, looked);
    const fresh: number[] = [];
    // Values every row shares are bound once per statement (named), not once per row: binding was a good
    // part of an insert's cost with 22 columns a row.
    const shared: Record<string, unknown> = { org };
    const first = total > 0 ? receivedAt(0) : 0;
    let sameReceived = true;
    for (let k = 1; k < total && sameReceived; k++) sameReceived = receivedAt(k) === first;
    if (sameReceived) shared.received_at = first;
    for (const [name, column] of [
      ['browser', events.browsers],
      ['os', events.oses],
      ['device', events.devices],
      ['country', events.countries],
      ['is_bot', events.isBots],
    ] as const) {
      if (column.length === 1) shared[name] = column[0];
    }
    const perRow = ROW_COLUMNS.filter((c) => !(c in shared));
    const width = perRow.length;
    for (let start = 0; start < total; start += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, total - start);
      const params: unknown[] = new Array(n * width);
      const ids: Buffer[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const k = start + i;
        const user = events.userIds[k]!;
        const id = eventIdBytes(events.eventIds[k]!);
        ids[i] = id;
        let p = i * width;
        params[p++] = events.ts[k];
        params[p++] = id;
        params[p++] = this.#typeId(events.eventTypes[k]!, layers);
        params[p++] = user === null ? null : this.#userId(user, layers);
        if (!sameReceived) params[p++] = receivedAt(k);
        params[p++] = events.schemaVersions[k];
        params[p++] = events.properties[k];
        const anonymousId = events.anonymousIds[k]!;
        const visitorId = events.visitorIds[k]!;
        params[p++] = anonymousId;
        params[p++] = events.sessionIds[k];
        // Stored only when it is neither the user nor the anonymous id (reads put those back).
        params[p++] = visitorId === (user ?? anonymousId) ? null : visitorId;
        params[p++] = events.contexts[k];
        params[p++] = events.paths[k];
        params[p++] = events.referrerHosts[k];
        params[p++] = events.utmSources[k];
        params[p++] = events.utmMediums[k];
        params[p++] = events.utmCampaigns[k];
        if (!('browser' in shared)) params[p++] = events.browsers[k];
        if (!('os' in shared)) params[p++] = events.oses[k];
        if (!('device' in shared)) params[p++] = events.devices[k];
        if (!('country' in shared)) params[p++] = events.countries[k];
        if (!('is_bot' in shared)) params[p++] = events.isBots[k];
      }
      const { changes, lastInsertRowid } = this.#insertStatement(n, perRow).run(params, shared);
      if (changes === n) {
        for (let i = 0; i < n; i++) fresh.push(start + i);
      } else if (changes > 0) {
        // Some ids were stored already: the rows this statement made are the last `changes` rowids.
        const last = Number(lastInsertRowid);
        const inserted = this.#db.raw('SELECT event_id FROM events WHERE id > ? AND id <= ?', [
          last - changes,
          last,
        ]) as [Buffer][];
        collectInserted(ids, inserted, start, fresh);
      }
    }
    this.#applyRollups(org, events, fresh, layers);
    this.#saveLastSessions(org, moved, before, layers);
    return fresh.length;
  }

  #insertStatement(rows: number, perRow: readonly string[]): Statement {
    const key = `${rows}:${perRow.join(',')}`;
    let stmt = this.#inserts.get(key);
    if (!stmt) {
      const row = `(${ROW_COLUMNS.map((c) => (perRow.includes(c) ? '?' : `@${c}`)).join(', ')})`;
      stmt = this.#db.prepare(
        `INSERT OR IGNORE INTO events (${ROW_COLUMNS.join(', ')})
           VALUES ${new Array(rows).fill(row).join(', ')}`,
      );
      this.#inserts.set(key, stmt);
    }
    return stmt;
  }

  // ---- sessions ------------------------------------------------------------------------------------

  /**
   * Fills in missing session ids (in place); returns the visitors' new latest events, and the session each
   * of those visitors was in before.
   */
  #assignSessions(
    org: number,
    events: EventColumns,
    layers: Pending[],
    looked: Set<string>,
  ): { moved: Map<string, LastSession>; before: Map<string, string | undefined> } {
    const n = events.eventIds.length;
    const inputs: SessionInput[] = new Array(n);
    for (let i = 0; i < n; i++) {
      inputs[i] = {
        eventId: events.eventIds[i]!,
        ts: events.ts[i]!,
        visitorId: events.visitorIds[i]!,
        sessionId: events.sessionIds[i]!,
      };
    }
    const before = new Map<string, string | undefined>();
    const moved = assignSessions(inputs, (visitor) => {
      const last = this.#lastSession(org, visitor, layers, looked);
      before.set(visitor, last?.sessionId);
      return last;
    });
    for (let i = 0; i < n; i++) events.sessionIds[i] = inputs[i]!.sessionId;
    return { moved, before };
  }

  #lastSession(
    org: number,
    visitor: string,
    layers: Pending[],
    looked: Set<string>,
  ): LastSession | undefined {
    const key = `${org}\0${visitor}`;
    for (const layer of layers) {
      const hit = layer.lastSessions.get(key);
      if (hit) return hit;
    }
    const known = this.#known.lastSessions.get(key);
    if (known) return known;
    // Read for the whole batch already (`#prefetchVisitors`): what it did not find is not stored.
    if (looked.has(visitor)) return undefined;
    const id = this.#findVisitorId(visitor, layers);
    if (id === undefined) return undefined;
    // The row says which session; that session's last event says when (the row is not rewritten while the
    // visitor stays in one session).
    const row = this.#db.get<{ session_id: string; last_ts: number }>(
      `SELECT l.session_id, max(l.last_ts, coalesce((SELECT max(s.end_ts) FROM sessions s
                WHERE s.org = l.org AND s.session_id = l.session_id), l.last_ts)) AS last_ts
         FROM visitor_last_session l WHERE l.org = ? AND l.visitor = ?`,
      [org, id],
    );
    const last = row ? { sessionId: row.session_id, lastTs: row.last_ts } : undefined;
    if (last) layers[0]!.lastSessions.set(key, last);
    return last;
  }

  /**
   * What the batch's visitors need from the database and memory does not hold, read for the whole batch
   * in at most three statements instead of up to four single-row statements per visitor: their dictionary
   * ids, their identity links and their latest sessions. What is found goes to `layers[0]` like any
   * lookup's result (identity links found missing too, as null). Returns the visitors whose latest session
   * was read here, found or not.
   */
  #prefetchVisitors(org: number, events: EventColumns, layers: Pending[]): Set<string> {
    const looked = new Set<string>();
    const batch = new Set<string>();
    for (const v of events.visitorIds) {
      // Only text that JSON carries unchanged into SQLite: anything else keeps the single-row lookups.
      if (v !== null && v !== undefined && !SURROGATE.test(v)) batch.add(v);
    }
    if (batch.size === 0) return looked;
    const ids = new Map<string, number>();
    const unknownIds: string[] = [];
    const noLink: string[] = [];
    const noLast: string[] = [];
    for (const v of batch) {
      const key = `${org}\0${v}`;
      if (!this.#hasIdentity(key, layers)) noLink.push(v);
      if (!this.#hasLastSession(key, layers)) noLast.push(v);
      const id = this.#knownVisitorId(v, layers);
      if (id === undefined) unknownIds.push(v);
      else ids.set(v, id);
    }
    if (noLast.length === 0 && noLink.length === 0) return looked;
    const db = this.#db;
    if (unknownIds.length > 0) {
      const rows = db.raw(
        'SELECT v.id, v.visitor_id FROM json_each(?) j CROSS JOIN visitors v ON v.visitor_id = j.value',
        [JSON.stringify(unknownIds)],
      ) as [number, string][];
      for (const [id, visitorId] of rows) {
        ids.set(visitorId, id);
        layers[0]!.visitors.set(visitorId, id);
      }
    }
    if (noLink.length > 0) {
      const links = new Map(
        db.raw(
          `SELECT i.anonymous_id, i.user_id FROM json_each(?) j
             CROSS JOIN identities i ON i.org = ? AND i.anonymous_id = j.value`,
          [JSON.stringify(noLink), org],
        ) as [string, string][],
      );
      for (const v of noLink) layers[0]!.identities.set(`${org}\0${v}`, links.get(v) ?? null);
    }
    if (noLast.length > 0) {
      const byId = new Map<number, string>();
      for (const v of noLast) {
        const id = ids.get(v);
        if (id !== undefined) byId.set(id, v);
        looked.add(v); // not in the dictionary: no latest session either
      }
      if (byId.size > 0) {
        // As `#lastSession` reads one visitor's row.
        const rows = db.raw(
          `SELECT l.visitor, l.session_id, max(l.last_ts, coalesce((SELECT max(s.end_ts) FROM sessions s
                    WHERE s.org = l.org AND s.session_id = l.session_id), l.last_ts)) AS last_ts
             FROM json_each(?) j CROSS JOIN visitor_last_session l ON l.org = ? AND l.visitor = j.value`,
          [JSON.stringify([...byId.keys()]), org],
        ) as [number, string, number][];
        for (const [id, sessionId, lastTs] of rows) {
          layers[0]!.lastSessions.set(`${org}\0${byId.get(id)!}`, { sessionId, lastTs });
        }
      }
    }
    return looked;
  }

  #hasIdentity(key: string, layers: Pending[]): boolean {
    for (const layer of layers) if (layer.identities.has(key)) return true;
    return this.#known.identities.has(key);
  }

  #hasLastSession(key: string, layers: Pending[]): boolean {
    for (const layer of layers) if (layer.lastSessions.get(key)) return true;
    return this.#known.lastSessions.get(key) !== undefined;
  }

  /** The dictionary id of a visitor id when memory holds it. */
  #knownVisitorId(visitorId: string, layers: Pending[]): number | undefined {
    const known = this.#known.visitors.get(visitorId);
    if (known !== undefined) return known;
    for (const layer of layers) {
      const pending = layer.visitors.get(visitorId);
      if (pending !== undefined) return pending;
    }
    return undefined;
  }

  /**
   * Remembers each visitor's newest event; only a visitor who moved to another session is written (a
   * visit spread over many batches writes its row once).
   */
  #saveLastSessions(
    org: number,
    moved: Map<string, LastSession>,
    before: Map<string, string | undefined>,
    layers: Pending[],
  ): void {
    const changed = [...moved].filter(([visitor, last]) => before.get(visitor) !== last.sessionId);
    for (let start = 0; start < changed.length; start += UPSERT_CHUNK) {
      const slice = changed.slice(start, start + UPSERT_CHUNK);
      const params: unknown[] = [];
      for (const [visitor, last] of slice) {
        params.push(org, this.#visitorId(visitor, layers), last.sessionId, last.lastTs);
      }
      this.#lastSessionUpsert(slice.length).run(params);
    }
    for (const [visitor, last] of moved) layers[0]!.lastSessions.set(`${org}\0${visitor}`, last);
  }

  #lastSessionUpsert(rows: number): Statement {
    let stmt = this.#lastSessionUpserts[rows];
    if (!stmt) {
      stmt = this.#db.prepare(
        `INSERT INTO visitor_last_session (org, visitor, session_id, last_ts)
         VALUES ${new Array(rows).fill('(?, ?, ?, ?)').join(', ')}
         ON CONFLICT (org, visitor) DO UPDATE SET session_id = excluded.session_id, last_ts = excluded.last_ts`,
      );
      this.#lastSessionUpserts[rows] = stmt;
    }
    return stmt;
  }

  // ---- rollups -------------------------------------------------------------------------------------

  /** Every rollup of the rows just inserted (`fresh`: their indexes in `events`). */
  #applyRollups(org: number, events: EventColumns, fresh: number[], layers: Pending[]): void {
    if (fresh.length === 0) return;
    const db = this.#db;
    const counts = new Map<string, { day: number; type: number; n: number; lastTs: number }>();
    const bots = new Map<string, { day: number; type: number; n: number }>();
    const users = new Map<string, { day: number; user: number }>();
    // The hourly rollups (any zone's days, weeks, months and hours are unions of hours): one row per
    // batch's distinct (hour, type, bot flag) and (hour, bot flag, user).
    const hourly = new Map<string, number[]>();
    const hourlyUsers = new Map<string, number[]>();
    for (const k of fresh) {
      const ts = events.ts[k]!;
      const day = Math.floor(ts / DAY_MS);
      const type = this.#typeId(events.eventTypes[k]!, layers);
      const hour = Math.floor(ts / HOUR_MS);
      const bot = at(events.isBots, k) ?? 0;
      const hk = `${hour}:${type}:${bot}`;
      const h = hourly.get(hk);
      if (h) h[4]!++;
      else hourly.set(hk, [org, hour, type, bot, 1]);
      const ck = `${day}:${type}`;
      const c = counts.get(ck);
      if (c) {
        c.n++;
        if (ts > c.lastTs) c.lastTs = ts;
      } else counts.set(ck, { day, type, n: 1, lastTs: ts });
      if (at(events.isBots, k)) {
        const b = bots.get(ck);
        if (b) b.n++;
        else bots.set(ck, { day, type, n: 1 });
      }
      const userId = events.userIds[k]!;
      if (userId !== null) {
        const user = this.#userId(userId, layers);
        const uk = `${day}:${user}`;
        if (!users.has(uk)) users.set(uk, { day, user });
        const huk = `${hour}:${bot}:${user}`;
        if (!hourlyUsers.has(huk)) hourlyUsers.set(huk, [org, hour, bot, user]);
      }
    }
    this.#insertRows(
      'INSERT INTO hourly_counts (org, hour, type, is_bot, n) VALUES',
      5,
      'ON CONFLICT (org, hour, type, is_bot) DO UPDATE SET n = n + excluded.n',
      [...hourly.values()].flat(),
    );
    this.#insertRows(
      'INSERT OR IGNORE INTO hourly_users (org, hour, is_bot, user) VALUES',
      4,
      '',
      [...hourlyUsers.values()].flat(),
    );
    const countRows: number[] = [];
    for (const c of counts.values()) countRows.push(org, c.day, c.type, c.n, c.lastTs);
    this.#insertRows(
      'INSERT INTO daily_counts (org, day, type, n, last_ts) VALUES',
      5,
      'ON CONFLICT (org, day, type) DO UPDATE SET n = n + excluded.n, last_ts = max(last_ts, excluded.last_ts)',
      countRows,
    );
    if (bots.size > 0) {
      const upsertBot = db.prepare(
        `INSERT INTO daily_bot_counts (org, day, type, n) VALUES (?, ?, ?, ?)
         ON CONFLICT (org, day, type) DO UPDATE SET n = n + excluded.n`,
      );
      for (const b of bots.values()) upsertBot.run(org, b.day, b.type, b.n);
    }
    if (users.size > 0) {
      const add = db.prepare('INSERT OR IGNORE INTO daily_users (org, day, user) VALUES (?, ?, ?)');
      for (const [key, u] of users) {
        const known = `${org}:${key}`;
        if (this.#isKnown('active', known, layers)) continue;
        add.run(org, u.day, u.user);
        layers[0]!.active.add(known);
      }
    }
    this.#linkIdentities(org, events, fresh, layers);
    this.#addDailyVisitors(org, events, fresh, layers);
    this.#addSessions(org, events, fresh);
  }

  /** `$identify` links, and the anonymous visitor's rows of daily_visitors rewritten to the user. */
  #linkIdentities(org: number, events: EventColumns, fresh: number[], layers: Pending[]): void {
    let any = false;
    for (const k of fresh) {
      if (events.eventTypes[k] === IDENTIFY_EVENT) {
        any = true;
        break;
      }
    }
    if (!any) return;
    const links = identityLinks(
      fresh.map((k) => ({
        eventType: events.eventTypes[k]!,
        userId: events.userIds[k]!,
        anonymousId: events.anonymousIds[k],
        ts: events.ts[k]!,
      })),
    );
    const db = this.#db;
    for (const link of links) {
      const made = db.run(
        'INSERT OR IGNORE INTO identities (org, anonymous_id, user_id, linked_at) VALUES (?, ?, ?, ?)',
        [org, link.anonymousId, link.userId, link.ts],
      ).changes;
      if (made === 0) continue;
      layers[0]!.identities.set(`${org}\0${link.anonymousId}`, link.userId);
      const from = this.#visitorId(link.anonymousId, layers);
      const to = this.#visitorId(link.userId, layers);
      // The rows the user already has stay; the anonymous id's other rows become the user's.
      db.run('UPDATE OR IGNORE daily_visitors SET visitor = ? WHERE org = ? AND visitor = ?', [
        to,
        org,
        from,
      ]);
      db.run('DELETE FROM daily_visitors WHERE org = ? AND visitor = ?', [org, from]);
      db.run('UPDATE OR IGNORE hourly_visitors SET visitor = ? WHERE org = ? AND visitor = ?', [
        to,
        org,
        from,
      ]);
      db.run('DELETE FROM hourly_visitors WHERE org = ? AND visitor = ?', [org, from]);
    }
  }

  /** The visitor an event counts as: the user its visitor id was linked to, else the visitor id. */
  #mergedVisitor(org: number, visitor: string, layers: Pending[]): string {
    const key = `${org}\0${visitor}`;
    for (const layer of layers) {
      const hit = layer.identities.get(key);
      if (hit !== undefined) return hit ?? visitor;
    }
    const known = this.#known.identities.get(key);
    if (known !== undefined) return known ?? visitor;
    const row = this.#db.get<{ user_id: string }>(
      'SELECT user_id FROM identities WHERE org = ? AND anonymous_id = ?',
      [org, visitor],
    );
    layers[0]!.identities.set(key, row ? row.user_id : null);
    return row ? row.user_id : visitor;
  }

  #addDailyVisitors(org: number, events: EventColumns, fresh: number[], layers: Pending[]): void {
    const rows: number[] = [];
    const hourRows: number[] = [];
    const seen = new Set<string>();
    for (const k of fresh) {
      const visitor = events.visitorIds[k];
      if (visitor === null || visitor === undefined) continue;
      const day = Math.floor(events.ts[k]! / DAY_MS);
      const bot = at(events.isBots, k)!;
      const hour = Math.floor(events.ts[k]! / HOUR_MS);
      const firstInHour = `h${hour}:${bot}:${visitor}`;
      if (seen.has(firstInHour)) continue;
      seen.add(firstInHour);
      const id = this.#visitorId(this.#mergedVisitor(org, visitor, layers), layers);
      hourRows.push(org, hour, bot, id);
      const first = `${day}:${bot}:${visitor}`;
      if (seen.has(first)) continue;
      seen.add(first);
      const known = `${org}:${day}:${bot}:${id}`;
      if (this.#isKnown('activeVisitors', known, layers)) continue;
      rows.push(org, day, bot, id);
      layers[0]!.activeVisitors.add(known);
    }
    this.#insertRows('INSERT OR IGNORE INTO daily_visitors (org, day, is_bot, visitor) VALUES', 4, '', rows);
    this.#insertRows(
      'INSERT OR IGNORE INTO hourly_visitors (org, hour, is_bot, visitor) VALUES',
      4,
      '',
      hourRows,
    );
  }

  /**
   * `rows` (flat, `width` values a row) in multi-row statements of up to 100 rows: one call into SQLite
   * for a batch's rows instead of one per row. `head` ends with VALUES; `tail` follows the rows.
   */
  #insertRows(head: string, width: number, tail: string, rows: unknown[]): void {
    const total = rows.length / width;
    for (let start = 0; start < total; start += UPSERT_CHUNK) {
      const n = Math.min(UPSERT_CHUNK, total - start);
      const key = `${n}:${head}`;
      let stmt = this.#multiRow.get(key);
      if (!stmt) {
        const row = `(${new Array(width).fill('?').join(', ')})`;
        stmt = this.#db.prepare(`${head} ${new Array(n).fill(row).join(', ')} ${tail}`);
        this.#multiRow.set(key, stmt);
      }
      stmt.run(start === 0 && n === total ? rows : rows.slice(start * width, (start + n) * width));
    }
  }

  /** Sessions upserted with what the batch adds, and their move in daily_sessions. */
  #addSessions(org: number, events: EventColumns, fresh: number[]): void {
    const rows: SessionEvent[] = [];
    for (const k of fresh) {
      const sessionId = events.sessionIds[k]!;
      if (sessionId === null) continue;
      rows.push({
        sessionId,
        isBot: at(events.isBots, k) === 1,
        ts: events.ts[k]!,
        eventType: events.eventTypes[k]!,
        path: events.paths[k]!,
        visitorId: events.visitorIds[k]!,
      });
    }
    if (rows.length === 0) return;
    const deltas = sessionDeltas(rows);
    const upserted: UpsertedSession[] = [];
    for (let start = 0; start < deltas.length; start += UPSERT_CHUNK) {
      const slice = deltas.slice(start, start + UPSERT_CHUNK);
      const params: unknown[] = [];
      for (const d of slice) {
        params.push(
          org,
          d.sessionId,
          d.isBot ? 1 : 0,
          d.visitorId,
          d.startTs,
          d.endTs,
          d.events,
          d.pageviews,
          d.entryTs,
          d.entryPath,
        );
      }
      for (const r of this.#sessionUpsert(slice.length).all(params) as number[][]) {
        upserted.push({
          isBot: r[0] === 1,
          startTs: r[1]!,
          endTs: r[2]!,
          events: r[3]!,
          pageviews: r[4]!,
          prevStartTs: r[5] ?? null,
          prevEndTs: r[6] ?? null,
          prevEvents: r[7] ?? null,
          prevPageviews: r[8] ?? null,
        });
      }
    }
    const daily = this.#db.prepare(
      `INSERT INTO daily_sessions (org, day, is_bot, sessions, bounces, duration_ms, pageviews)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org, day, is_bot) DO UPDATE SET sessions = sessions + excluded.sessions,
         bounces = bounces + excluded.bounces, duration_ms = duration_ms + excluded.duration_ms,
         pageviews = pageviews + excluded.pageviews`,
    );
    for (const d of dailySessionDeltas(upserted)) {
      daily.run(org, d.day, d.isBot ? 1 : 0, d.sessions, d.bounces, d.durationMs, d.pageviews);
    }
    const hourRows: number[] = [];
    for (const d of dailySessionDeltas(upserted, HOUR_MS)) {
      hourRows.push(org, d.day, d.isBot ? 1 : 0, d.sessions, d.bounces, d.durationMs, d.pageviews);
    }
    this.#insertRows(
      'INSERT INTO hourly_sessions (org, hour, is_bot, sessions, bounces, duration_ms, pageviews) VALUES',
      7,
      `ON CONFLICT (org, hour, is_bot) DO UPDATE SET sessions = sessions + excluded.sessions,
         bounces = bounces + excluded.bounces, duration_ms = duration_ms + excluded.duration_ms,
         pageviews = pageviews + excluded.pageviews`,
      hourRows,
    );
  }

  #sessionUpsert(rows: number): Statement {
    let stmt = this.#sessionUpserts[rows];
    if (!stmt) {
      // Only when the batch's entry is earlier (then its path is smaller) does it replace the stored one.
      const earlier = `excluded.entry_ts IS NOT NULL AND (entry_ts IS NULL OR excluded.entry_ts < entry_ts
        OR (excluded.entry_ts = entry_ts AND coalesce(excluded.entry_path, '') < coalesce(entry_path, '')))`;
      stmt = this.#db
        .prepare(
          `INSERT INTO sessions (org, session_id, is_bot, visitor_id, start_ts, end_ts, events, pageviews,
             entry_ts, entry_path)
           VALUES ${new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (org, session_id, is_bot) DO UPDATE SET
             prev_start_ts = start_ts, prev_end_ts = end_ts, prev_events = events,
             prev_pageviews = pageviews,
             visitor_id = CASE WHEN excluded.start_ts < start_ts THEN excluded.visitor_id ELSE visitor_id END,
             start_ts = min(start_ts, excluded.start_ts), end_ts = max(end_ts, excluded.end_ts),
             events = events + excluded.events, pageviews = pageviews + excluded.pageviews,
             entry_ts = CASE WHEN ${earlier} THEN excluded.entry_ts ELSE entry_ts END,
             entry_path = CASE WHEN ${earlier} THEN excluded.entry_path ELSE entry_path END
           RETURNING is_bot, start_ts, end_ts, events, pageviews, prev_start_ts, prev_end_ts, prev_events,
             prev_pageviews`,
        )
        .raw(true);
      this.#sessionUpserts[rows] = stmt;
    }
    return stmt;
  }

  // ---- dictionaries ---------------------------------------------------------------------------------

  #orgId(orgId: string, layers: Pending[]): number {
    return this.#lookup(orgId, 'orgs', layers, 'orgs', 'org_id');
  }

  #typeId(name: string, layers: Pending[]): number {
    return this.#lookup(name, 'types', layers, 'event_types', 'name');
  }

  #userId(userId: string, layers: Pending[]): number {
    return this.#lookup(userId, 'users', layers, 'users', 'user_id');
  }

  /** The dictionary id of a visitor id, without making one. */
  #findVisitorId(visitorId: string, layers: Pending[]): number | undefined {
    const known = this.#known.visitors.get(visitorId);
    if (known !== undefined) return known;
    for (const layer of layers) {
      const pending = layer.visitors.get(visitorId);
      if (pending !== undefined) return pending;
    }
    return this.#db.get<{ id: number }>('SELECT id FROM visitors WHERE visitor_id = ?', [visitorId])?.id;
  }

  #visitorId(visitorId: string, layers: Pending[]): number {
    return this.#lookup(visitorId, 'visitors', layers, 'visitors', 'visitor_id');
  }

  #lookup(
    value: string,
    dict: 'orgs' | 'types' | 'users' | 'visitors',
    layers: Pending[],
    table: string,
    column: string,
  ): number {
    const committed = this.#known[dict].get(value);
    if (committed !== undefined) return committed;
    for (const layer of layers) {
      const pending = layer[dict].get(value);
      if (pending !== undefined) return pending;
    }
    // A new entry's id is the rowid the insert made; only an entry already stored needs the SELECT.
    const made = this.#db.run(`INSERT OR IGNORE INTO ${table} (${column}) VALUES (?)`, [value]);
    const id =
      made.changes === 1
        ? Number(made.lastInsertRowid)
        : this.#db.get<{ id: number }>(`SELECT id FROM ${table} WHERE ${column} = ?`, [value])!.id;
    // Not cached as committed yet: if the transaction rolls back, the id never existed.
    layers[0]![dict].set(value, id);
    return id;
  }

  #isKnown(set: 'active' | 'activeVisitors', key: string, layers: Pending[]): boolean {
    if (this.#known[set].has(key)) return true;
    for (const layer of layers) if (layer[set].has(key)) return true;
    return false;
  }

  #adopt(committed: Pending): void {
    // Caches that grow with the user and visitor base start afresh when large; lookups then fall back to
    // the indexes.
    const known = this.#known;
    for (const [k, v] of committed.orgs) known.orgs.set(k, v);
    for (const [k, v] of committed.types) known.types.set(k, v);
    for (const name of ['users', 'visitors', 'identities', 'lastSessions'] as const) {
      const map = known[name] as Map<string, unknown>;
      if (map.size > CACHE_LIMIT) map.clear();
      for (const [k, v] of committed[name] as Map<string, unknown>) map.set(k, v);
    }
    for (const name of ['active', 'activeVisitors'] as const) {
      if (known[name].size > 2 * CACHE_LIMIT) known[name].clear();
      for (const k of committed[name]) known[name].add(k);
    }
  }
}

/**
 * Which rows of a chunk were inserted, given the event ids of the rows it made. Those come in the order the
 * rows were inserted, which is the VALUES order; matching in step costs one comparison per row, and a full
 * search covers any other order.
 */
function collectInserted(ids: Buffer[], inserted: [Buffer][], offset: number, out: number[]): void {
  let p = 0;
  for (const [id] of inserted) {
    let at = -1;
    for (let q = p; q < ids.length; q++) {
      if (ids[q]!.equals(id)) {
        at = q;
        break;
      }
    }
    if (at === -1) at = ids.findIndex((x) => x.equals(id));
    out.push(offset + at);
    p = at + 1;
  }
  if (inserted.length > 1) out.sort((a, b) => a - b);
}

function groupByOrg(rows: LoadRow[]): Map<string, LoadRow[]> {
  const byOrg = new Map<string, LoadRow[]>();
  for (const e of rows) {
    const list = byOrg.get(e.orgId);
    if (list) list.push(e);
    else byOrg.set(e.orgId, [e]);
  }
  return byOrg;
}

/**
 * What a transaction made and read that the writer remembers once it commits: dictionary ids, rollup rows
 * known to exist, identity links (null: known to have none) and visitors' latest events.
 */
class Pending {
  readonly orgs = new Map<string, number>();
  readonly types = new Map<string, number>();
  readonly users = new Map<string, number>();
  readonly visitors = new Map<string, number>();
  readonly active = new Set<string>();
  readonly activeVisitors = new Set<string>();
  readonly identities = new Map<string, string | null>();
  readonly lastSessions = new Map<string, LastSession>();

  mergeInto(target: Pending): void {
    for (const k of this.active) target.active.add(k);
    for (const k of this.activeVisitors) target.activeVisitors.add(k);
    for (const [k, v] of this.orgs) target.orgs.set(k, v);
    for (const [k, v] of this.types) target.types.set(k, v);
    for (const [k, v] of this.users) target.users.set(k, v);
    for (const [k, v] of this.visitors) target.visitors.set(k, v);
    for (const [k, v] of this.identities) target.identities.set(k, v);
    for (const [k, v] of this.lastSessions) target.lastSessions.set(k, v);
  }
}
