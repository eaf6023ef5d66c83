import type { Pool } from 'pg';
import { type PageContextInput, pageFields } from '../../enrich/page.js';
import { withTransaction } from './transaction.js';

/**
 * The backfill of rows stored before migration 2 (visitors and sessions). The migration added the columns
 * without rewriting a partition and, when events existed, recorded in `meta` (`backfill_visitors`) the
 * instant it ran: rows received before it are filled here, in primary-key order, 5,000 per transaction,
 * with the position reached kept in the same row, so an interrupted backfill resumes where it stopped.
 * Replicas take turns under a row lock on that row. A column that already has a value keeps it.
 *
 * Such rows have no anonymous id, session or request facts: their visitor is their user (none for anonymous
 * events), their page fields come from `page_view` properties, and they belong to no session.
 */

const KEY = 'backfill_visitors';

interface Marker {
  before_ms: number;
  /** The last row filled: org, timestamp ms, event id. */
  after?: [string, number, string];
}

export async function backfillChunk(pool: Pool, limit: number): Promise<{ rows: number; done: boolean }> {
  const client = await pool.connect();
  try {
    return await withTransaction(client, async () => {
      const marker = await client.query<{ value: string }>(
        'SELECT value FROM meta WHERE key = $1 FOR UPDATE',
        [KEY],
      );
      if (!marker.rows[0]) return { rows: 0, done: true };
      const m = JSON.parse(marker.rows[0].value) as Marker;
      const after = m.after
        ? `AND (org_id, "timestamp", event_id) > ($3::text, to_timestamp($4::float8 / 1000), $5::uuid)`
        : '';
      const { rows } = await client.query<{
        org_id: string;
        ms: number;
        event_id: string;
        event_type: string;
        user_id: string | null;
        visitor_id: string | null;
        is_bot: boolean;
        properties: Record<string, unknown>;
        context: PageContextInput | null;
      }>(
        `SELECT org_id, (extract(epoch FROM "timestamp") * 1000)::float8 AS ms, event_id, event_type, user_id,
                visitor_id, is_bot, properties, context
           FROM events
          WHERE received_at < to_timestamp($1::float8 / 1000) ${after}
          ORDER BY org_id, "timestamp", event_id LIMIT $2`,
        m.after ? [m.before_ms, limit, ...m.after] : [m.before_ms, limit],
      );
      if (rows.length > 0) {
        const page = rows.map((r) => pageFields(r.context ?? undefined, r.event_type, r.properties));
        await client.query(
          `WITH u AS (
             SELECT * FROM unnest($1::text[], $2::float8[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::text[], $10::bool[])
                    AS u(o, ms, id, v, p, r, us, um, uc, bot)
           ), filled AS (
             UPDATE events e
                SET visitor_id = coalesce(e.visitor_id, u.v), path = coalesce(e.path, u.p),
                    referrer_host = coalesce(e.referrer_host, u.r), utm_source = coalesce(e.utm_source, u.us),
                    utm_medium = coalesce(e.utm_medium, u.um), utm_campaign = coalesce(e.utm_campaign, u.uc)
               FROM u
              WHERE e.org_id = u.o AND e."timestamp" = to_timestamp(u.ms / 1000) AND e.event_id = u.id
           )
           INSERT INTO daily_visitors (org_id, day, is_bot, visitor_id)
           SELECT DISTINCT o, (to_timestamp(ms / 1000) AT TIME ZONE 'UTC')::date, bot, v FROM u
            WHERE v IS NOT NULL
           ON CONFLICT DO NOTHING`,
          [
            rows.map((r) => r.org_id),
            rows.map((r) => r.ms),
            rows.map((r) => r.event_id),
            rows.map((r) => r.visitor_id ?? r.user_id),
            page.map((p) => p.path),
            page.map((p) => p.referrerHost),
            page.map((p) => p.utmSource),
            page.map((p) => p.utmMedium),
            page.map((p) => p.utmCampaign),
            rows.map((r) => r.is_bot),
          ],
        );
      }
      if (rows.length < limit) {
        await client.query('DELETE FROM meta WHERE key = $1', [KEY]);
        return { rows: rows.length, done: true };
      }
      const last = rows[rows.length - 1]!;
      const next: Marker = { before_ms: m.before_ms, after: [last.org_id, last.ms, last.event_id] };
      await client.query('UPDATE meta SET value = $2 WHERE key = $1', [KEY, JSON.stringify(next)]);
      return { rows: rows.length, done: false };
    });
  } finally {
    client.release();
  }
}
