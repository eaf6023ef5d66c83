import { counter, drop, keep, report, type Seen, seqs, UNSTAMPED } from './delivery.js';
import type { Serialized } from './event.js';
import type { KvTx } from './kv.js';
import type { ProblemDocument } from './types.js';
import { uuidv7 } from './uuid.js';

/**
 * The persisted queue. Events are stored as their JSON text, so a batch's body is byte-for-byte the same
 * on every retry (the server compares bodies under one idempotency key) and any value reaches storage
 * as a plain string, never failing the structured clone.
 *
 * Keys (one IndexedDB record each):
 * - `q/<uuidv7>`: a chunk of events written by one `trackEvent` tick, or, once it has `k`, a formed batch
 *   whose idempotency key `k` is persisted with it and never changes. A new event only ever writes its own
 *   chunk, never the whole queue.
 * - `x/<uuidv7>`: batches the API rejected with a 4xx, kept aside for inspection.
 * - `n`: how many events are queued, kept in step in the same transactions, so the bound costs one read; with
 *   the install's id, last seq and dropped report (`delivery.ts`), so giving seqs costs no other record.
 * - `consent`: `'in' | 'out'`.
 * - `v`: the visitor (ids, session, super properties: `identity.ts`), deleted with the queue on opt-out.
 */
export interface Chunk {
  /** Events as JSON text. */
  e: string[];
  /** Bytes of the events plus one comma each (see `ENVELOPE`), and of the `client` report; at most. */
  b: number;
  /** Idempotency key, set when the chunk became a batch. */
  k?: string;
  /** The batch's `client` report (JSON), made when it was formed, so every retry sends the same body. */
  c?: string;
}

export interface Batch extends Chunk {
  id: string;
  k: string;
}

export interface RejectedChunk extends Batch {
  p: ProblemDocument;
}

export const MAX_EVENTS = 100;
/** Per request, and the browser's budget for keepalive bodies in flight. */
export const MAX_BYTES = 65536;
/** Rejected batches kept aside at most; beyond, the oldest go (reported, never silently). */
const MAX_REJECTED = 100;
const Q = 'q/';
const X = 'x/';

/** UTF-8 bytes of `s` plus one (its comma in a batch body); ASCII-only text, the usual case, skips encoding. */
export const byteLength = (s: string): number =>
  (/[\u0080-\uffff]/.test(s) ? new TextEncoder().encode(s) : s).length + 1;

export const body = (events: string[], client?: string): string =>
  `{"events":[${events.join(',')}]${client ? `,"client":${client}` : ''}}`;

/**
 * What a batch's body adds to its events: `{"events":[]}`, 13 bytes. Each event's `b` counts one comma, one
 * more than the body has, so `ENVELOPE + b` bounds the body from above by one byte.
 */
export const ENVELOPE = body([]).length;

/** Whether `events` events of `bytes` bytes (as `Chunk.b` counts them) make a body the API accepts. */
export const fits = (events: number, bytes: number): boolean =>
  events <= MAX_EVENTS && ENVELOPE + bytes <= MAX_BYTES;

/** Appends chunk `c` to `to` if the sum still fits a batch (with `spent` bytes already in flight); else false. */
export const join = (to: Chunk, c: Chunk, spent = 0): boolean => {
  const ok = fits(to.e.length + c.e.length, spent + to.b + c.b);
  if (ok) {
    to.e = to.e.concat(c.e);
    to.b += c.b;
  }
  return ok;
};

/**
 * Splits tracked events into new chunks (at the batch limits), each under a new id, so in the order tracked.
 * The tenant `org` goes into each event that does not name its own: a batch is sent as it was tracked,
 * whoever's token sends it, and the server refuses (403) an org_id that is not the token's.
 */
export function chunk(events: Serialized[], org: string | undefined): [string, Chunk][] {
  const chunks: [string, Chunk][] = [];
  let cur: Chunk | undefined;
  const stamp = org && `,"org_id":${JSON.stringify(org)}}`;
  for (let [json, bytes, own] of events) {
    if (stamp && !own) {
      json = json.slice(0, -1) + stamp;
      bytes += byteLength(stamp) - 2;
    }
    if (!cur || !fits(cur.e.length + 1, cur.b + bytes)) {
      cur = { e: [], b: 0 };
      chunks.push([uuidv7(), cur]);
    }
    cur.e.push(json);
    cur.b += bytes;
  }
  return chunks;
}

/**
 * Stores new chunks, giving each event the install's next seq (in place, so the page's copy has it too);
 * past `max` queued events drops the oldest (reporting their seqs) and returns how many.
 */
export const add = async (tx: KvTx, chunks: [string, Chunk][], max: number, seen?: Seen): Promise<number> => {
  const m = await counter(tx, seen);
  let n = m.n;
  for (const [id, chunk] of chunks) {
    chunk.e = chunk.e.map((e) =>
      e.replace(
        UNSTAMPED,
        (_, start: string, comma: string) =>
          // Called only for an event that has the placeholder, so only such an event takes a seq.
          `${start}"delivery":{"install_id":"${m.i}","seq":${++m.s}}${comma}`,
      ),
    );
    tx.put(Q + id, chunk);
    n += chunk.e.length;
  }
  const stored = n;
  const lost: [number, number][] = [];
  for (const [key, c] of n > max ? await tx.list<Chunk>(Q) : []) {
    const cut = Math.min(n - max, c.e.length);
    if (cut <= 0) break;
    lost.push(...seqs(c.e.slice(0, cut)));
    if (cut === c.e.length) tx.del(key);
    else {
      // A cut batch loses its idempotency key: it becomes a chunk again and is re-formed under a new
      // key (the server's event_id dedup covers events that went out under the old one).
      const e = c.e.slice(cut);
      tx.put(key, { e, b: e.reduce((s, x) => s + byteLength(x), 0) });
    }
    n -= cut;
  }
  drop(m.r, 'queue_overflow', lost.length, lost);
  m.n = n;
  keep(tx, m, seen);
  return stored - n;
};

