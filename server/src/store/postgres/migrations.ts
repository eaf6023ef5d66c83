import type { PoolClient } from 'pg';
import { lockForTransaction, withTransaction } from './transaction.js';

/**
 * Forward-only numbered migrations for the PostgreSQL store. Never edit a released step: add the next
 * number. All pending steps run in one transaction under an advisory lock (`migrate()` below), so several
 * replicas starting at the same moment apply each step exactly once and none of them sees half a schema.
 *
 * Layout rules, so the same DDL runs sharded on Citus by `org_id` (see README.md next to this file):
 * - `org_id` leads the primary key of every per-tenant table. Citus needs the distribution column in every
 *   unique constraint, and leading with it keeps an org's rows together in each B-tree.
 * - `events` is range-partitioned by month on `timestamp`; its primary key therefore includes `timestamp`.
 *   Uniqueness of `(org_id, event_id)` across partitions cannot be an index on `events`, so it lives in
 *   `event_ids`, written in the same statement as the events.
 * - Timestamps are `timestamptz`; calendar days are UTC `date`s.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'profiles, partitioned events, dedup, rollups, metrics, idempotency',
    sql: `
      -- Profiles from the sample data. On Citus these are reference tables (copied to every node).
      CREATE TABLE organizations (
        org_id text PRIMARY KEY,
        name text NOT NULL,
        plan text NOT NULL,
        created_at timestamptz
      );
      CREATE TABLE users (
        user_id text PRIMARY KEY,
        email text,
        name text,
        role text,
        created_at timestamptz,
        updated_at timestamptz
      );
      CREATE TABLE user_orgs (
        org_id text NOT NULL,
        user_id text NOT NULL,
        role text NOT NULL,
        joined_at timestamptz,
        PRIMARY KEY (org_id, user_id)
      );

      -- Partitions are months, created ahead of time by the server and on demand for an event outside
      -- them (partitions.ts). Everything from 2100 on shares one catch-all partition, so a client cannot make
      -- the server create partitions without bound.
      CREATE TABLE events (
        org_id text NOT NULL,
        "timestamp" timestamptz NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        user_id text,
        received_at timestamptz NOT NULL,
        schema_version integer NOT NULL DEFAULT 1,
        properties jsonb NOT NULL DEFAULT '{}',
        -- The main read order (an org's events, newest first) is one range of this index, so a keyset page
        -- costs the same at any depth.
        PRIMARY KEY (org_id, "timestamp", event_id)
      ) PARTITION BY RANGE ("timestamp");
      -- Filter by user: selective, so scanning the org's range would read far more rows than it returns.
      -- event_id completes the sort key so no sort step is needed. Anonymous events stay out.
      CREATE INDEX events_org_user ON events (org_id, user_id, "timestamp", event_id)
        WHERE user_id IS NOT NULL;
      -- Time scans across orgs (T1.1 in sql/queries.sql): rows arrive in time order, so a BRIN of a few
      -- kilobytes per partition skips every block outside the range. Non-unique, so sharding is unaffected.
      CREATE INDEX events_timestamp_brin ON events USING brin ("timestamp");
      CREATE TABLE events_from_2100 PARTITION OF events FOR VALUES FROM ('2100-01-01 00:00:00+00') TO (MAXVALUE);

      -- An event id is stored once per org, whichever partition its row went to.
      CREATE TABLE event_ids (
        org_id text NOT NULL,
        event_id uuid NOT NULL,
        "timestamp" timestamptz NOT NULL,
        PRIMARY KEY (org_id, event_id)
      );

      -- Rollups, maintained in the ingest statement, aggregated per batch.
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

      -- Metrics supplied as data (sample_data/metrics.csv), summed by name.
      CREATE TABLE metrics (
        org_id text NOT NULL,
        metric_name text NOT NULL,
        day date NOT NULL,
        value double precision NOT NULL,
        PRIMARY KEY (org_id, metric_name, day)
      );

      -- Shared by every replica. A row with status NULL is an in-flight claim (owner: claim, since
      -- claimed_at); a row with a status is the completed response, replayed for the same body.
      CREATE TABLE idempotency_keys (
        org_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        claim uuid,
        claimed_at timestamptz,
        status integer,
        body text,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, key)
      );
      -- The hourly purge deletes by age across all orgs; rows are written in time order, so a BRIN finds
      -- the expired blocks without a B-tree on every insert.
      CREATE INDEX idempotency_keys_created_brin ON idempotency_keys USING brin (created_at);

      CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'visitors, sessions and identity',
    sql: `
      -- Columns derived at ingest (the contract's "Visitors and sessions"). ADD COLUMN with a constant
      -- default (or none) changes only the catalog, on the partitioned table and every partition at once: no
      -- rewrite, and the lock lasts as long as the catalog change. Rows stored before this step get their
      -- visitor and page columns from a chunked backfill after start (backfill.ts), not here.
      ALTER TABLE events
        ADD COLUMN anonymous_id text,
        ADD COLUMN session_id text,
        ADD COLUMN visitor_id text,
        ADD COLUMN context jsonb,
        ADD COLUMN path text,
        ADD COLUMN referrer_host text,
        ADD COLUMN utm_source text,
        ADD COLUMN utm_medium text,
        ADD COLUMN utm_campaign text,
        ADD COLUMN browser text,
        ADD COLUMN os text,
        ADD COLUMN device text,
        ADD COLUMN country text,
        ADD COLUMN is_bot boolean NOT NULL DEFAULT false;

      -- One row per org, UTC day, bot flag and visitor_id as stored. Identify links are applied when reading
      -- (identities below), so a link and a late event for the same anonymous id may arrive on different
      -- replicas in any order and the count is still exact.
      CREATE TABLE daily_visitors (
        org_id text NOT NULL,
        day date NOT NULL,
        is_bot boolean NOT NULL,
        visitor_id text NOT NULL,
        PRIMARY KEY (org_id, day, is_bot, visitor_id)
      );

      -- One row per session and bot flag, kept whole at ingest: first and last event (epoch ms), counts, the
      -- path of its earliest page_view. prev_* hold the row as it was before its latest upsert, which
      -- RETURNING reports, so the same statement moves the session's share of daily_sessions exactly from
      -- the locked row (PostgreSQL 15 has no RETURNING OLD).
      CREATE TABLE sessions (
        org_id text NOT NULL,
        session_id text NOT NULL,
        is_bot boolean NOT NULL,
        visitor_id text,
        start_ms bigint NOT NULL,
        end_ms bigint NOT NULL,
        events integer NOT NULL,
        pageviews integer NOT NULL,
        entry_ms bigint,
        entry_path text,
        prev_start_ms bigint,
        prev_end_ms bigint,
        prev_events integer,
        prev_pageviews integer,
        PRIMARY KEY (org_id, session_id, is_bot)
      );
      CREATE INDEX sessions_org_start ON sessions (org_id, start_ms);
      -- Sessions by the UTC day they start: what the UTC summary reads.
      CREATE TABLE daily_sessions (
        org_id text NOT NULL,
        day date NOT NULL,
        is_bot boolean NOT NULL,
        sessions bigint NOT NULL,
        bounces bigint NOT NULL,
        duration_ms bigint NOT NULL,
        pageviews bigint NOT NULL,
        PRIMARY KEY (org_id, day, is_bot)
      );
      -- Bot events per day and type (daily_counts minus these is the traffic of people).
      CREATE TABLE daily_bot_counts (
        org_id text NOT NULL,
        day date NOT NULL,
        event_type text NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (org_id, day, event_type)
      );

      -- $identify links; the first link of an anonymous id wins.
      CREATE TABLE identities (
        org_id text NOT NULL,
        anonymous_id text NOT NULL,
        user_id text NOT NULL,
        linked_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, anonymous_id)
      );
      CREATE INDEX identities_org_user ON identities (org_id, user_id);

      -- The secret daily salt of cookieless visitor ids, one per UTC day for every replica; rows go after two
      -- days. Not per tenant: on Citus a reference table.
      CREATE TABLE visitor_salts (
        day date PRIMARY KEY,
        salt text NOT NULL
      );
      -- The session of each visitor's latest event (an event without a session id less than 30 minutes
      -- later continues it). Written when a visitor moves to another session (last_ms: that event's time);
      -- the session's end_ms says when its latest event was.
      CREATE TABLE visitor_last_session (
        org_id text NOT NULL,
        visitor_id text NOT NULL,
        session_id text NOT NULL,
        last_ms bigint NOT NULL,
        PRIMARY KEY (org_id, visitor_id)
      );

      -- Rows to backfill: those stored before this step, found by their receive time (none in a new database).
      INSERT INTO meta (key, value)
        SELECT 'backfill_visitors',
               json_build_object('before_ms', (extract(epoch FROM now()) * 1000)::bigint + 1)::text
         WHERE EXISTS (SELECT 1 FROM events);
    `,
  },
  {
    version: 3,
    name: 'publishable ingest keys',
    sql: `
      -- Publishable keys (pk_...): only the SHA-256 of each key is kept, never the key. Revoked keys stay
      -- (revoked_at), so a revoked key is told apart from an unknown one. Looked up by hash from any org, so
      -- on Citus this is a reference table (see README.md); org_id still leads the primary key.
      CREATE TABLE ingest_keys (
        org_id text NOT NULL,
        id uuid NOT NULL,
        key_hash bytea NOT NULL,
        prefix text NOT NULL,
        name text NOT NULL,
        allowed_origins text[] NOT NULL,
        rate_limit_per_minute integer,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        PRIMARY KEY (org_id, id)
      );
      CREATE UNIQUE INDEX ingest_keys_key_hash ON ingest_keys (key_hash);
    `,
  },
  {
    version: 4,
    name: 'rate-limit counters shared by replicas',
    sql: `
      -- One row per bucket (ingest:<org>, read:<org>, key:<id>, ip:<address>) counting the current window
      -- (rate-limits.ts). Unlogged: counts are worthless after a crash, and commits need no WAL flush.
      CREATE UNLOGGED TABLE rate_limits (
        bucket text PRIMARY KEY,
        window_start bigint NOT NULL,
        hits integer NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'delivery completeness',
    sql: `
      -- Per SDK install (domain/delivery.ts): received seqs as merged ranges, duplicates, the latest client
      -- report, drops by reason and per-UTC-day masks of the quarter hours it had events in. One row per
      -- install, read FOR UPDATE and rewritten whole in the ingest transaction; every part is capped.
      -- Instants are epoch ms (bigint), as the shared bookkeeping computes with them.
      CREATE TABLE delivery_installs (
        org_id text NOT NULL,
        install_id text NOT NULL,
        first_seen bigint NOT NULL,
        last_seen bigint NOT NULL,
        received bigint NOT NULL,
        duplicates bigint NOT NULL,
        degraded boolean NOT NULL,
        queue_depth integer,
        oldest_queued_at bigint,
        reported_at bigint,
        ranges text NOT NULL,              -- JSON [from, to, ts, received_at, ...]
        dropped text NOT NULL,             -- JSON { reason: { count, ranges } }
        days text NOT NULL,                -- JSON [utc_day, mask_low, mask_high, ...]
        PRIMARY KEY (org_id, install_id)
      );
      CREATE INDEX delivery_installs_seen ON delivery_installs (org_id, last_seen);
      -- How many installs each org has, so the cap is checked without counting rows.
      CREATE TABLE delivery_orgs (
        org_id text PRIMARY KEY,
        installs integer NOT NULL
      );
      -- Seqs received and duplicates per quarter hour of event time (floor(ts / 15 min)).
      CREATE TABLE delivery_counts (
        org_id text NOT NULL,
        quarter bigint NOT NULL,
        received bigint NOT NULL,
        duplicates bigint NOT NULL,
        PRIMARY KEY (org_id, quarter)
      );
    `,
  },
];

/**
 * Apply pending migrations. The caller passes a dedicated client; everything runs in one transaction that
 * first takes a transaction-scoped advisory lock, so a second replica waits here and then finds nothing to do.
 * Returns the versions applied.
 */
export async function migrate(client: PoolClient, schema: string): Promise<number[]> {
  return withTransaction(client, async () => {
    const applied: number[] = [];
    await lockForTransaction(client, schema, 'migrate');
    // Quoting is safe: the schema name was checked against [a-z_][a-z0-9_]* when the URL was parsed.
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM "${schema}".schema_migrations`,
    );
    const current = rows[0]?.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
