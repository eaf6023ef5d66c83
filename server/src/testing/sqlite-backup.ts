/**
 * Online backups of a live SQLite database, and the checks a copy must pass, for tests that copy the file
 * while another process writes to it (or right after that process was killed). The schema is the server's
 * business, so the SQL stays in this package; callers get findings, not tables.
 */
import Database from 'better-sqlite3';
import { formatUuid } from '../lib/ids.js';

const DAY_MS = 86_400_000;

export interface SqliteCopyCheck {
  /** `PRAGMA integrity_check`: `ok` when the file is sound. */
  integrity: string;
  /** Rows that break a foreign key. */
  foreignKeys: number;
  /** Stored events, all orgs. */
  events: number;
  /** Daily counts that differ from counting the events (the first five). */
  rollupMismatches: unknown[];
  /** Daily active users with no event behind them. */
  userMismatches: number;
  /** Users with events on a day but no daily-users row. */
  usersMissing: number;
  /** Completed idempotency records (each a 202 the server may have sent). */
  idempotencyRecords: number;
  /** Events named by a completed idempotency record but not stored. */
  acknowledgedMissing: number;
}

/**
 * Copies `source` (a SQLite file another process may be writing) to `target` with SQLite's online backup
 * API, as a backup tool would. Resolves with the number of steps it took.
 */
export async function backupSqlite(source: string, target: string): Promise<{ steps: number }> {
  // Opened read-write, as a backup tool would: after a crash the first connection replays the WAL.
  const db = new Database(source, { fileMustExist: true });
  let steps = 0;
  try {
    // Small steps, so writes from the server process land between them (SQLite then restarts the copy);
    // after many restarts, one step takes the rest under a single read transaction.
    await db.backup(target, { progress: () => (++steps > 500 ? 0x7fffffff : 8) });
  } finally {
    db.close();
  }
  return { steps };
}

/** Checks a copy against itself: the file, the rollups against the events, the idempotency records. */
export function checkSqliteCopy(path: string): SqliteCopyCheck {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const foreignKeys = (db.pragma('foreign_key_check') as unknown[]).length;
    const counts = new Map<string, { n: number; last: number }>();
    const users = new Set<string>();
    const events = db.prepare('SELECT org, ts, type, user FROM events');
    for (const e of events.iterate() as Iterable<{ org: number; ts: number; type: number; user: number }>) {
      const day = Math.floor(e.ts / DAY_MS);
      const key = `${e.org}|${day}|${e.type}`;
      const c = counts.get(key) ?? { n: 0, last: -Infinity };
      counts.set(key, { n: c.n + 1, last: Math.max(c.last, e.ts) });
      if (e.user !== null) users.add(`${e.org}|${day}|${e.user}`);
    }
    const rollupMismatches: unknown[] = [];
    const rollups = db.prepare('SELECT org, day, type, n, last_ts FROM daily_counts').all() as {
      org: number;
      day: number;
      type: number;
      n: number;
      last_ts: number;
    }[];
    for (const r of rollups) {
      const c = counts.get(`${r.org}|${r.day}|${r.type}`);
      if (!c || c.n !== r.n || c.last !== r.last_ts) rollupMismatches.push({ rollup: r, events: c ?? null });
    }
    if (rollups.length !== counts.size)
      rollupMismatches.push({ rollups: rollups.length, groups: counts.size });
    const dailyUsers = db.prepare('SELECT org, day, user FROM daily_users').all() as {
      org: number;
      day: number;
      user: number;
    }[];
    const userMismatches = dailyUsers.filter((u) => !users.has(`${u.org}|${u.day}|${u.user}`)).length;
    const stored = new Set(
      (db.prepare('SELECT event_id FROM events').pluck().all() as Uint8Array[]).map((b) => formatUuid(b)),
    );
    let acknowledgedMissing = 0;
    let idempotencyRecords = 0;
    for (const body of db
      .prepare('SELECT body FROM idempotency_keys')
      .pluck()
      .iterate() as Iterable<string>) {
      idempotencyRecords++;
      for (const id of (JSON.parse(body) as { event_ids: string[] }).event_ids) {
        if (!stored.has(id)) acknowledgedMissing++;
      }
    }
    return {
      integrity,
      foreignKeys,
      events: stored.size,
      rollupMismatches: rollupMismatches.slice(0, 5),
      userMismatches,
      usersMissing: users.size - (dailyUsers.length - userMismatches),
      idempotencyRecords,
      acknowledgedMissing,
    };
  } finally {
    db.close();
  }
}