/**
 * Forms batches (at most 100 events and 64 KiB, whole chunks, in order) from the loose chunks queued up to
 * `horizon` and returns the oldest batch, with the ids of the chunks consumed. A batch keeps the key of its
 * first chunk, so the queue stays in order. Chunks after the horizon wait for their own flush. Each new batch
 * carries the `client` report as it stands (where it fits), with the events queued behind it.
 */
export const next = async (
  tx: KvTx,
  horizon: string,
  seen?: Seen,
): Promise<[batch: Batch | undefined, consumed: string[]]> => {
  const consumed: string[] = [];
  let first: Batch | undefined;
  let cur: Batch | undefined;
  /** New batches, with the events queued behind each and the index of the chunk after it. */
  const formed: [Batch, number, number][] = [];
  const list = await tx.list<Chunk>(Q);
  const m = await counter(tx, seen);
  let behind = list.reduce((s, [, c]) => s + c.e.length, 0);
  for (const [i, [key, c]] of list.entries()) {
    const id = key.slice(2);
    if (id > horizon) break;
    behind -= c.e.length;
    if (c.k) {
      first ??= { ...c, id } as Batch;
      // A new batch never spans an existing one, so sending stays in queue order.
      cur = undefined;
      continue;
    }
    consumed.push(id);
    if (cur && join(cur, c)) tx.del(key);
    else {
      cur = { ...c, id, k: uuidv7() };
      first ??= cur;
      formed.push([cur, 0, 0]);
    }
    formed[formed.length - 1] = [cur, behind, i + 1];
  }
  for (const [batch, depth, after] of formed) {
    const c = m.o ?? report(m, depth, list[after]?.[0]);
    // The report is optional: a batch too big for it goes without (and a wiped install's waits for the next).
    if (fits(batch.e.length, batch.b + c.length + 10)) {
      if (c === m.o) m.o = undefined;
      batch.c = c;
      batch.b += c.length + 10;
    }
    const { id, ...rest } = batch;
    tx.put(Q + id, rest);
  }
  keep(tx, m, seen);
  return [first, consumed];
};

/**
 * Turns the given loose chunks into one batch with key `k` (the page-exit path, which sends before it can
 * write). Returns false, changing nothing, when any of them was meanwhile formed or removed elsewhere.
 */
export const adopt = async (tx: KvTx, ids: string[], k: string): Promise<boolean> => {
  const chunks = await Promise.all(ids.map((id) => tx.get<Chunk>(Q + id)));
  if (chunks.some((c) => !c || c.k)) return false;
  for (const id of ids.slice(1)) tx.del(Q + id);
  tx.put(Q + ids[0], {
    e: chunks.flatMap((c) => c!.e),
    b: chunks.reduce((s, c) => s + c!.b, 0),
    k,
  });
  return true;
};

/**
 * Removes a delivered batch, or moves a rejected one aside, only when it still carries the key it was
 * sent with; returns how many rejected events had to go to keep the aside bounded.
 */
export const settle = async (
  tx: KvTx,
  batch: Batch,
  problem?: ProblemDocument,
  seen?: Seen,
): Promise<number> => {
  const c = await tx.get<Chunk>(Q + batch.id);
  if (c?.k !== batch.k) return 0;
  tx.del(Q + batch.id);
  const m = await counter(tx, seen);
  m.n -= c.e.length;
  keep(tx, m, seen);
  let dropped = 0;
  if (problem) {
    tx.put(X + batch.id, { ...c, p: problem });
    const aside = await tx.list<Chunk>(X);
    for (const [key, r] of aside.slice(0, -MAX_REJECTED)) {
      tx.del(key);
      dropped += r.e.length;
    }
  }
  return dropped;
};

export const rejected = (tx: KvTx): Promise<[string, RejectedChunk][]> => tx.list<RejectedChunk>(X);

/**
 * Deletes queued events (`q/`: on opting out, reporting their seqs) and/or rejected ones (`x/`), optionally
 * recording consent.
 */
export const clear = async (tx: KvTx, prefixes: string[], consent?: 'in' | 'out'): Promise<void> => {
  for (const prefix of prefixes) {
    const lost: [number, number][] = [];
    for (const [key, c] of await tx.list<Chunk>(prefix)) {
      tx.del(key);
      if (prefix === Q) lost.push(...seqs(c.e));
    }
    if (prefix === Q) {
      const m = await counter(tx);
      drop(m.r, 'opt_out', lost.length, lost);
      m.n = 0;
      keep(tx, m);
    }
  }
  if (consent) tx.put('consent', consent);
};

export const getConsent = (tx: KvTx): Promise<string | undefined> => tx.get<string>('consent');
