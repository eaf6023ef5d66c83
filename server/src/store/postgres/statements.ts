import { createHash } from 'node:crypto';
import type { Filter } from '../../lib/filters.js';
import { compileFilters } from '../filter-sql.js';

/**
 * SQL text of the PostgreSQL store. Every statement is sent as a named prepared statement: each pooled
 * connection parses and plans it once, then only binds values. Values are always parameters; the only text
 * spliced in is chosen from the fixed fragments below.
 *
 * Instants cross the wire as epoch milliseconds (`float8`, exact below 2^53) and are converted in SQL with
 * `to_timestamp(ms / 1000)` and `extract(epoch …) * 1000`, which round-trip every millisecond exactly.
 */

export interface Statement {
  name: string;
  text: string;
}

export function statement(text: string): Statement {
  const name = `analytics_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  return { name, text };
}

const TS_MS = `(extract(epoch FROM e."timestamp") * 1000)::float8`;

/**
 * The whole write of a batch in one statement, hence one round trip and one implicit transaction:
 * dedup through `event_ids`, the events, every rollup and (for `ingest_idem`) the completed idempotency
 * record. Row locks on hot rollup rows are held only for the statement and its commit, never across a network
 * round trip, which keeps concurrent ingest for the same org and day flowing. Rows are upserted in key order
 * so two batches touching the same rollup rows lock them in the same order.
 *
 * Rollups: `daily_counts`, `daily_users`, `daily_bot_counts` (bot events), `daily_visitors` (visitor ids as
 * stored; identify links apply when reading), `sessions` (what the batch adds to each session; the row's
 * previous values come back through `prev_*`) and `daily_sessions` (each changed session's share moved from
 * its old start day to its new one), `identities` (first link of an anonymous id wins) and
 * `visitor_last_session` (the session of each visitor's newest event, rewritten only when it changes: the
 * caller computed it, `sessions.ts`; the session's own end says when the newest event was).
 *
 * `ingest*` parameters: $1 org_id, $2 event_id[], $3 event_type[], $4 user_id[], $5 timestamp ms[],
 * $6 properties (JSON text)[], $7 schema_version[], $8 received_at ms; $9 anonymous_id[], $10 session_id[],
 * $11 visitor_id[], $12 context (JSON text or null)[], $13 path[], $14 referrer_host[], $15 utm_source[],
 * $16 utm_medium[], $17 utm_campaign[], $18 browser[], $19 os[], $20 device[], $21 country[],
 * $22 is_bot[]; $23–$26 the visitors' newest events: org_id[], visitor_id[], session_id[], ms[].
 * `ingest_idem` adds $27 key, $28 request hash, $29 batch size, $30 event ids as a JSON array (the 202 body
 * is assembled here, in the format of `ingestResponseBody`, because `accepted` is only known inside the
 * statement). `bulk`: the same columns as arrays with $1 org_id[] and $8 received_at ms[] per row.
 */
export function writeStatement(mode: 'ingest' | 'ingest_idem' | 'bulk'): Statement {
  const bulk = mode === 'bulk';
  const visitorColumns = `anonymous_id, session_id, visitor_id, context, path, referrer_host, utm_source,
    utm_medium, utm_campaign, browser, os, device, country, is_bot`;
  const visitorArrays = `$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
    $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::bool[]`;
  const visitorSelect = `u.anonymous_id, u.session_id, u.visitor_id, u.context::jsonb AS context, u.path,
    u.referrer_host, u.utm_source, u.utm_medium, u.utm_campaign, u.browser, u.os, u.device, u.country,
    u.is_bot`;
  const input = bulk
    ? `SELECT DISTINCT ON (u.org_id, u.event_id) u.org_id, u.event_id, u.event_type, u.user_id,
              to_timestamp(u.ms / 1000) AS ts, u.properties::jsonb AS properties, u.schema_version,
              to_timestamp(u.received_ms / 1000) AS received_at, ${visitorSelect}, u.ord
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::int4[],
                     $8::float8[], ${visitorArrays})
              WITH ORDINALITY AS u(org_id, event_id, event_type, user_id, ms, properties, schema_version,
                                   received_ms, ${visitorColumns}, ord)
        ORDER BY u.org_id, u.event_id, u.ord`
    : `SELECT DISTINCT ON (u.event_id) u.event_id, u.event_type, u.user_id,
              to_timestamp(u.ms / 1000) AS ts, u.properties::jsonb AS properties, u.schema_version,
              ${visitorSelect}, u.ord
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::int4[],
                     ${visitorArrays})
              WITH ORDINALITY AS u(event_id, event_type, user_id, ms, properties, schema_version,
                                   ${visitorColumns}, ord)
        ORDER BY u.event_id, u.ord`;
  const org = bulk ? 'org_id' : '$1::text';
  const inputOrg = bulk ? 'i.org_id' : '$1::text';
  const receivedAt = bulk ? 'i.received_at' : 'to_timestamp($8::float8 / 1000)';
  const join = bulk ? 'f.org_id = i.org_id AND f.event_id = i.event_id' : 'f.event_id = i.event_id';
  const ordJoin = bulk ? 'i.org_id = s.org_id AND i.event_id = s.event_id' : 'i.event_id = s.event_id';
  const utcDay = (ms: string) => `(date '1970-01-01' + floor(${ms} / 86400000)::int)`;
  const idem =
    mode === 'ingest_idem'
      ? `,
    done AS (
      INSERT INTO idempotency_keys AS k (org_id, key, request_hash, status, body, created_at)
      SELECT $1::text, $27::text, $28::text, 202,
             format('{"accepted":%s,"duplicates":%s,"event_ids":%s}', a.n, $29::int - a.n, $30::text),
             to_timestamp($8::float8 / 1000)
        FROM (SELECT count(*)::int AS n FROM fresh) a
      ON CONFLICT (org_id, key) DO UPDATE
        SET request_hash = excluded.request_hash, status = excluded.status, body = excluded.body,
            claim = NULL, claimed_at = NULL, created_at = excluded.created_at
    )`
      : '';
  // The earlier page view is the entry; at the same instant the smaller path (byte order, null first).
  const entryEarlier = `excluded.entry_ms IS NOT NULL AND (s.entry_ms IS NULL OR excluded.entry_ms < s.entry_ms
    OR (excluded.entry_ms = s.entry_ms
        AND coalesce(excluded.entry_path, '') COLLATE "C" < coalesce(s.entry_path, '') COLLATE "C"))`;
  return statement(`
    WITH input AS (${input}),
    fresh AS (
      INSERT INTO event_ids (org_id, event_id, "timestamp")
      SELECT ${org}, event_id, ts FROM input
      ON CONFLICT DO NOTHING
      RETURNING org_id, event_id
    ),
    stored AS (
      INSERT INTO events (org_id, "timestamp", event_id, event_type, user_id, received_at, schema_version,
                          properties, ${visitorColumns})
      SELECT ${inputOrg}, i.ts, i.event_id, i.event_type, i.user_id, ${receivedAt}, i.schema_version,
             i.properties, i.anonymous_id, i.session_id, i.visitor_id, i.context, i.path, i.referrer_host,
             i.utm_source, i.utm_medium, i.utm_campaign, i.browser, i.os, i.device, i.country, i.is_bot
        FROM input i JOIN fresh f ON ${join}
      RETURNING org_id, "timestamp", event_id, event_type, user_id, anonymous_id, session_id, visitor_id,
                path, is_bot, (extract(epoch FROM "timestamp") * 1000)::bigint AS ms
    ),
    counts AS (
      INSERT INTO daily_counts AS c (org_id, day, event_type, n, last_seen)
      SELECT org_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, event_type, count(*), max("timestamp")
        FROM stored GROUP BY org_id, day, event_type ORDER BY org_id, day, event_type
      ON CONFLICT (org_id, day, event_type) DO UPDATE
        SET n = c.n + excluded.n, last_seen = greatest(c.last_seen, excluded.last_seen)
    ),
    bots AS (
      INSERT INTO daily_bot_counts AS c (org_id, day, event_type, n)
      SELECT org_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, event_type, count(*)
        FROM stored WHERE is_bot GROUP BY org_id, day, event_type ORDER BY org_id, day, event_type
      ON CONFLICT (org_id, day, event_type) DO UPDATE SET n = c.n + excluded.n
    ),
    actives AS (
      INSERT INTO daily_users (org_id, day, user_id)
      SELECT DISTINCT org_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, user_id
        FROM stored WHERE user_id IS NOT NULL ORDER BY org_id, day, user_id
      ON CONFLICT DO NOTHING
    ),
    visitors AS (
      INSERT INTO daily_visitors (org_id, day, is_bot, visitor_id)
      SELECT DISTINCT org_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, is_bot, visitor_id
        FROM stored WHERE visitor_id IS NOT NULL ORDER BY org_id, day, is_bot, visitor_id
      ON CONFLICT DO NOTHING
    ),
    links AS (
      INSERT INTO identities (org_id, anonymous_id, user_id, linked_at)
      SELECT DISTINCT ON (s.org_id, s.anonymous_id) s.org_id, s.anonymous_id, s.user_id, s."timestamp"
        FROM stored s JOIN input i ON ${ordJoin}
       WHERE s.event_type = '$identify' AND s.user_id IS NOT NULL AND s.anonymous_id IS NOT NULL
         AND s.anonymous_id <> s.user_id
       ORDER BY s.org_id, s.anonymous_id, s."timestamp", i.ord
      ON CONFLICT DO NOTHING
    ),
    batch_sessions AS (
      SELECT org_id, session_id, is_bot,
             (array_agg(visitor_id ORDER BY ms))[1] AS visitor_id,
             min(ms) AS start_ms, max(ms) AS end_ms, count(*)::int AS events,
             (count(*) FILTER (WHERE event_type = 'page_view'))::int AS pageviews,
             min(ms) FILTER (WHERE event_type = 'page_view') AS entry_ms,
             (array_agg(path ORDER BY ms, coalesce(path, '') COLLATE "C")
                FILTER (WHERE event_type = 'page_view'))[1] AS entry_path
        FROM stored WHERE session_id IS NOT NULL GROUP BY org_id, session_id, is_bot
    ),
    upserted AS (
      INSERT INTO sessions AS s (org_id, session_id, is_bot, visitor_id, start_ms, end_ms, events, pageviews,
                                 entry_ms, entry_path)
      SELECT org_id, session_id, is_bot, visitor_id, start_ms, end_ms, events, pageviews, entry_ms, entry_path
        FROM batch_sessions ORDER BY org_id, session_id, is_bot
      ON CONFLICT (org_id, session_id, is_bot) DO UPDATE SET
        prev_start_ms = s.start_ms, prev_end_ms = s.end_ms, prev_events = s.events,
        prev_pageviews = s.pageviews,
        visitor_id = CASE WHEN excluded.start_ms < s.start_ms THEN excluded.visitor_id ELSE s.visitor_id END,
        start_ms = least(s.start_ms, excluded.start_ms), end_ms = greatest(s.end_ms, excluded.end_ms),
        events = s.events + excluded.events, pageviews = s.pageviews + excluded.pageviews,
        entry_ms = CASE WHEN ${entryEarlier} THEN excluded.entry_ms ELSE s.entry_ms END,
        entry_path = CASE WHEN ${entryEarlier} THEN excluded.entry_path ELSE s.entry_path END
      RETURNING org_id, is_bot, start_ms, end_ms, events, pageviews, prev_start_ms, prev_end_ms, prev_events,
                prev_pageviews
    ),
    session_days AS (
      INSERT INTO daily_sessions AS d (org_id, day, is_bot, sessions, bounces, duration_ms, pageviews)
      SELECT org_id, day, is_bot, sum(n), sum(b), sum(ms), sum(pv)
        FROM (
          SELECT org_id, ${utcDay('start_ms')} AS day, is_bot, 1 AS n,
                 (events = 1 AND pageviews = 1)::int AS b, end_ms - start_ms AS ms, pageviews AS pv
            FROM upserted
          UNION ALL
          SELECT org_id, ${utcDay('prev_start_ms')}, is_bot, -1, -((prev_events = 1 AND prev_pageviews = 1)::int),
                 -(prev_end_ms - prev_start_ms), -prev_pageviews
            FROM upserted WHERE prev_start_ms IS NOT NULL
        ) AS c
       GROUP BY org_id, day, is_bot ORDER BY org_id, day, is_bot
      ON CONFLICT (org_id, day, is_bot) DO UPDATE
        SET sessions = d.sessions + excluded.sessions, bounces = d.bounces + excluded.bounces,
            duration_ms = d.duration_ms + excluded.duration_ms, pageviews = d.pageviews + excluded.pageviews
    ),
    latest AS (
      INSERT INTO visitor_last_session AS v (org_id, visitor_id, session_id, last_ms)
      SELECT o, vi, si, ms FROM unnest($23::text[], $24::text[], $25::text[], $26::int8[]) AS x(o, vi, si, ms)
       ORDER BY o, vi
      ON CONFLICT (org_id, visitor_id) DO UPDATE SET session_id = excluded.session_id, last_ms = excluded.last_ms
        WHERE excluded.session_id <> v.session_id
          AND excluded.last_ms >= greatest(v.last_ms, (SELECT max(s.end_ms) FROM sessions s
                                                        WHERE s.org_id = v.org_id AND s.session_id = v.session_id))
    )${idem}
    SELECT count(*)::int AS accepted FROM fresh`);
}

/**
 * Take an idempotency key: insert the claim, or take over a claim whose lease ran out (a crashed process).
 * Returns a row only when this caller now owns the key. $1 org, $2 key, $3 hash, $4 claim id, $5 now ms,
 * $6 lease cutoff ms.
 */
export const CLAIM = statement(`
  INSERT INTO idempotency_keys AS k (org_id, key, request_hash, claim, claimed_at, created_at)
  VALUES ($1, $2, $3, $4, to_timestamp($5::float8 / 1000), to_timestamp($5::float8 / 1000))
  ON CONFLICT (org_id, key) DO UPDATE
    SET request_hash = excluded.request_hash, claim = excluded.claim, claimed_at = excluded.claimed_at,
        created_at = excluded.created_at
    WHERE k.status IS NULL AND k.claimed_at < to_timestamp($6::float8 / 1000)
  RETURNING k.claim`);

/** The state of a key someone else holds or completed. */
export const CLAIM_STATE = statement(`
  SELECT request_hash, status, body FROM idempotency_keys WHERE org_id = $1 AND key = $2`);

export const RELEASE = statement(`
  DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND status IS NULL`);

export const PURGE = statement(`
  DELETE FROM idempotency_keys WHERE created_at < to_timestamp($1::float8 / 1000)`);

export interface EventFilterShape {
  user: boolean;
  types: boolean;
  from: boolean;
  to: boolean;
  before: boolean;
}

/** The columns of an `EventOut` row, in the order `#queryEvents` reads them. */
export const EVENT_COLUMNS = `${TS_MS} AS ts, e.event_id, e.event_type, e.user_id,
  (extract(epoch FROM e.received_at) * 1000)::float8 AS received_at, e.schema_version, e.properties,
  e.anonymous_id, e.session_id, e.visitor_id, e.context, e.path, e.referrer_host, e.utm_source, e.utm_medium,
  e.utm_campaign, e.browser, e.os, e.device, e.country, e.is_bot`;

