/**
 * The SQLite side of delivery completeness (`domain/delivery.ts`): the writer applies a batch's delivery
 * facts inside its transaction (read the batch's install rows by key, apply, write them back and the
 * quarter-hour counts, each in one statement), and reports read the rows back.
 */
import {
  applyDeliveryBatch,
  batchInstalls,
  type DeliveryBatch,
  type DeliveryCounts,
  type DeliveryData,
  decodeDays,
  decodeRanges,
  encodeDays,
  encodeRanges,
  type InstallState,
  limitsOf,
  newInstall,
  QUARTER_MS,
} from '../../domain/delivery.js';
import type { Db } from './db.js';

/** Rows per multi-row statement. */
const CHUNK = 100;

const INSTALL_COLUMNS = `install_id, first_seen, last_seen, received, duplicates, degraded, queue_depth,
  oldest_queued_at, reported_at, ranges, dropped, days`;

type InstallRow = [
  string,
  number,
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number | null,
  string,
  string,
  string,
];

export function installFromRow(r: InstallRow): InstallState {
  return {
    installId: r[0],
    firstSeen: r[1],
    lastSeen: r[2],
    received: r[3],
    duplicates: r[4],
    degraded: r[5] === 1,
    queueDepth: r[6],
    oldestQueuedAt: r[7],
    reportedAt: r[8],
    ranges: decodeRanges(r[9]),
    dropped: JSON.parse(r[10]),
    days: decodeDays(r[11]),
  };
}

function rowValues(org: number, s: InstallState): unknown[] {
  return [
    org,
    s.installId,
    s.firstSeen,
    s.lastSeen,
    s.received,
    s.duplicates,
    s.degraded ? 1 : 0,
    s.queueDepth,
    s.oldestQueuedAt,
    s.reportedAt,
    encodeRanges(s.ranges),
    JSON.stringify(s.dropped),
    encodeDays(s.days),
  ];
}

const rowsOf = (n: number, width: number) =>
  new Array(n).fill(`(${new Array(width).fill('?').join(', ')})`).join(', ');

/**
 * Apply a batch's delivery facts for `org` (the dictionary id); runs inside the writer's transaction.
 * Returns what it added, for the counters.
 */
export function writeDelivery(db: Db, org: number, batch: DeliveryBatch, receivedAt: number): DeliveryCounts {
  const ids = batchInstalls(batch);
  const idsJson = JSON.stringify(ids);
  const states = new Map<string, InstallState>();
  const found = db.raw(
    `SELECT ${INSTALL_COLUMNS} FROM json_each(?) j
       CROSS JOIN delivery_installs d ON d.org = ? AND d.install_id = j.value`,
    [idsJson, org],
  ) as InstallRow[];
  for (const r of found) states.set(r[0], installFromRow(r));
  let made = 0;
  for (const id of ids) {
    if (states.has(id)) continue;
    states.set(id, newInstall(id, receivedAt));
    made++;
  }
  const delta = applyDeliveryBatch(states, batch, receivedAt);

  const all = [...states.values()];
  for (let start = 0; start < all.length; start += CHUNK) {
    const slice = all.slice(start, start + CHUNK);
    db.run(
      `INSERT OR REPLACE INTO delivery_installs (org, ${INSTALL_COLUMNS}) VALUES ${rowsOf(slice.length, 13)}`,
      slice.flatMap((s) => rowValues(org, s)),
    );
  }
  const slots: number[] = [];
  for (const [quarter, c] of delta.slots) slots.push(org, quarter, c.received, c.duplicates);
  for (let start = 0; start < slots.length; start += CHUNK * 4) {
    const slice = slots.slice(start, start + CHUNK * 4);
    db.run(
      `INSERT INTO delivery_counts (org, quarter, received, duplicates) VALUES ${rowsOf(slice.length / 4, 4)}
       ON CONFLICT (org, quarter) DO UPDATE SET received = received + excluded.received,
         duplicates = duplicates + excluded.duplicates`,
      slice,
    );
  }
  if (made > 0) {
    const { installs } = db.get<{ installs: number }>(
      `INSERT INTO delivery_orgs (org, installs) VALUES (?, ?)
       ON CONFLICT (org) DO UPDATE SET installs = installs + excluded.installs RETURNING installs`,
      [org, made],
    )!;
    const excess = installs - limitsOf(batch).maxInstalls;
    if (excess > 0) {
      // The least recently seen go first; never an install of this batch.
      const gone = db.run(
        `DELETE FROM delivery_installs WHERE org = ? AND install_id IN (
           SELECT install_id FROM delivery_installs WHERE org = ?
              AND install_id NOT IN (SELECT value FROM json_each(?))
            ORDER BY last_seen, install_id LIMIT ?)`,
        [org, org, idsJson, excess],
      ).changes;
      db.run('UPDATE delivery_orgs SET installs = installs - ? WHERE org = ?', [gone, org]);
    }
  }
  return delta.counts;
}

/** What a report of `[fromTs, toTs)` needs (see `EventStore.deliveryData`). */
export function readDelivery(
  db: Db,
  org: number | undefined,
  q: { fromTs: number; toTs: number; seenSince: number },
): DeliveryData {
  if (org === undefined) return { installs: [], slots: [] };
  const installs = (
    db.raw(`SELECT ${INSTALL_COLUMNS} FROM delivery_installs WHERE org = ? AND last_seen >= ?`, [
      org,
      q.seenSince,
    ]) as InstallRow[]
  ).map(installFromRow);
  const slots = db.raw(
    `SELECT quarter, received, duplicates FROM delivery_counts
      WHERE org = ? AND quarter >= ? AND quarter < ? ORDER BY quarter`,
    [org, Math.floor(q.fromTs / QUARTER_MS), Math.ceil(q.toTs / QUARTER_MS)],
  ) as [number, number, number][];
  return { installs, slots };
}
