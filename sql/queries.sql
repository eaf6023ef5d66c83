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
--   events(org, ts, event_id, type, user, ...)      clustered on (org, ts, event_id), WITHOUT ROWID
--   daily_counts(org, day, type, n, last_ts)        rollup, maintained in the ingest transaction
--   daily_users(org, day, user)                     rollup: one row per active user per UTC day
-- Times are epoch milliseconds (UTC); `day` is the UTC day number (days since 1970-01-01).
--
-- PostgreSQL forms: each `@postgres` block below is the place for the same query on the PostgreSQL store's
-- schema (server/src/store/postgres/), with its EXPLAIN read. They are added with that store.


-- =====================================================================================================
-- T1.1  Top 5 organisations by events in the last 30 days, with name and plan.
-- =====================================================================================================
-- "Last 30 days" is the rolling window (now - 30 × 24 h, now]. Counting from `events` is exact to the
-- millisecond: for each org, the window is one contiguous range of the clustered primary key, so the cost
-- is O(orgs + events in the window) and no row outside the window is read.
--
-- EXPLAIN QUERY PLAN (SQLite 3.53):
--   SCAN o
--   SEARCH e USING PRIMARY KEY (org=? AND ts>? AND ts<?)
--   USE TEMP B-TREE FOR ORDER BY
-- Read: one pass over the (few) orgs, a primary-key range per org (covering: the count needs no other
-- column), and a sort of one row per org. Ties are broken by org_id so the result is deterministic.

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

-- @postgres T1.1
-- (PostgreSQL form: added with the PostgreSQL store.)


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
--     SEARCH e USING PRIMARY KEY (org=? AND ts>? AND ts<?)
--   USE TEMP B-TREE FOR LAST TERM OF ORDER BY
-- Read: per (org, day) one primary-key range of that day's events and a distinct count of their users.

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

-- @postgres T1.2
-- (PostgreSQL form: added with the PostgreSQL store.)


-- =====================================================================================================
-- T1.3  The events DDL (as the migrations create it), keys, indexes, partitioning, schema evolution.
-- =====================================================================================================
-- Write throughput:
--   * Integer dictionaries (org, type, user) keep keys short: compares and pages hold more entries.
--   * Time-ordered keys: rows are clustered by (org, ts, event_id) and ids are UUIDv7, so inserts land at
--     the right edge of each org's range instead of splitting pages all over the tree.
--   * Two secondary indexes only, each earning its place: the dedup key (org, event_id), which the
--     contract requires, and (org, user, ts) for the selective user filter (partial: anonymous events are
--     not indexed). Filtering by type has no index on purpose: a type is a weak filter, so the newest-first
--     scan of the primary key fills a page after reading a few times the page size, and every extra index
--     roughly halves insert throughput.
--   * Rollups are aggregated per batch (a handful of upserts per 100 events), in the same transaction.
-- Reads by org + time range: a primary-key range (no lookup back to a heap); by user: the partial index;
-- by type: the primary-key range with a filter; metrics: the rollups.
--
-- EXPLAIN QUERY PLAN of the API's page query (newest first, keyset after the last row):
--   SEARCH e USING PRIMARY KEY (org=? AND (ts,event_id)<(?,?))
--   SEARCH u USING INTEGER PRIMARY KEY (rowid=?)      (user id text for the response)
-- No sort step: the index order is the response order, so page 1,000 costs what page 1 costs.
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
  org INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  event_id BLOB NOT NULL,
  type INTEGER NOT NULL,
  user INTEGER,
  received_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  properties TEXT NOT NULL,
  PRIMARY KEY (org, ts, event_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX events_org_event_id ON events (org, event_id);
CREATE INDEX events_org_user_ts ON events (org, user, ts) WHERE user IS NOT NULL;
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

-- @postgres T1.3
-- (PostgreSQL form: added with the PostgreSQL store.)