/**
 * One keyset page. Each combination of filters is its own statement, so every shape gets a plan made for it
 * (a catch-all `($n IS NULL OR …)` would get one plan that suits none). The cursor condition repeats the bound
 * on `timestamp` alone because partition pruning understands `<=` but not a row comparison. The contract's
 * `filter`s come last, with their values as parameters (`filterParams`, to bind before the limit).
 */
export function pageStatement(
  shape: EventFilterShape,
  filters: readonly Filter[] = [],
): { stmt: Statement; filterParams: unknown[] } {
  const where = ['e.org_id = $1'];
  let n = 1;
  if (shape.user) where.push(`e.user_id = $${++n}`);
  if (shape.types) where.push(`e.event_type = ANY($${++n}::text[])`);
  if (shape.from) where.push(`e."timestamp" >= to_timestamp($${++n}::float8 / 1000)`);
  if (shape.to) where.push(`e."timestamp" < to_timestamp($${++n}::float8 / 1000)`);
  if (shape.before) {
    const ts = `to_timestamp($${++n}::float8 / 1000)`;
    const id = `$${++n}::uuid`;
    where.push(`e."timestamp" <= ${ts}`, `(e."timestamp", e.event_id) < (${ts}, ${id})`);
  }
  const compiled = compileFilters(filters, 'postgres', n + 1);
  where.push(...compiled.where);
  n += compiled.params.length;
  const join = compiled.joins.sessions
    ? 'LEFT JOIN sessions s ON s.org_id = e.org_id AND s.session_id = e.session_id AND s.is_bot = e.is_bot'
    : '';
  return {
    stmt: statement(`
    SELECT ${EVENT_COLUMNS}
      FROM events e ${join}
     WHERE ${where.join(' AND ')}
     ORDER BY e."timestamp" DESC, e.event_id DESC
     LIMIT $${++n}`),
    filterParams: compiled.params,
  };
}

