import { pageFields } from '../../enrich/page.js';
import { DAY_MS } from '../../lib/time.js';
import type { Db } from './db.js';

/**
 * The backfill of rows stored before migration 3 (visitors and sessions). Those rows have no visitor or
 * page columns; migration 3 added the columns without rewriting the table (instant at any size) and
 * recorded the range of row ids to fill in `meta` (`backfill_visitors`: `{ next, last }`). Each chunk fills
 * the next rows in id order, adds their daily visitors, and moves `next` on, all in one transaction, so an
 * interrupted backfill resumes where it stopped and a row is never filled twice. The key is deleted when
 * the range is done.
 *
 * Such rows have no anonymous id, session, context or request facts: their visitor is their user (none
 * for anonymous events; `visitor_id` stays empty, since reads take the user when it is), their page fields
 * come from `page_view` properties, and they belong to no session.
 */

export const BACKFILL_KEY = 'backfill_visitors';

export interface BackfillChunk {
  /** Rows filled by this chunk. */
  rows: number;
  /** Nothing is left to fill. */
  done: boolean;
}

export function applyBackfillChunk(
  db: Db,
  limit: number,
  visitorId: (visitor: string) => number,
): BackfillChunk {
  const marker = db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [BACKFILL_KEY]);
  if (!marker) return { rows: 0, done: true };
  const range = JSON.parse(marker.value) as { next: number; last: number };
  const rows = db.raw(
    `SELECT e.id, e.org, e.ts, u.user_id, t.name, e.properties
       FROM events e JOIN event_types t ON t.id = e.type LEFT JOIN users u ON u.id = e.user
      WHERE e.id >= ? AND e.id <= ? ORDER BY e.id LIMIT ?`,
    [range.next, range.last, limit],
  ) as [number, number, number, string | null, string, string][];
  const update = db.prepare(
    `UPDATE events SET path = ?, referrer_host = ?, utm_source = ?, utm_medium = ?, utm_campaign = ?
      WHERE id = ?`,
  );
  const addVisitor = db.prepare(
    'INSERT OR IGNORE INTO daily_visitors (org, day, is_bot, visitor) VALUES (?, ?, 0, ?)',
  );
  // The hourly rollup's too: its migration could not map these rows' visitors before this fills them.
  const addHourly = db.prepare(
    'INSERT OR IGNORE INTO hourly_visitors (org, hour, is_bot, visitor) VALUES (?, ?, 0, ?)',
  );
  const linked = db.prepare('SELECT user_id FROM identities WHERE org = ? AND anonymous_id = ?').pluck(true);
  for (const [id, org, ts, userId, type, properties] of rows) {
    const page =
      type === 'page_view'
        ? pageFields(undefined, type, JSON.parse(properties) as Record<string, unknown>)
        : undefined;
    update.run(
      page?.path ?? null,
      page?.referrerHost ?? null,
      page?.utmSource ?? null,
      page?.utmMedium ?? null,
      page?.utmCampaign ?? null,
      id,
    );
    if (userId !== null) {
      const merged = (linked.get(org, userId) as string | undefined) ?? userId;
      const visitor = visitorId(merged);
      addVisitor.run(org, Math.floor(ts / DAY_MS), visitor);
      addHourly.run(org, Math.floor(ts / 3_600_000), visitor);
    }
  }
  const lastId = rows.length > 0 ? rows[rows.length - 1]![0] : range.last;
  if (rows.length < limit || lastId >= range.last) {
    db.run('DELETE FROM meta WHERE key = ?', [BACKFILL_KEY]);
    return { rows: rows.length, done: true };
  }
  db.run('UPDATE meta SET value = ? WHERE key = ?', [
    JSON.stringify({ next: lastId + 1, last: range.last }),
    BACKFILL_KEY,
  ]);
  return { rows: rows.length, done: false };
}
