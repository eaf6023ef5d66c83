import { createConnection } from './connection.js';
import { type DropReason, UNSTAMPED } from './delivery.js';
import { AnalyticsApiError, AnalyticsError, overflow } from './errors.js';
import { type Serialized, serialize } from './event.js';
import { createFlushes } from './flushes.js';
import type { AnalyticsClientOptions } from './options.js';
import { defaultExit } from './platform.js';
import {
  add,
  adopt,
  type Batch,
  body,
  type Chunk,
  chunk,
  ENVELOPE,
  join,
  MAX_EVENTS,
  next,
  settle,
} from './queue.js';
import { type RetryPolicy, refused } from './retry.js';
import { createScheduler } from './scheduler.js';
import type { Storage } from './storage.js';
import type { Transport } from './transport.js';
import type { EventPayload, IngestResponse, ProblemDocument } from './types.js';
import { uuidv7 } from './uuid.js';

/**
 * Delivery: writes tracked events to the queue as chunks, forms them into batches and sends the oldest first,
 * one at a time, retrying as the policy says; on page exit sends what this page knows with `keepalive`.
 */
export interface Dispatcher {
  /** Tracking is off: `track` queues nothing, and nothing this page holds is written or sent on exit. */
  optedOut: boolean;
  /** See `AnalyticsClient.trackEvents()`; called only once started. */
  track(events: EventPayload[]): Promise<void>;
  /** `count` events were never queued for `reason` (`sampled`, `before_send`): reported with the next write. */
  lose(reason: DropReason, count: number): void;
  /** Resolves once everything stored before the call was accepted (see `AnalyticsClient.flush()`). */
  flush(): Promise<void>;
  /** The queue is open: stamp `org` on events stored from now on, and deliver what earlier pages left. */
  start(org: string | undefined): void;
  /** Forgets the events this page holds (opting out; the queue itself is cleared apart). */
  drop(): void;
  /**
   * Stops for good: timers and platform hooks end; `flush()` calls reject with `error`.
   */
  close(error: AnalyticsError): void;
  readonly closed: boolean;
  /** Calls `fn` until it resolves, waiting like a delivery between tries; `undefined` once closed. */
  retrying<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

/** Events kept in memory for the page-exit flush; the rest wait in storage for the next page. */
const LOOSE_KEPT = 2 * MAX_EVENTS;

export function createDispatcher(
  options: AnalyticsClientOptions,
  { store, lock, seen }: Storage,
  request: Transport['request'],
  retry: RetryPolicy,
  report: (error: AnalyticsError) => void,
): Dispatcher {
  /** The tenant, once known: stamped on every event written from then on. */
  let org: string | undefined;
  let known = false;
  let closed = false;
  /** Tracked, not yet written; the promise their `track` calls share, and how it settles. */
  let pending: Serialized[] = [];
  let group: Promise<void> | undefined;
  let settleGroup: [resolve: () => void, reject: (error: unknown) => void];
  let writing: Promise<unknown> | undefined;
  /** This page's chunks not yet formed into batches, oldest first, for the page-exit flush. */
  const loose = new Map<string, Chunk>();
  let again = false;
  /** The drain sends what was queued up to here (set by each kick), so new events keep their batching. */
  let horizon = '';
  let draining = false;
  let attempt = 0;
  /** The batch waiting out a backoff, which the page-exit flush may still send. */
  let held: Batch | undefined;
  const flushes = createFlushes();

  /** The one delivery loop of this client: until the queue is empty, form the oldest batch and send it. */
  const kick = async (): Promise<void> => {
    scheduler.reset();
    again = true;
    horizon = uuidv7();
    if (draining) return;
    draining = true;
    try {
      while (again && !closed) {
        again = false;
        for (;;) {
          if (!connection.online) await connection.sleep();
          if (closed) return;
          const delay = await lock(async () => {
            const until = horizon;
            const [batch, consumed] = await store((tx) => next(tx, until, seen));
            for (const id of consumed) loose.delete(id);
            flushes.seen(until, batch);
            return batch && send(batch);
          });
          if (delay === undefined) break;
          if (delay === false) {
            // The policy gave up: the batch stays queued for the next kick, and the flushes waiting for it fail.
            attempt = 0;
            break;
          }
          if (delay > 0) await connection.sleep(delay);
        }
      }
    } catch (error) {
      report(
        error instanceof AnalyticsError
          ? error
          : new AnalyticsError('Queue storage failed', 'storage_unavailable', error),
      );
    } finally {
      draining = false;
      // A kick that arrived while the loop was finishing.
      if (again && !closed) kick();
    }
  };
  const scheduler = createScheduler(options.flushAt, options.flushInterval, kick);
  const connection = createConnection(options.platform?.online, () => {
    attempt = 0;
    if (known) kick();
  });

  /**
   * Sends one batch; returns the delay before the next attempt (0: done with it; false: the policy gave up).
   * `formed` is the page-exit path's pending write of the batch, which must land before it can be settled.
   */
  const send = async (
    batch: Batch,
    keepalive?: boolean,
    formed?: Promise<boolean>,
  ): Promise<number | false> => {
    /** Removes the batch from the queue, or with `problem` moves it aside. */
    const done = async (problem?: ProblemDocument): Promise<void> => {
      const dropped = (!formed || (await formed)) && (await store((tx) => settle(tx, batch, problem, seen)));
      if (dropped) report(overflow(dropped, 'rejected events'));
    };
    held = undefined;
    try {
      await request<IngestResponse>('/api/v1/events', {
        body: body(batch.e, batch.c),
        key: batch.k,
        keepalive,
      });
      await done();
      attempt = 0;
      return 0;
    } catch (error) {
      if (refused(error)) {
        // The batch itself is refused: keep it aside, tell the host and whoever flushes, go on with the rest.
        await done(error.problem);
        error.count = batch.e.length;
        flushes.fail(batch, error);
        report(error);
        return 0;
      }
      if (keepalive) return 0;
      // Network errors and timeouts are what offline looks like; API errors are worth knowing about.
      if (error instanceof AnalyticsApiError && error.status !== 409) report(error);
      held = batch;
      const delay = retry(attempt++, error, 'delivery');
      if (delay === false) flushes.fail(batch, error, true);
      return delay;
    }
  };

  /** Writes the events tracked so far as new chunks (split at the batch limits), synchronously choosing their ids. */
  const write = (): void => {
    if (!group) return;
    const [resolve, reject] = settleGroup;
    const events = pending;
    group = undefined;
    pending = [];
    if (self.optedOut) {
      resolve();
      return;
    }
    const chunks = chunk(events, org);
    for (const [id, chunk] of chunks) loose.set(id, chunk);
    // Keep the newest, forget the older: they stay in storage for the delivery loop or the next page.
    let kept = 0;
    for (const [id, chunk] of [...loose].reverse()) {
      kept += chunk.e.length;
      if (kept > LOOSE_KEPT) loose.delete(id);
    }
    writing = store((tx) => add(tx, chunks, options.maxQueueSize ?? 10_000, seen)).then(
      (dropped) => {
        if (dropped) report(overflow(dropped, 'queued events'));
        resolve();
        scheduler.added(events.length);
      },
      (error) => {
        self.lose('storage_unavailable', events.length);
        reject(error);
      },
    );
  };

  const self: Dispatcher = {
    optedOut: false,

    async track(events) {
      if (closed) throw new AnalyticsError('Client shut down', 'closed');
      if (self.optedOut) return;
      const serialized = events.map(serialize);
      // A loop, not push(...): a large array would overflow the argument stack.
      for (const s of serialized) pending.push(s);
      // Everything tracked in this tick goes to storage in one write (the client calls only once started).
      group ??= new Promise((...settle) => {
        settleGroup = settle;
        queueMicrotask(write);
      });
      return group;
    },

    lose(reason, count) {
      if (!self.optedOut) seen.p[reason] = (seen.p[reason] ?? 0) + count;
    },

    async flush() {
      write();
      // Never rejects: a failed write rejects its `track` calls instead.
      await writing;
      if (closed) throw new AnalyticsError('Client shut down', 'closed');
      const flushed = flushes.add();
      kick();
      return flushed;
    },

    start(tenant) {
      org = tenant;
      known = true;
      // Deliver what earlier pages (or crashed tabs) left in the queue, before this page's first events are
      // written (the client tracks only from now): those wait for their own flushAt or flushInterval.
      kick();
    },

    drop() {
      pending = [];
      loose.clear();
      held = undefined;
      // The queue is about to be cleared (its seqs reported as opt_out): a wipe from now on lost none of them.
      seen.c = undefined;
    },

    close(error) {
      scheduler.reset();
      closed = true;
      connection.off();
      offExit?.();
      flushes.close(error);
    },

    get closed() {
      return closed;
    },

    async retrying(fn) {
      for (let tries = 0, error: unknown; !closed; ) {
        if (connection.online) {
          try {
            return await fn();
          } catch (e) {
            error = e;
          }
        }
        const delay = connection.online && retry(tries++, error, 'delivery');
        await connection.sleep(delay === false ? undefined : delay);
      }
    },
  };

  /**
   * Page exit: send what this page knows without waiting for storage (`fetch` with `keepalive`, within the
   * browser's 64 KiB budget). Its loose chunks become one batch under a new key, persisted in the same order
   * as the write, so a resend from the next page replays rather than duplicates. What does not fit stays
   * queued.
   */
  const exit = (): void => {
    if (closed || !known || self.optedOut) return;
    write();
    const h = held;
    // The held batch's body is in flight too, within the same keepalive budget.
    const spent = h ? ENVELOPE + h.b : 0;
    if (h) send(h, true).catch(() => {});
    const ids: string[] = [];
    const joined: Chunk = { e: [], b: 0 };
    for (const [id, chunk] of loose) {
      // A chunk whose write has not run yet has no seqs: it goes without them (and is stored as it went).
      const e = chunk.e.map((j) => j.replace(UNSTAMPED, '$1'));
      if (!join(joined, { e, b: chunk.b }, spent)) break;
      chunk.e = e;
      ids.push(id);
      loose.delete(id);
    }
    if (!ids[0]) return;
    const batch: Batch = { ...joined, id: ids[0], k: uuidv7() };
    const formed = store((tx) => adopt(tx, ids, batch.k)).catch(() => false);
    send(batch, true, formed).catch(() => {});
  };

  const offExit = (options.platform?.exit ?? defaultExit)?.(exit);
  return self;
}