/** $1 org, $2 first day, $3 last day (dates): per-day, per-type counts from the rollup. */
export const ROLLUP_COUNTS = statement(`
  SELECT (day - $2::date) AS i, event_type, n::float8 AS n
    FROM daily_counts WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date`);

export const ROLLUP_USERS = statement(`
  SELECT (day - $2::date) AS i, count(*)::float8 AS n
    FROM daily_users WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date GROUP BY day`);

/** A hash of the distinct users, not `count(DISTINCT …)`, which sorts them: 2× faster at 18k user-days. */
export const ROLLUP_USERS_TOTAL = statement(`
  SELECT count(*)::float8 AS n
    FROM (SELECT DISTINCT user_id FROM daily_users
           WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date) AS u`);

/** $1 org, $2 first day, $3 last day: the bot page views per day (subtracted unless bots count). */
export const ROLLUP_BOT_PAGEVIEWS = statement(`
  SELECT (day - $2::date) AS i, n::float8 AS n
    FROM daily_bot_counts WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date AND event_type = 'page_view'`);

/**
 * $1 org, $2 first day, $3 last day, $4 include bots: distinct visitors per day, each visitor id counted as
 * the user an identify link made it (links apply when reading, so they are exact whichever replica stored
 * the link and the events, in whatever order).
 */
