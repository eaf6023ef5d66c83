-- Analytics SQL deliverable: T1.1, T1.2 and T1.3 against the server's real schema.
--
-- Layout: every statement is introduced by a marker line `-- @<dialect> <name>` and ends with `;`.
-- `server/test/sql-queries.test.ts` runs every `@sqlite` statement against a database seeded from
-- `sample_data/` and checks the results against values it computes from the sample files itself.
-- Parameters are named (`:now_ms`, `:start_date`, ...) and bound by the caller; nothing is interpolated.
--
-- The schema in brief (numbered migrations in server/src/store/sqlite/migrations.ts; T1.3 below repeats the
-- event tables verbatim, and the test checks that it matches what the migrations create):
--   orgs(id, org_id, name, plan, created_at)        dictionary + organisation profile
--   users(id, user_id, email, name, ...)            dictionary + user profile
--   event_types(id, name)                           dictionary
--   events(id, org, ts, event_id, type, user, ...) rowid table in arrival order; read order in an index
--   daily_counts(org, day, type, n, last_ts)        rollup, maintained in the ingest transaction
--   daily_users(org, day, user)                     rollup: one row per active user per UTC day
-- Times are epoch milliseconds (UTC); `day` is the UTC day number (days since 1970-01-01).
--
-- PostgreSQL forms: each `@postgres` block is the same query on the PostgreSQL store's schema
-- (server/src/store/postgres/migrations.ts), with its EXPLAIN read. `server/test/postgres/sql-queries.test.ts`
-- runs them against a real PostgreSQL seeded from `sample_data/` the same way and checks the same values.


-- =====================================================================================================
-- T1.1  Top 5 organisations by events in the last 30 days, with name and plan.
-- =====================================================================================================
-- "Last 30 days" is the rolling window (now - 30 × 24 h, now]. Counting from `events` is exact to the
-- millisecond: for each org, the window is one contiguous range of the (org, ts, ...) index, so the cost
-- is O(orgs + events in the window) and no row outside the window is read.
--
-- EXPLAIN QUERY PLAN (SQLite 3.53):
--   SCAN o
--   SEARCH e USING COVERING INDEX events_org_ts (org=? AND ts>? AND ts<?)
--   USE TEMP B-TREE FOR ORDER BY
-- Read: one pass over the (few) orgs, an index range per org (covering: the count never reads the table),
-- and a sort of one row per org. Ties are broken by org_id so the result is deterministic.

-- @sqlite T1.1
SELECT o.org_id, o.name, o.plan, count(*) AS events
  FROM orgs AS o
  JOIN events AS e ON e.org = o.id
 WHERE e.ts >= :now_ms - 30 * 86400000
   AND e.ts < :now_ms + 1
 GROUP BY o.id
 ORDER BY events DESC, o.org_id
 LIMIT 5;

-- T1.1 (calendar days, from the rollup): the same ranking over the 30 UTC days ending today, reading
-- O(orgs × days × types) rollup rows instead of every event: what a dashboard at scale would run.
--
-- EXPLAIN QUERY PLAN (SQLite 3.53):
--   SCAN o
--   SEARCH c USING PRIMARY KEY (org=? AND day>? AND day<?)
--   USE TEMP B-TREE FOR ORDER BY

-- @sqlite T1.1-rollup
SELECT o.org_id, o.name, o.plan, sum(c.n) AS events
  FROM orgs AS o
  JOIN daily_counts AS c ON c.org = o.id
 WHERE c.day BETWEEN :last_day - 29 AND :last_day
 GROUP BY o.id
 ORDER BY events DESC, o.org_id
 LIMIT 5;

