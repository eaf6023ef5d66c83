import type { Db } from './db.js';

/**
 * Forward-only numbered migrations. Each runs once, in order, inside one exclusive transaction together with
 * the bump of `PRAGMA user_version`, so a crash leaves the schema either before or after a step, never half.
 * Never edit a released step: add the next number.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'events, dictionaries, rollups, idempotency',
    sql: `
      -- Dictionaries: events carry small integers instead of repeated text (shorter keys, faster index
      -- compares). orgs and users double as the sample data's profile tables.
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
      CREATE TABLE user_orgs (
        org INTEGER NOT NULL REFERENCES orgs (id),
        user INTEGER NOT NULL REFERENCES users (id),
        role TEXT NOT NULL,
        joined_at TEXT,
        PRIMARY KEY (org, user)
      ) WITHOUT ROWID;
      CREATE TABLE event_types (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );

      -- Clustered on the main read order: an org's events newest first is one contiguous range of the
      -- primary key, so page N costs what page 1 costs and a page is read without a second lookup.
      CREATE TABLE events (
        org INTEGER NOT NULL,
        ts INTEGER NOT NULL,               -- event time, epoch ms UTC
        event_id BLOB NOT NULL,            -- 16-byte UUID
        type INTEGER NOT NULL,
        user INTEGER,                      -- NULL: anonymous event
        received_at INTEGER NOT NULL,      -- epoch ms
        schema_version INTEGER NOT NULL,
        properties TEXT NOT NULL,          -- JSON object
        PRIMARY KEY (org, ts, event_id)
      ) WITHOUT ROWID;
      -- Dedup: an event id is stored once per org (retries without an idempotency key are safe).
      CREATE UNIQUE INDEX events_org_event_id ON events (org, event_id);
      -- No per-event index on user or type. A user index is written at a different place for every user in
      -- a batch (one B-tree page each), which halved ingest throughput when measured; the user filter instead
      -- finds the user's active days in daily_users (below) and scans only those days of the org's range.

      -- Rollups maintained in the ingest transaction, aggregated per batch.
      CREATE TABLE daily_counts (
        org INTEGER NOT NULL,
        day INTEGER NOT NULL,              -- UTC day number (days since 1970-01-01)
        type INTEGER NOT NULL,
        n INTEGER NOT NULL,
        last_ts INTEGER NOT NULL,          -- newest event of that type that day (event-types' last_seen)
        PRIMARY KEY (org, day, type)
      ) WITHOUT ROWID;
      CREATE TABLE daily_users (
        org INTEGER NOT NULL,
        day INTEGER NOT NULL,
        user INTEGER NOT NULL,
        PRIMARY KEY (org, day, user)
      ) WITHOUT ROWID;
      -- A user's active days, newest first, for the user filter: written once per user per day, not per event.
      CREATE INDEX daily_users_org_user_day ON daily_users (org, user, day);

      -- Metrics supplied as data (sample_data/metrics.csv), summed by name.
      CREATE TABLE metrics (
        org INTEGER NOT NULL,
        name TEXT NOT NULL,
        day INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (org, name, day)
      ) WITHOUT ROWID;

      CREATE TABLE idempotency_keys (
        org INTEGER NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (org, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'events and idempotency records in rowid tables',
    sql: `
      -- Version 1 clustered events on (org, ts, event_id) in a WITHOUT ROWID table. Its rows (~400 bytes with
      -- properties) are too large for that layout: about nine fit a page, so inserting a batch into the
      -- recent end of an org's range splits and rebalances pages full of large cells. Measured here with
      -- 100-row transactions of ~300 B properties: 12.3 µs per row clustered, 7.4 µs in a rowid table with
      -- the same read order kept in a narrow index. Rows now go to the end of the table in arrival order
      -- (a batch of one org stays together), and the index below carries the read order plus the columns
      -- the filters need, so filtering by type or user reads the table only for rows that match.
      CREATE TABLE events_v2 (
        id INTEGER PRIMARY KEY,            -- arrival order
        org INTEGER NOT NULL,
        ts INTEGER NOT NULL,               -- event time, epoch ms UTC
        event_id BLOB NOT NULL,            -- 16-byte UUID
        type INTEGER NOT NULL,
        user INTEGER,                      -- NULL: anonymous event
        received_at INTEGER NOT NULL,      -- epoch ms
        schema_version INTEGER NOT NULL,
        properties TEXT NOT NULL           -- JSON object
      );
      INSERT INTO events_v2 (org, ts, event_id, type, user, received_at, schema_version, properties)
        SELECT org, ts, event_id, type, user, received_at, schema_version, properties FROM events;
      DROP TABLE events;
      ALTER TABLE events_v2 RENAME TO events;
      -- The main read order: an org's events newest first, with type and user for the filters.
      CREATE INDEX events_org_ts ON events (org, ts, event_id, type, user);
      -- Dedup: an event id is stored once per org (retries without an idempotency key are safe).
      CREATE UNIQUE INDEX events_org_event_id ON events (org, event_id);

      -- The same for idempotency records, whose stored response (up to 100 event ids) nearly fills a page.
      CREATE TABLE idempotency_keys_v2 (
        id INTEGER PRIMARY KEY,
        org INTEGER NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      INSERT INTO idempotency_keys_v2 (org, key, request_hash, status, body, created_at)
        SELECT org, key, request_hash, status, body, created_at FROM idempotency_keys;
      DROP TABLE idempotency_keys;
      ALTER TABLE idempotency_keys_v2 RENAME TO idempotency_keys;
      CREATE UNIQUE INDEX idempotency_keys_org_key ON idempotency_keys (org, key);
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    `,
  },
  {
    version: 3,
    name: 'visitors, sessions and identity',
    sql: `
      -- Columns derived at ingest (the contract's "Visitors and sessions"). ADD COLUMN with a constant
      -- default only rewrites the schema, never the table, so this step takes no time on any size of data.
      -- Rows stored before it get their visitor and page columns from a chunked backfill after start
      -- (backfill.ts: 5,000 rows per transaction, progress in meta), not here.
      ALTER TABLE events ADD COLUMN anonymous_id TEXT;
      ALTER TABLE events ADD COLUMN session_id TEXT;
      ALTER TABLE events ADD COLUMN visitor_id TEXT;
      ALTER TABLE events ADD COLUMN context TEXT;           -- JSON object as sent, or NULL
      ALTER TABLE events ADD COLUMN path TEXT;
      ALTER TABLE events ADD COLUMN referrer_host TEXT;
      ALTER TABLE events ADD COLUMN utm_source TEXT;
      ALTER TABLE events ADD COLUMN utm_medium TEXT;
      ALTER TABLE events ADD COLUMN utm_campaign TEXT;
      ALTER TABLE events ADD COLUMN browser TEXT;
      ALTER TABLE events ADD COLUMN os TEXT;
      ALTER TABLE events ADD COLUMN device TEXT;
      ALTER TABLE events ADD COLUMN country TEXT;
      ALTER TABLE events ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0;

      -- Visitor ids as small integers for the distinct-visitor rollup: counting distinct integers over a
      -- 90-day range is several times faster than counting distinct text.
      CREATE TABLE visitors (
        id INTEGER PRIMARY KEY,
        visitor_id TEXT NOT NULL UNIQUE
      );
      -- One row per org, UTC day, bot flag and visitor, merged through identify (an anonymous id linked to
      -- a user is rewritten to the user when the link arrives), like daily_users.
      CREATE TABLE daily_visitors (
        org INTEGER NOT NULL,
        day INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        visitor INTEGER NOT NULL,
        PRIMARY KEY (org, day, is_bot, visitor)
      ) WITHOUT ROWID;
      -- Finds an anonymous visitor's rows when identify links it to a user.
      CREATE INDEX daily_visitors_org_visitor ON daily_visitors (org, visitor);

      -- One row per session and bot flag (a bot and a person never share a session), kept whole at ingest:
      -- first and last event, counts, and the path of its earliest page_view (entry_ts decides which).
      -- prev_* hold the row as it was before its latest upsert, which RETURNING then reports, so the same
      -- statement moves the session's share of daily_sessions exactly (SQLite has no RETURNING OLD).
      CREATE TABLE sessions (
        org INTEGER NOT NULL,
        session_id TEXT NOT NULL,
        is_bot INTEGER NOT NULL,
        visitor_id TEXT,                   -- the visitor of its earliest event, as stored on that event
        start_ts INTEGER NOT NULL,
        end_ts INTEGER NOT NULL,
        events INTEGER NOT NULL,
        pageviews INTEGER NOT NULL,
        entry_ts INTEGER,
        entry_path TEXT,
        prev_start_ts INTEGER,
        prev_end_ts INTEGER,
        prev_events INTEGER,
        prev_pageviews INTEGER,
        PRIMARY KEY (org, session_id, is_bot)
      ) WITHOUT ROWID;
      -- No index by start: a summary in a zone whose days are not UTC days scans the range's events anyway,
      -- and finds every session that starts in the range through them (its first event is in the range).
      -- Sessions by the UTC day they start: what the UTC summary reads, O(days) rows.
      CREATE TABLE daily_sessions (
        org INTEGER NOT NULL,
        day INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        sessions INTEGER NOT NULL,
        bounces INTEGER NOT NULL,          -- sessions of exactly one event, a page_view
        duration_ms INTEGER NOT NULL,      -- sum of (last event - first event)
        pageviews INTEGER NOT NULL,
        PRIMARY KEY (org, day, is_bot)
      ) WITHOUT ROWID;
      -- Bot events per day and type: daily_counts minus these is the traffic of people. Written only for
      -- bot events, so ordinary ingest pays nothing for it.
      CREATE TABLE daily_bot_counts (
        org INTEGER NOT NULL,
        day INTEGER NOT NULL,
        type INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (org, day, type)
      ) WITHOUT ROWID;

      -- $identify links: an anonymous id counts as the user from then on. The first link wins.
      CREATE TABLE identities (
        org INTEGER NOT NULL,
        anonymous_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        linked_at INTEGER NOT NULL,        -- epoch ms
        PRIMARY KEY (org, anonymous_id)
      ) WITHOUT ROWID;
      CREATE INDEX identities_org_user ON identities (org, user_id);

      -- The secret daily salt of cookieless visitor ids (UTC day number); rows go after two days.
      CREATE TABLE visitor_salts (
        day INTEGER PRIMARY KEY,
        salt TEXT NOT NULL
      );
      -- The session of each visitor's latest event, so an event without a session id continues the
      -- visitor's session when it comes less than 30 minutes after the previous one. Written when a visitor
      -- moves to another session (last_ts: that event's time); the session's end_ts says when its latest
      -- event was. Keyed by the visitors dictionary: a new visitor's row goes at the end of the index.
      CREATE TABLE visitor_last_session (
        org INTEGER NOT NULL,
        visitor INTEGER NOT NULL,
        session_id TEXT NOT NULL,
        last_ts INTEGER NOT NULL,
        PRIMARY KEY (org, visitor)
      ) WITHOUT ROWID;

      -- Rows to backfill: those stored before this step (none in a new database).
      INSERT INTO meta (key, value)
        SELECT 'backfill_visitors', json_object('next', min(id), 'last', max(id)) FROM events
        HAVING count(*) > 0;
    `,
  },
  {
    version: 4,
    name: 'publishable ingest keys',
    sql: `
      -- Publishable keys (pk_...): only the SHA-256 of each key is kept, never the key. The org is text, not
      -- the orgs dictionary id: a key may exist for an org without events, and the dictionary belongs to the
      -- writer thread. Revoked keys stay (revoked_at), so a revoked key is told apart from an unknown one.
      CREATE TABLE ingest_keys (
        org_id TEXT NOT NULL,
        id TEXT NOT NULL,                  -- UUIDv7
        key_hash BLOB NOT NULL,            -- SHA-256 of the whole key
        prefix TEXT NOT NULL,              -- pk_ and a few characters, to recognise a key in a list
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,     -- JSON array of origins; [] means any origin
        rate_limit_per_minute INTEGER,     -- NULL: the server's default
        created_at INTEGER NOT NULL,       -- epoch ms
        revoked_at INTEGER,                -- epoch ms; NULL while the key works
        PRIMARY KEY (org_id, id)
      ) WITHOUT ROWID;
      -- Every authenticated ingest finds its key by hash (behind a 5 s cache).
      CREATE UNIQUE INDEX ingest_keys_key_hash ON ingest_keys (key_hash);
    `,
  },
  {
    version: 5,
    name: 'delivery completeness',
    sql: `
      -- Per SDK install (domain/delivery.ts): received seqs as merged ranges, duplicates, the latest client
      -- report, drops by reason and per-UTC-day masks of the quarter hours it had events in. One row per
      -- install, rewritten whole by the writer; every part of it is capped (DeliveryLimits).
      CREATE TABLE delivery_installs (
        org INTEGER NOT NULL,
        install_id TEXT NOT NULL,
        first_seen INTEGER NOT NULL,       -- receive times, epoch ms
        last_seen INTEGER NOT NULL,
        received INTEGER NOT NULL,         -- distinct seqs
        duplicates INTEGER NOT NULL,
        degraded INTEGER NOT NULL,         -- 1: a cap was reached
        queue_depth INTEGER,               -- the latest report (NULL: none yet)
        oldest_queued_at INTEGER,
        reported_at INTEGER,
        ranges TEXT NOT NULL,              -- JSON [from, to, ts, received_at, ...]
        dropped TEXT NOT NULL,             -- JSON { reason: { count, ranges } }
        days TEXT NOT NULL,                -- JSON [utc_day, mask_low, mask_high, ...]
        PRIMARY KEY (org, install_id)
      ) WITHOUT ROWID;
      -- Reports read the installs seen since the range began; ageing drops the least recently seen.
      CREATE INDEX delivery_installs_seen ON delivery_installs (org, last_seen);
      -- How many installs each org has, so the cap is checked without counting rows.
      CREATE TABLE delivery_orgs (
        org INTEGER PRIMARY KEY,
        installs INTEGER NOT NULL
      );
      -- Seqs received and duplicates per quarter hour of event time: any zone's local days are unions of
      -- quarter hours.
      CREATE TABLE delivery_counts (
        org INTEGER NOT NULL,
        quarter INTEGER NOT NULL,          -- floor(ts / 15 min)
        received INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        PRIMARY KEY (org, quarter)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'hourly rollups',
    sql: `
      -- Rollups per UTC hour, beside the daily ones: a local day, week or month of any zone whose offset is
      -- a whole number of hours is a union of hours, so trends and summaries in such zones read O(hours)
      -- rows instead of the range's events (zones at :30 or :45 still scan). Written in the ingest
      -- transaction from the batch's distinct keys, like the daily rollups; bots apart (is_bot), so each
      -- read leaves them out or counts them. Distinct counts keep their members: the users and visitors of
      -- each hour, so the distinct visitors of a local day are exact (the union of its hours' rows).
      CREATE TABLE hourly_counts (
        org INTEGER NOT NULL,
        hour INTEGER NOT NULL,             -- floor(ts / 1 h)
        type INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (org, hour, type, is_bot)
      ) WITHOUT ROWID;
      CREATE TABLE hourly_users (
        org INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        user INTEGER NOT NULL,
        PRIMARY KEY (org, hour, is_bot, user)
      ) WITHOUT ROWID;
      -- Merged through identify like daily_visitors (the link rewrites the anonymous visitor's rows).
      CREATE TABLE hourly_visitors (
        org INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        visitor INTEGER NOT NULL,
        PRIMARY KEY (org, hour, is_bot, visitor)
      ) WITHOUT ROWID;
      CREATE INDEX hourly_visitors_org_visitor ON hourly_visitors (org, visitor);
      -- Sessions by the hour they start, moved like daily_sessions when a session grows.
      CREATE TABLE hourly_sessions (
        org INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        sessions INTEGER NOT NULL,
        bounces INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        pageviews INTEGER NOT NULL,
        PRIMARY KEY (org, hour, is_bot)
      ) WITHOUT ROWID;

      -- The rows stored so far (one pass each over the events in index order; seconds per million rows).
      INSERT INTO hourly_counts (org, hour, type, is_bot, n)
        SELECT org, ts / 3600000, type, is_bot, count(*) FROM events GROUP BY 1, 2, 3, 4;
      INSERT INTO hourly_users (org, hour, is_bot, user)
        SELECT DISTINCT org, ts / 3600000, is_bot, user FROM events WHERE user IS NOT NULL;
      INSERT OR IGNORE INTO hourly_visitors (org, hour, is_bot, visitor)
        SELECT e.org, e.ts / 3600000, e.is_bot, v.id
          FROM events e LEFT JOIN users u ON u.id = e.user
          LEFT JOIN identities i
            ON i.org = e.org AND i.anonymous_id = coalesce(e.visitor_id, u.user_id, e.anonymous_id)
          JOIN visitors v ON v.visitor_id = coalesce(i.user_id, e.visitor_id, u.user_id, e.anonymous_id);
      INSERT INTO hourly_sessions (org, hour, is_bot, sessions, bounces, duration_ms, pageviews)
        SELECT org, start_ts / 3600000, is_bot, count(*), sum(events = 1 AND pageviews = 1),
               sum(end_ts - start_ts), sum(pageviews)
          FROM sessions GROUP BY 1, 2, 3;
    `,
  },
];

export function migrate(db: Db): void {
  db.transaction(() => {
    const current = Number(db.handle.pragma('user_version', { simple: true }));
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.handle.pragma(`user_version = ${m.version}`);
    }
  }, 'exclusive');
}