export const ROLLUP_VISITORS = statement(`
  SELECT (v.day - $2::date) AS i, count(DISTINCT coalesce(l.user_id, v.visitor_id))::float8 AS n
    FROM daily_visitors v
    LEFT JOIN identities l ON l.org_id = v.org_id AND l.anonymous_id = v.visitor_id
   WHERE v.org_id = $1 AND v.day BETWEEN $2::date AND $3::date AND (NOT v.is_bot OR $4::bool)
   GROUP BY v.day`);

export const ROLLUP_VISITORS_TOTAL = statement(`
  SELECT count(*)::float8 AS n
    FROM (SELECT DISTINCT coalesce(l.user_id, v.visitor_id)
            FROM daily_visitors v
            LEFT JOIN identities l ON l.org_id = v.org_id AND l.anonymous_id = v.visitor_id
           WHERE v.org_id = $1 AND v.day BETWEEN $2::date AND $3::date AND (NOT v.is_bot OR $4::bool)) AS t`);

/** $1 org, $2 first day, $3 last day, $4 include bots: the sessions that start each UTC day. */
export const ROLLUP_SESSIONS = statement(`
  SELECT (day - $2::date) AS i, sum(sessions)::float8 AS sessions, sum(bounces)::float8 AS bounces,
         sum(duration_ms)::float8 AS duration_ms, sum(pageviews)::float8 AS pageviews
    FROM daily_sessions
   WHERE org_id = $1 AND day BETWEEN $2::date AND $3::date AND (NOT is_bot OR $4::bool)
   GROUP BY day`);

