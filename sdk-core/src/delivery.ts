import type { KvTx } from './kv.js';

/**
 * Delivery completeness: each persisted queue is an install (a random `install_id`), and each event it
 * queues gets the next `seq`, so the API can tell which events never arrived. Seqs that leave the queue
 * unsent on purpose (overflow, opt-out, a storage wipe) and events never queued (sampling, `beforeSend`, a
 * failed write) are reported, cumulatively, beside each batch as `client.dropped`.
 */

/** A reason's cumulative count and, for events that had a seq, those seqs as merged ranges (at most 32). */
export interface Dropped {
  count: number;
  ranges?: [number, number][];
}

/** Why events left the queue unsent (they had seqs) or were never queued (they had none). */
export type DropReason =
  | 'queue_overflow'
  | 'opt_out'
  | 'storage_cleared'
  | 'sampled'
  | 'before_send'
  | 'storage_unavailable';

/** A batch body's `client`: how the install's queue stands, and what it dropped. */
export interface ClientReport {
  install_id: string;
  /** Events still queued behind the batch. */
  queue_depth: number;
  /** When the oldest of them was queued; absent when none is. */
  oldest_queued_at?: string;
  dropped?: Partial<Record<DropReason, Dropped>>;
}

/**
 * The queue's counter record (key `n`), read and written in the same transaction as the events it counts, so
 * a seq is given once even when several tabs track at the same moment.
 */
export interface Counter {
  /** Events queued (`q/`). */
  n: number;
  /** The install id. */
  i: string;
  /** The last seq given. */
  s: number;
  /** The dropped report, by reason, since the install began. */
  r: NonNullable<ClientReport['dropped']>;
  /** The `client` report (JSON) of the install before a storage wipe, for the next batch formed. */
  o?: string;
}

/** The counter as this page last wrote it (to notice it vanish), and counts to add at the next write. */
export interface Seen {
  c?: Counter;
  p: Partial<Record<DropReason, number>>;
}

/**
 * `context.delivery` of an event not given its seq yet (first in `context`, first in the event): as long as
 * the longest stamp (22 characters of install id, 16 digits of seq), so the bytes counted when the event was
 * serialised still bound it. `UNSTAMPED` finds it, with what is before it and its comma.
 */
export const PLACEHOLDER = '.'.repeat(60);
export const UNSTAMPED = /^({"context":{)"delivery":"\.{60}"(,?)/;
const SEQ = /^{"context":{"delivery":{[^}]*"seq":(\d+)/;

/** The seqs of stamped events, as one-seq ranges. */
export const seqs = (events: string[]): [number, number][] =>
  events
    .map((e) => +(SEQ.exec(e)?.[1] ?? 0))
    .filter(Boolean)
    .map((s) => [s, s]);

/** Adds `count` events (and the ranges of their seqs, when they had them) to the report under `reason`. */
export function drop(
  report: Counter['r'],
  reason: DropReason,
  count: number,
  ranges: [number, number][] = [],
): void {
  if (!count) return;
  const d = report[reason] ?? { count: 0 };
  report[reason] = d;
  d.count += count;
  if (!ranges[0]) return;
  const m: [number, number][] = [];
  for (const r of ranges.concat(d.ranges ?? []).sort((x, y) => x[0] - y[0])) {
    const last = m[m.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else m.push(r);
  }
  // Past 32 ranges, the two closest neighbours become one (the count stays exact).
  while (m[32]) {
    let k = 0;
    for (let j = 1; m[j + 1]; j++) if (m[j + 1]![0] - m[j]![1] < m[k + 1]![0] - m[k]![1]) k = j;
    m[k]![1] = m.splice(k + 1, 1)[0]![1];
  }
  d.ranges = m;
}

/**
 * The batch body's `client` report: the install, the events queued behind the batch and since when (the time
 * in the UUIDv7 of the key of the oldest one's chunk), the dropped report.
 */
export const report = (c: Counter, depth: number, after?: string): string =>
  JSON.stringify({
    install_id: c.i,
    queue_depth: depth,
    oldest_queued_at: after && new Date(parseInt(after.slice(2, 10) + after.slice(11, 15), 16)).toISOString(),
    dropped: c.r,
  } satisfies ClientReport);

/**
 * Reads the counter (or starts an install: 22 random base64url characters), adding the counts noted since.
 * A counter gone while this page ran (site data cleared) took the events last seen queued with it: they are
 * reported, under the old install, as `storage_cleared` (the newest `n` seqs this page saw written).
 */
export async function counter(tx: KvTx, seen?: Seen): Promise<Counter> {
  const had = await tx.get<Counter | number>('n');
  let c = had as Counter;
  if (!c?.i) {
    // None yet, or a count of events queued before installs.
    c = {
      n: +had! || 0,
      i: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
        .slice(0, 22)
        .replace(/[+/]/g, (x) => (x > '+' ? '_' : '-')),
      s: 0,
      r: {},
    };
    const o = seen?.c;
    // Events queued before installs have no seq: never more than the seqs given.
    const k = o && Math.min(o.n, o.s);
    if (k) {
      drop(o.r, 'storage_cleared', k, [[o.s - k + 1, o.s]]);
      c.o = report(o, 0);
    }
  }
  for (const reason in seen?.p) drop(c.r, reason as DropReason, seen.p[reason as DropReason]!);
  if (seen) seen.p = {};
  return c;
}

/** Writes the counter, and remembers it. */
export const keep = (tx: KvTx, c: Counter, seen?: Seen): void => {
  tx.put('n', c);
  if (seen) seen.c = c;
};
