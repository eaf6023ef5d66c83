/**
 * The PostgreSQL side of delivery completeness (`domain/delivery.ts`), in the ingest transaction: the
 * batch's install rows are made if missing and locked (in sorted order, so two batches of the same
 * installs queue instead of deadlocking), read, applied to and written back in one statement, and the
 * quarter-hour counts upserted in another. Replicas therefore never lose each other's ranges.
 */
import type pg from 'pg';
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
  QUARTER_MS,
} from '../../domain/delivery.js';

const COLUMNS = `install_id, first_seen, last_seen, received, duplicates, degraded, queue_depth,
  oldest_queued_at, reported_at, ranges, dropped, days`;

interface InstallRow {
  install_id: string;
  first_seen: string;
  last_seen: string;
  received: string;
  duplicates: string;
  degraded: boolean;
  queue_depth: number | null;
  oldest_queued_at: string | null;
  reported_at: string | null;
  ranges: string;
  dropped: string;
  days: string;
}

const num = (v: string | null) => (v === null ? null : Number(v));

function fromRow(r: InstallRow): InstallState {
  return {
    installId: r.install_id,
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    received: Number(r.received),
    duplicates: Number(r.duplicates),
    degraded: r.degraded,
    queueDepth: r.queue_depth,
    oldestQueuedAt: num(r.oldest_queued_at),
    reportedAt: num(r.reported_at),
    ranges: decodeRanges(r.ranges),
    dropped: JSON.parse(r.dropped),
    days: decodeDays(r.days),
  };
}

const MAKE = {
  name: 'delivery_make',
  // New installs start empty; the count of those made goes to the org's counter in the same statement.
  text: `WITH made AS (
           INSERT INTO delivery_installs (org_id, install_id, first_seen, last_seen, received, duplicates,
             degraded, ranges, dropped, days)
           SELECT $1, id, $3, $3, 0, 0, false, '[]', '{}', '[]' FROM unnest($2::text[]) AS id
           ON CONFLICT (org_id, install_id) DO NOTHING
           RETURNING 1)
         INSERT INTO delivery_orgs (org_id, installs) SELECT $1, count(*) FROM made HAVING count(*) > 0
         ON CONFLICT (org_id) DO UPDATE SET installs = delivery_orgs.installs + excluded.installs
         RETURNING installs`,
};

const LOCK = {
  name: 'delivery_lock',
  text: `SELECT ${COLUMNS} FROM delivery_installs
          WHERE org_id = $1 AND install_id = ANY($2::text[]) ORDER BY install_id FOR UPDATE`,
};

const SAVE = {
  name: 'delivery_save',
  text: `UPDATE delivery_installs d SET last_seen = u.last_seen, received = u.received,
           duplicates = u.duplicates, degraded = u.degraded, queue_depth = u.queue_depth,
           oldest_queued_at = u.oldest_queued_at, reported_at = u.reported_at, ranges = u.ranges,
           dropped = u.dropped, days = u.days
         FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::boolean[], $7::integer[],
                     $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::text[])
           AS u (install_id, last_seen, received, duplicates, degraded, queue_depth, oldest_queued_at,
                 reported_at, ranges, dropped, days)
         WHERE d.org_id = $1 AND d.install_id = u.install_id`,
};

const COUNT = {
  name: 'delivery_count',
  text: `INSERT INTO delivery_counts (org_id, quarter, received, duplicates)
         SELECT $1, q, r, d FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u (q, r, d)
         ON CONFLICT (org_id, quarter) DO UPDATE SET received = delivery_counts.received + excluded.received,
           duplicates = delivery_counts.duplicates + excluded.duplicates`,
};

const AGE = {
  name: 'delivery_age',
  // The least recently seen go first; never an install of this batch.
  text: `WITH gone AS (
           DELETE FROM delivery_installs WHERE org_id = $1 AND install_id IN (
             SELECT install_id FROM delivery_installs WHERE org_id = $1 AND NOT (install_id = ANY($2::text[]))
              ORDER BY last_seen, install_id LIMIT $3)
           RETURNING 1)
         UPDATE delivery_orgs SET installs = installs - (SELECT count(*) FROM gone) WHERE org_id = $1`,
};

/** Apply a batch's delivery facts inside the caller's transaction; returns what it added. */
export async function writeDelivery(
  client: pg.PoolClient,
  orgId: string,
  batch: DeliveryBatch,
  receivedAt: number,
): Promise<DeliveryCounts> {
  const ids = batchInstalls(batch);
  const made = await client.query<{ installs: number }>({ ...MAKE, values: [orgId, ids, receivedAt] });
  const { rows } = await client.query<InstallRow>({ ...LOCK, values: [orgId, ids] });
  const states = new Map(rows.map((r) => [r.install_id, fromRow(r)]));
  const delta = applyDeliveryBatch(states, batch, receivedAt);
  const all = [...states.values()];
  await client.query({
    ...SAVE,
    values: [
      orgId,
      all.map((s) => s.installId),
      all.map((s) => s.lastSeen),
      all.map((s) => s.received),
      all.map((s) => s.duplicates),
      all.map((s) => s.degraded),
      all.map((s) => s.queueDepth),
      all.map((s) => s.oldestQueuedAt),
      all.map((s) => s.reportedAt),
      all.map((s) => encodeRanges(s.ranges)),
      all.map((s) => JSON.stringify(s.dropped)),
      all.map((s) => encodeDays(s.days)),
    ],
  });
  if (delta.slots.size > 0) {
    const quarters = [...delta.slots.keys()];
    await client.query({
      ...COUNT,
      values: [
        orgId,
        quarters,
        quarters.map((q) => delta.slots.get(q)!.received),
        quarters.map((q) => delta.slots.get(q)!.duplicates),
      ],
    });
  }
  const installs = made.rows[0]?.installs;
  const excess = installs === undefined ? 0 : installs - limitsOf(batch).maxInstalls;
  if (excess > 0) await client.query({ ...AGE, values: [orgId, ids, excess] });
  return delta.counts;
}

const READ_INSTALLS = {
  name: 'delivery_read_installs',
  text: `SELECT ${COLUMNS} FROM delivery_installs WHERE org_id = $1 AND last_seen >= $2`,
};

const READ_COUNTS = {
  name: 'delivery_read_counts',
  text: `SELECT quarter, received, duplicates FROM delivery_counts
          WHERE org_id = $1 AND quarter >= $2 AND quarter < $3 ORDER BY quarter`,
};

/** What a report of `[fromTs, toTs)` needs (see `EventStore.deliveryData`). */
export async function readDelivery(
  db: pg.Pool | pg.PoolClient,
  q: { orgId: string; fromTs: number; toTs: number; seenSince: number },
): Promise<DeliveryData> {
  const [installs, counts] = await Promise.all([
    db.query<InstallRow>({ ...READ_INSTALLS, values: [q.orgId, q.seenSince] }),
    db.query<{ quarter: string; received: string; duplicates: string }>({
      ...READ_COUNTS,
      values: [q.orgId, Math.floor(q.fromTs / QUARTER_MS), Math.ceil(q.toTs / QUARTER_MS)],
    }),
  ]);
  return {
    installs: installs.rows.map(fromRow),
    slots: counts.rows.map((r) => [Number(r.quarter), Number(r.received), Number(r.duplicates)]),
  };
}