/** What a scan summary computes (`scanStatement`). */
export interface ScanShape {
  activeUsers: boolean;
  visitors: boolean;
  pageviews: boolean;
  sessions: boolean;
}

/**
 * Local days that are not UTC days, or any filter: one scan of the org's events in the range, bucketed by
 * the day boundaries with `width_bucket` (bucket k is day k-1), materialised once and then aggregated with
 * hash aggregates per group `g`: events per day and type (0), distinct users per day (1) and over the range
 * (3), page views (4), distinct visitors per day (5) and over the range (6), and the sessions that start
 * each day (7: count, bounces, duration, page views), either every one starting in the range (no filter)
 * or those with a matching event. Measured at 100k events in range, the materialised scan is 2.7× faster
 * than one `GROUPING SETS` pass with `count(DISTINCT …)`, which sorts every group.
 *
 * $1 org, $2 day boundaries (ms), $3 first ms, $4 end ms, $5 include bots, then the filters' values.
 */
export function scanStatement(
  shape: ScanShape,
  filters: readonly Filter[],
): { stmt: Statement; filterParams: unknown[] } {
  const compiled = compileFilters(filters, 'postgres', 6);
  const people = `(NOT is_bot OR $5::bool)`;
  const columns = [
    'width_bucket(e."timestamp", bounds.b) AS bucket',
    'e.event_type',
    'e.user_id',
    'e.is_bot',
  ];
  const joins: string[] = [];
  if (shape.visitors) {
    columns.push('coalesce(l.user_id, e.visitor_id) AS visitor');
    joins.push('LEFT JOIN identities l ON l.org_id = e.org_id AND l.anonymous_id = e.visitor_id');
  }
  if (shape.sessions && filters.length > 0) columns.push('e.session_id');
  if (compiled.joins.sessions) {
    joins.push(
      'LEFT JOIN sessions s ON s.org_id = e.org_id AND s.session_id = e.session_id AND s.is_bot = e.is_bot',
    );
  }
  const none = 'NULL::float8, NULL::float8, NULL::float8';
  const parts = [
    `SELECT bucket, event_type, 0 AS g, count(*)::float8 AS n, NULL::float8 AS b, NULL::float8 AS ms,
            NULL::float8 AS pv
       FROM rows GROUP BY bucket, event_type`,
  ];
  if (shape.activeUsers) {
    parts.push(
      `SELECT bucket, NULL, 1, count(*)::float8, ${none}
         FROM (SELECT DISTINCT bucket, user_id FROM rows WHERE user_id IS NOT NULL) AS d GROUP BY bucket`,
      `SELECT NULL, NULL, 3, count(*)::float8, ${none}
         FROM (SELECT DISTINCT user_id FROM rows WHERE user_id IS NOT NULL) AS t`,
    );
  }
  if (shape.pageviews) {
    parts.push(
      `SELECT bucket, NULL, 4, count(*)::float8, ${none}
         FROM rows WHERE event_type = 'page_view' AND ${people} GROUP BY bucket`,
    );
  }
  if (shape.visitors) {
    parts.push(
      `SELECT bucket, NULL, 5, count(*)::float8, ${none}
         FROM (SELECT DISTINCT bucket, visitor FROM rows WHERE visitor IS NOT NULL AND ${people}) AS d
        GROUP BY bucket`,
      `SELECT NULL, NULL, 6, count(*)::float8, ${none}
         FROM (SELECT DISTINCT visitor FROM rows WHERE visitor IS NOT NULL AND ${people}) AS t`,
    );
  }
  if (shape.sessions) {
    const source =
      filters.length > 0
        ? `sessions s JOIN (SELECT DISTINCT session_id, is_bot FROM rows
                             WHERE session_id IS NOT NULL AND ${people}) AS m
             ON s.org_id = $1 AND s.session_id = m.session_id AND s.is_bot = m.is_bot`
        : `sessions s`;
    parts.push(
      `SELECT width_bucket(s.start_ms::float8, $2::float8[]), NULL, 7, count(*)::float8,
              sum((s.events = 1 AND s.pageviews = 1)::int)::float8, sum(s.end_ms - s.start_ms)::float8,
              sum(s.pageviews)::float8
         FROM ${source}
        WHERE s.org_id = $1 AND s.start_ms >= $3::float8 AND s.start_ms < $4::float8
          AND (NOT s.is_bot OR $5::bool)
        GROUP BY 1`,
    );
  }
  return {
    stmt: statement(`
  WITH bounds AS (
    -- include_bots: bound even when no metric here reads it, so every shape takes the same parameters.
    SELECT array_agg(to_timestamp(x / 1000) ORDER BY x) AS b, $5::bool AS include_bots
      FROM unnest($2::float8[]) AS x
  ), rows AS MATERIALIZED (
    SELECT ${columns.join(', ')}
      FROM events e CROSS JOIN bounds ${joins.join(' ')}
     WHERE e.org_id = $1 AND e."timestamp" >= to_timestamp($3::float8 / 1000)
       AND e."timestamp" < to_timestamp($4::float8 / 1000)${compiled.where.map((w) => ` AND ${w}`).join('')}
  )
  ${parts.join('\n  UNION ALL\n  ')}`),
    filterParams: compiled.params,
  };
}