-- T1.1 on PostgreSQL. `events` is partitioned by month on "timestamp", so the 30-day window touches at most
-- two partitions; the rest are pruned (at plan time with a literal, at executor start with a parameter or
-- now()). Counting per org first and joining the (small) organizations table afterwards keeps the join at
-- one row per org.
--
-- EXPLAIN (ANALYZE) at 1,000,000 events over 90 days, 10 orgs (PostgreSQL 15, 2 cores):
--   Limit -> Sort (count DESC, org_id) -> Hash Join (organizations)
--     -> Finalize GroupAggregate -> Gather Merge (2 workers) -> Partial HashAggregate (org_id)
--       -> Parallel Append                                   Subplans Removed: 6
--            -> Parallel Bitmap Heap Scan on events_y2026m10   Heap Blocks: lossy=902
--                 -> Bitmap Index Scan on events_y2026m10_timestamp_idx  (BRIN, 36 buffers)
--            -> Parallel Seq Scan on events_y2026m11
--   Execution Time: 108 ms (14,477 buffers); with the BRIN disabled: 136 ms (24,937 buffers).
-- Read: six of eight partitions are never opened. In the older month only the blocks whose BRIN range
-- overlaps the window are read (lossy: whole 128-page ranges, rechecked); the current month lies wholly
-- inside the window, so a sequential scan is right there. Two workers count in parallel and merge ten
-- partial counts. The cost is O(events in the window): a dashboard at scale ranks from daily_counts
-- instead (the SQLite `T1.1-rollup` form above runs unchanged on PostgreSQL with `day` as a date).

-- @postgres T1.1
SELECT o.org_id, o.name, o.plan, e.events
  FROM (SELECT org_id, count(*)::int AS events
          FROM events
         WHERE "timestamp" >= :now::timestamptz - interval '30 days'
           AND "timestamp" <= :now::timestamptz
         GROUP BY org_id) AS e
  JOIN organizations AS o USING (org_id)
 ORDER BY e.events DESC, o.org_id
 LIMIT 5;


-- =====================================================================================================
-- T1.2  Daily active users per organisation over a date range, days with zero included.
-- =====================================================================================================
-- A recursive CTE generates every day of [:start_date, :end_date]; crossing it with the orgs and LEFT
-- JOINing the per-day distinct-user rollup keeps days without activity as 0. Cost O(orgs × days) index
-- lookups, independent of the number of events. DAU counts distinct known users; anonymous events (no
-- user_id) are events but not users.
--
-- EXPLAIN QUERY PLAN (SQLite 3.53):
--   MATERIALIZE days
--     SETUP / SCAN CONSTANT ROW / RECURSIVE STEP / SCAN days
--   SCAN o
--   SCAN d
--   SEARCH u USING PRIMARY KEY (org=? AND day=?) LEFT-JOIN
--   USE TEMP B-TREE FOR GROUP BY
--   USE TEMP B-TREE FOR ORDER BY
-- Read: the day list is materialised once; each (org, day) pair is one primary-key prefix range of
-- daily_users (its users, counted). The temp B-trees sort orgs × days rows, which is small.

-- @sqlite T1.2
WITH RECURSIVE days (day) AS (
  SELECT CAST(unixepoch(:start_date) / 86400 AS INTEGER)
  UNION ALL
  SELECT day + 1 FROM days WHERE day < CAST(unixepoch(:end_date) / 86400 AS INTEGER)
)
SELECT o.org_id, date(d.day * 86400, 'unixepoch') AS date, count(u.user) AS dau
  FROM orgs AS o
 CROSS JOIN days AS d
  LEFT JOIN daily_users AS u ON u.org = o.id AND u.day = d.day
 GROUP BY o.id, d.day
 ORDER BY o.org_id, d.day;

-- T1.2 (from raw events): the same answer without the rollup, as a cross-check and for ad-hoc ranges
-- (e.g. other time zones: replace the day bounds). Cost O(events in range).
--
-- EXPLAIN QUERY PLAN (SQLite 3.53):
--   MATERIALIZE days (as above)
--   SCAN o USING COVERING INDEX sqlite_autoindex_orgs_1
--   SCAN d
--   CORRELATED SCALAR SUBQUERY
--     USE TEMP B-TREE FOR count(DISTINCT)
--     SEARCH e USING COVERING INDEX events_org_ts (org=? AND ts>? AND ts<?)
--   USE TEMP B-TREE FOR LAST TERM OF ORDER BY
-- Read: per (org, day) one index range of that day's events (type and user are in the index) and a distinct count of their users.

-- @sqlite T1.2-events
WITH RECURSIVE days (day) AS (
  SELECT CAST(unixepoch(:start_date) / 86400 AS INTEGER)
  UNION ALL
  SELECT day + 1 FROM days WHERE day < CAST(unixepoch(:end_date) / 86400 AS INTEGER)
)
SELECT o.org_id, date(d.day * 86400, 'unixepoch') AS date,
       (SELECT count(DISTINCT e.user)
          FROM events AS e
         WHERE e.org = o.id AND e.ts >= d.day * 86400000 AND e.ts < (d.day + 1) * 86400000) AS dau
  FROM orgs AS o
 CROSS JOIN days AS d
 ORDER BY o.org_id, d.day;