/** $1 day (date), $2 a new random salt: the day's salt if this made it, else no row. */
export const MAKE_SALT = statement(`
  INSERT INTO visitor_salts (day, salt) VALUES ($1::date, $2) ON CONFLICT (day) DO NOTHING RETURNING salt`);

export const READ_SALT = statement(`SELECT salt FROM visitor_salts WHERE day = $1::date`);

/** $1 the oldest day to keep. */
export const PURGE_SALTS = statement(`DELETE FROM visitor_salts WHERE day < $1::date`);

/** $1 org, $2 names, $3 first date, $4 last date. */
export const STORED_METRICS = statement(`
  SELECT to_char(day, 'YYYY-MM-DD') AS date, metric_name, sum(value)::float8 AS value
    FROM metrics
   WHERE org_id = $1 AND metric_name = ANY($2::text[]) AND day BETWEEN $3::date AND $4::date
   GROUP BY day, metric_name`);

/** Byte order, as the SQLite store sorts (`COLLATE "C"`), not the database's locale. */
export const METRIC_NAMES = statement(`
  SELECT DISTINCT metric_name COLLATE "C" AS name FROM metrics WHERE org_id = $1 ORDER BY 1`);

export const EVENT_TYPES = statement(`
  SELECT event_type, sum(n)::float8 AS count, (extract(epoch FROM max(last_seen)) * 1000)::float8 AS last_seen
    FROM daily_counts WHERE org_id = $1 GROUP BY event_type`);

// Upserts of the reference tables, for the one-off bulk writes (sample seeding, `migrate-store`): plain text,
// not prepared, since each runs a few times in a process's life. Columns arrive as arrays, one per column;
// empty timestamps become NULL.

export const UPSERT_ORGANIZATIONS = `INSERT INTO organizations (org_id, name, plan, created_at)
  SELECT o, n, p, NULLIF(c, '')::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
         AS t(o, n, p, c)
  ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, plan = excluded.plan,
    created_at = excluded.created_at`;

export const UPSERT_USERS = `INSERT INTO users (user_id, email, name, role, created_at, updated_at)
  SELECT u, e, n, r, NULLIF(c, '')::timestamptz, NULLIF(m, '')::timestamptz
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(u, e, n, r, c, m)
  ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role,
    created_at = excluded.created_at, updated_at = excluded.updated_at`;

export const UPSERT_USER_ORGS = `INSERT INTO user_orgs (org_id, user_id, role, joined_at)
  SELECT o, u, r, NULLIF(j, '')::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
         AS t(o, u, r, j)
  ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, joined_at = excluded.joined_at`;