-- T1.2 on PostgreSQL: generate_series makes every day of the range, crossed with the orgs; the LEFT JOIN to
-- the daily_users rollup (one row per org, UTC day and active user, written in the ingest statement) keeps
-- days without activity as 0.
--
-- EXPLAIN (ANALYZE) at 1,000,000 events, 10 orgs × 45 days:
--   Sort -> HashAggregate (org_id, day)
--     -> Nested Loop Left Join
--          -> Nested Loop (generate_series × Materialize(Seq Scan on organizations))      450 rows
--          -> Index Only Scan using daily_users_pkey on daily_users  (org_id = o.org_id AND day = d.day)
--               Heap Fetches: 0                                          193 rows per (org, day)
--   Execution Time: 31 ms
-- Read: one index-only probe of the rollup's primary key per (org, day); the cost follows active user-days
-- (87,053 here), never the number of events. The same answer from raw events (count(DISTINCT user_id)
-- grouped by org and day over the partitions in range) took 0.62 s on the same data.

-- @postgres T1.2
SELECT o.org_id, to_char(d.day, 'YYYY-MM-DD') AS date, count(u.user_id)::int AS dau
  FROM organizations AS o
 CROSS JOIN (SELECT :start_date::date + i AS day
               FROM generate_series(0, :end_date::date - :start_date::date) AS i) AS d
  LEFT JOIN daily_users AS u ON u.org_id = o.org_id AND u.day = d.day
 GROUP BY o.org_id, d.day
 ORDER BY o.org_id, d.day;


-- =====================================================================================================
-- T1.3  The events DDL (as the migrations create it), keys, indexes, partitioning, schema evolution.
-- =====================================================================================================
-- Write throughput:
--   * Integer dictionaries (org, type, user) keep keys short: compares and pages hold more entries.
--   * Rows in arrival order, the read order in a narrow index. Rows go to the end of a rowid table (a
--     batch of one org stays together on a few pages); the read order (org, ts, event_id) lives in an
--     index whose entries are ~30 bytes. The first schema clustered the ~400-byte rows themselves on that
--     key (WITHOUT ROWID); so few rows fit a page that inserting into the recent end of an org's range
--     kept splitting pages of large cells: 12.3 µs per row against 7.4 µs now (100-row transactions,
--     dedup index included). Migration 2 made the change.
--   * Time-ordered keys: ids are UUIDv7 and events arrive roughly in time order, so inserts land near the
--     right edge of each org's range in both indexes instead of all over the tree.
--   * Two indexes on events: the read order (org, ts, event_id, type, user), which also carries the
--     filter columns, so a type or user filter is checked on the index and the table is read only for
--     rows that match; and the dedup key (org, event_id), which the contract requires. No index leading
--     with user: it is written at a different B-tree page for nearly every event of a batch (one per
--     distinct user), and measured here it halved ingest throughput. The user filter instead reads the
--     user's active days from daily_users (indexed by (org, user, day): one entry per user per day, not
--     per event) and scans only those days of the org's range. A type is a weak filter, so the
--     newest-first scan fills a page after reading a few times the page size.
--   * Rollups are aggregated per batch (a handful of upserts per 100 events), in the same transaction.
-- Reads by org + time range: an index range, then one rowid lookup per returned row (50 per page); by
-- user: its active days (daily_users_org_user_day), then those days' index ranges; by type: the range with
-- a filter on the index;
-- metrics: the rollups. Trade-off: a user filter on a very busy org scans whole days of that org's index
-- (cheap per entry, but at 100k events per org per day still milliseconds per page); the PostgreSQL store, meant for that scale, can afford a
-- per-event (org, user, ts) index on its own write path.
--
-- EXPLAIN QUERY PLAN of the API's page query (newest first, keyset after the last row):
--   SEARCH e USING INDEX events_org_ts (org=? AND (ts,event_id)<(?,?))
--   SEARCH u USING INTEGER PRIMARY KEY (rowid=?)      (user id text for the response)
-- No sort step: the index order is the response order, so page 1,000 costs what page 1 costs.
-- With a user filter, first
--   SEARCH daily_users USING COVERING INDEX daily_users_org_user_day (org=? AND user=? AND day>? AND day<?)
-- then the page query above per active day with `ts` bounded to that day and `user = ?` as a filter.
--
-- Partitioning. SQLite has no declarative partitions, and one file with WAL serves a single machine well
-- into the hundreds of millions of rows. Past that: one database file per time bucket (a month) attached
-- on demand, retention by dropping old files. On PostgreSQL: PARTITION BY RANGE (ts) monthly (aligned
-- with retention and with most queries' time bounds, so old partitions are pruned and dropped whole),
-- optionally sub-partitioned by HASH (org) for very large tenants; BRIN on ts within a partition is
-- nearly free because rows arrive in time order.
--
-- Schema evolution.
--   * New event types need no DDL: a type is a row in event_types.
--   * New properties need no DDL: `properties` is a JSON object. Each event carries `schema_version`, so
--     a type's property shape can change while old rows stay readable; readers switch on
--     (event_type, schema_version). Validated shapes per (type, version) live in the API layer (a
--     registry of JSON Schemas), not in table constraints, so a new version never needs a migration.
--   * A property that becomes hot in filters is promoted: a generated column over
--     json_extract(properties, '$.path') (virtual: no rewrite of old rows) plus a partial index, added by a
--     new numbered migration. Columns are only ever added, never repurposed; removals happen in two steps
--     (stop writing, then drop after readers have moved).
--   * Migrations are forward-only and numbered; each runs once inside an exclusive transaction.

-- @sqlite T1.3
CREATE TABLE orgs (
  id INTEGER PRIMARY KEY,
  org_id TEXT NOT NULL UNIQUE,
  name TEXT,
  plan TEXT,
  created_at TEXT
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE,
  email TEXT,
  name TEXT,
  role TEXT,
  created_at TEXT,
  updated_at TEXT
);
CREATE TABLE event_types (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  org INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  event_id BLOB NOT NULL,
  type INTEGER NOT NULL,
  user INTEGER,
  received_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  properties TEXT NOT NULL,
  -- Visitors and sessions (v1.1): as sent, and derived at ingest.
  anonymous_id TEXT,
  session_id TEXT,
  visitor_id TEXT,
  context TEXT,
  path TEXT,
  referrer_host TEXT,
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  browser TEXT,
  os TEXT,
  device TEXT,
  country TEXT,
  is_bot INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_org_ts ON events (org, ts, event_id, type, user);
CREATE UNIQUE INDEX events_org_event_id ON events (org, event_id);
CREATE TABLE daily_counts (
  org INTEGER NOT NULL,
  day INTEGER NOT NULL,
  type INTEGER NOT NULL,
  n INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  PRIMARY KEY (org, day, type)
) WITHOUT ROWID;
CREATE TABLE daily_users (
  org INTEGER NOT NULL,
  day INTEGER NOT NULL,
  user INTEGER NOT NULL,
  PRIMARY KEY (org, day, user)
) WITHOUT ROWID;
CREATE INDEX daily_users_org_user_day ON daily_users (org, user, day);

-- T1.3 on PostgreSQL (the scale-out store; migrations in server/src/store/postgres/migrations.ts, which the
-- test compares this DDL with).
--
-- Keys and distribution. `org_id` (text) leads every primary key, so on Citus
-- `create_distributed_table('events', 'org_id')` works unchanged, an org's rows stay on one shard, and every
-- API query (always `org_id = $1`) is routed to that one shard. Partitioning by time needs the partition key
-- in the primary key, hence (org_id, "timestamp", event_id): exactly the API's read order, so a keyset page
-- is one index range at any depth. A primary key cannot enforce `event_id` unique across partitions, so
-- dedup lives in `event_ids (org_id, event_id)`, written in the same statement as the events.
--
-- B-tree or BRIN.
--   * B-tree where an org's rows are looked up or ordered: the primary key (uniqueness, keyset pages, org +
--     time range) and (org_id, user_id, "timestamp", event_id) for the user filter (partial: anonymous
--     events are skipped; event_id completes the sort key so no sort step is needed). Each takes ~32 MB
--     for a month of 344k events, and every insert touches one leaf page of each.
--   * BRIN on "timestamp" for time windows across all orgs (T1.1, retention, exports): a BRIN keeps the
--     min/max per 128 pages: 48 kB for a month of 344k events, where a B-tree on "timestamp" takes 7.6 MB,
--     and it is almost free to maintain.
--     It works because rows arrive in time order, so block ranges are narrow in time; events back-filled
--     out of order widen the ranges and the BRIN degrades towards a sequential scan, never to wrong answers.
--     It cannot serve an org's range (org_id is not in it) and gives no order; the B-trees do that.
--   * No index on event_type: a weak filter on the newest-first range (as on SQLite); per-type counts come
--     from daily_counts.
-- Write throughput: one statement per batch (events, dedup, both rollups, the idempotency record) over
-- unnest() arrays: one round trip, one commit, rollup row locks held only for that statement. UUIDv7 ids
-- keep the primary-key and event_ids inserts at the right edge of each org's range.
--
-- Partitioning. Monthly RANGE partitions on "timestamp": most queries carry a time bound and are pruned to
-- one or two months, and retention drops a month whole (ALTER TABLE events DETACH PARTITION … CONCURRENTLY;
-- DROP TABLE …; then DELETE the month from event_ids). The server attaches the next months ahead of time
-- (CREATE TABLE … (LIKE events …) + ATTACH PARTITION, which takes only a SHARE UPDATE EXCLUSIVE lock, so
-- ingest and reads carry on) and, for an event outside them (a back-fill), attaches that month on demand
-- before the insert. From 2100 on everything falls in one catch-all, so clients cannot make the server
-- create partitions without bound. On Citus, the same partitioned table is distributed: each partition is
-- sharded by org_id, and `create_time_partitions()` can take over the ahead-of-time step.
--
-- Schema evolution.
--   * New event types and new properties need no DDL: a type is a text value, `properties` is jsonb.
--   * `schema_version` travels with each event, so a type's property shape can change while old rows stay
--     readable; readers switch on (event_type, schema_version); the API validates the shape per version.
--   * A property that becomes a hot filter gets an expression index, e.g.
--       CREATE INDEX CONCURRENTLY … ON events_y2026m11 (org_id, (properties ->> 'plan'), "timestamp");
--     per partition (then a partitioned index attached over them), with no table rewrite; a GIN
--     (jsonb_path_ops) index per partition serves containment (`properties @> '{"plan":"pro"}'`) queries.
--     Generated columns are STORED in PostgreSQL 15 (a rewrite of every row), so they are a last resort.
--   * Columns are only added (nullable or with a constant default, which is instant), never repurposed;
--     migrations are forward-only, numbered, and run in one transaction under an advisory lock so several
--     replicas starting together apply each step once.

-- @postgres T1.3
CREATE TABLE events (
  org_id text NOT NULL,
  "timestamp" timestamptz NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  user_id text,
  received_at timestamptz NOT NULL,
  schema_version integer NOT NULL DEFAULT 1,
  properties jsonb NOT NULL DEFAULT '{}',
  -- Visitors and sessions (v1.1): as sent, and derived at ingest.
  anonymous_id text,
  session_id text,
  visitor_id text,
  context jsonb,
  path text,
  referrer_host text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  browser text,
  os text,
  device text,
  country text,
  is_bot boolean NOT NULL DEFAULT false,
  PRIMARY KEY (org_id, "timestamp", event_id)
) PARTITION BY RANGE ("timestamp");
CREATE INDEX events_org_user ON events (org_id, user_id, "timestamp", event_id) WHERE user_id IS NOT NULL;
CREATE INDEX events_timestamp_brin ON events USING brin ("timestamp");
CREATE TABLE events_from_2100 PARTITION OF events FOR VALUES FROM ('2100-01-01 00:00:00+00') TO (MAXVALUE);
-- What the server runs for each month ahead (here November 2026):
CREATE TABLE events_y2026m11 (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE events ATTACH PARTITION events_y2026m11
  FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00');
CREATE TABLE event_ids (
  org_id text NOT NULL,
  event_id uuid NOT NULL,
  "timestamp" timestamptz NOT NULL,
  PRIMARY KEY (org_id, event_id)
);
CREATE TABLE daily_counts (
  org_id text NOT NULL,
  day date NOT NULL,
  event_type text NOT NULL,
  n bigint NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (org_id, day, event_type)
);
CREATE TABLE daily_users (
  org_id text NOT NULL,
  day date NOT NULL,
  user_id text NOT NULL,
  PRIMARY KEY (org_id, day, user_id)
);
