import { optedOut, saveConsent } from './consent.js';
import { AnalyticsApiError, AnalyticsError } from './errors.js';
import { type Serialized, serialize } from './event.js';
import type { AnalyticsClientOptions, RejectedBatch, RequestOptions } from './options.js';
import { defaultExit, defaultOnline } from './platform.js';
import {
  adopt,
  type Batch,
  body,
  byteLength,
  type Chunk,
  clear,
  ENVELOPE,
  add as enqueue,
  fits,
  MAX_EVENTS,
  next,
  rejected,
  settle,
} from './queue.js';
import { createReads, type Reads } from './reads.js';
import { type RetryRequest, refused, retryDelay } from './retry.js';
import { createStorage, type Storage, type Store } from './storage.js';
import { resolveTenant } from './tenant.js';
import { createTransport, type Transport } from './transport.js';
import type {
  AnalyticsEvent,
  EventFilters,
  EventPayload,
  EventsPage,
  EventTypeCount,
  IngestResponse,
  MetricsParams,
  MetricsSummary,
} from './types.js';
import { uuidv7 } from './uuid.js';

interface Waiter {
  mark: string;
  resolve(): void;
  reject(error: unknown): void;
  error?: unknown;
}

interface Group {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** Events kept in memory for the page-exit flush; the rest wait in storage for the next page. */
const LOOSE_KEPT = 2 * MAX_EVENTS;
const noop = (): void => {};

/**
 * The analytics client: a durable, batched, retried event queue with exactly-once effect on the server,
 * plus typed reads of events (a cursor iterator), the metrics summary and event types.
 *
 * Delivery: events are stored (IndexedDB in browsers, memory elsewhere) before `trackEvent` resolves, grouped
 * into batches of at most 100 events and 64 KiB, each batch given an `Idempotency-Key` when it is formed and
 * keeping it through every retry and reload. Only one tab sends at a time (Web Locks); without Web Locks two
 * tabs may send one batch twice, which the key makes harmless.
 *
 * Tenants: the persisted queue is the tenant's own (see `tenant`), and each event carries the tenant's
 * `org_id`, so no other tenant's token can deliver it anywhere but back to a 403.
 */
export class AnalyticsClient {
  readonly options: AnalyticsClientOptions;
  /** The tenant, once known: stamped on every event written from then on. */
  #org: string | undefined;
  #store: Store;
  #lock: Storage['lock'];
  /** Tracked, not yet written: each event's JSON, its bytes, and whether it names its own `org_id`. */
  #pending: Serialized[] = [];
  #group: Group | undefined;
  #writing: Promise<unknown> | undefined;
  /** This page's chunks not yet formed into batches, oldest first, for the page-exit flush. */
  #loose = new Map<string, Chunk>();
  #looseEvents = 0;
  #unflushed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #again = false;
  /** The drain sends what was queued up to here (set by each kick), so new events keep their batching. */
  #horizon = '';
  #draining: Promise<void> | undefined;
  #online = true;
  #wake: (() => void) | undefined;
  #attempt = 0;
  /** The batch waiting out a backoff, which the page-exit flush may still send. */
  #held: Batch | undefined;
  #waiters: Waiter[] = [];
  #known = false;
  #optedOut = false;
  #ready: Promise<void>;
  #transport: Transport;
  #reads: Reads;
  #closed = false;
  #off: (() => void)[] = [];

  constructor(options: AnalyticsClientOptions) {
    this.options = options;
    const { persistence } = options;
    this.#transport = createTransport(options);
    const storage = createStorage((error) => this.#report(error), options.platform ?? {});
    this.#store = storage.store;
    this.#lock = storage.lock;
    this.#reads = createReads(this.#transport.request, (attempt, error, request) =>
      this.#retry(attempt, error, request),
    );
    const platform = options.platform ?? {};
    for (const off of [
      (platform.online ?? defaultOnline)?.((online) => {
        this.#online = online;
        if (online) {
          this.#attempt = 0;
          this.#wake?.();
          if (this.#known) this.#kick();
        }
      }),
      (platform.exit ?? defaultExit)?.(() => this.#exit()),
    ]) {
      if (off) this.#off.push(off);
    }
    const idb = persistence !== 'memory' && typeof indexedDB !== 'undefined';
    this.#ready = (async () => {
      // A persisted queue outlives the page, so it belongs to one tenant and its name says which: another
      // tenant's client on this origin (another token on the page, or the next page load) never opens it.
      // With only `getToken`, the tenant is the first token's `org_id`. Until it is known, tracked events
      // wait in memory, their promises pending: nothing is accepted that could then be lost or written to
      // another tenant's queue. A token without `org_id` leaves it unknown for good: the memory queue
      // (unless `storageName` names one).
      // Until the tenant is known, tracked events wait in memory, their promises pending: nothing is accepted
      // that could then be lost or written to another tenant's queue.
      const [org, name] = await resolveTenant(options, idb, () => this.#learn());
      this.#org = org;
      if (idb && name) storage.open(name);
      else if (idb ? !this.#closed : persistence === 'indexeddb') {
        this.#report(
          idb
            ? new AnalyticsError('No tenant (set `tenant`): events are kept in memory', 'tenant_unknown')
            : new AnalyticsError(
                'IndexedDB is not available: events are kept in memory',
                'storage_unavailable',
              ),
        );
      }
      this.#optedOut = await optedOut(storage.store, options.respectDoNotTrack);
      this.#known = true;
    })();
    // Deliver what earlier pages (or crashed tabs) left in the queue.
    this.#ready.then(() => this.#kick(), noop);
  }

  /** True once `optOut()` was called (or Do Not Track applies), until `optIn()`. */
  get optedOut(): boolean {
    return this.#optedOut;
  }

  /**
   * Queues one event. Fills in `event_id` (a UUIDv7) and `timestamp` now. Resolves once the event is durably
   * queued (written to IndexedDB, or to the memory queue where there is none), not when it is delivered: see
   * `flush()`. Rejects with `invalid_event` for an event the API would refuse, so it never spoils a batch.
   * Opted out, it resolves without queueing anything.
   */
  trackEvent(event: EventPayload): Promise<void> {
    return this.trackEvents([event]);
  }

  /** Queues several events together (all or none): they go out in the same batch where they fit. */
  trackEvents(events: EventPayload[]): Promise<void> {
    if (this.#closed) return Promise.reject(new AnalyticsError('The client is shut down', 'closed'));
    if (this.#optedOut) return Promise.resolve();
    const serialized: Serialized[] = [];
    try {
      for (const event of events) serialized.push(serialize(event));
    } catch (error) {
      return Promise.reject(error);
    }
    // A loop, not push(...): a large array would overflow the argument stack.
    for (const s of serialized) this.#pending.push(s);
    if (!this.#group) {
      let resolve = noop;
      let reject: (error: unknown) => void = noop;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#group = { promise, resolve, reject };
      // Everything tracked in this tick goes to storage in one write.
      queueMicrotask(() => this.#ready.then(() => this.#writePending(), noop));
    }
    return this.#group.promise;
  }

  /**
   * Resolves once every event queued before the call has been accepted by the API (waiting out offline
   * periods and backoffs meanwhile); rejects with the `AnalyticsApiError` if one of their batches was
   * rejected (it is kept aside: `rejectedBatches()`).
   */
  async flush(): Promise<void> {
    await this.#ready;
    this.#writePending();
    await this.#writing?.catch(noop);
    if (this.#closed) throw new AnalyticsError('The client is shut down', 'closed');
    return new Promise((resolve, reject) => {
      this.#waiters.push({ mark: uuidv7(), resolve, reject });
      this.#kick();
    });
  }

  /**
   * Flushes (for at most `timeout` ms, default 5000), then stops timers and listeners. Rejects with `timeout`
   * when events remain undelivered: persisted ones go out from the next page; memory ones are lost.
   */
  async shutdown({ timeout = 5000 }: { timeout?: number } = {}): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.flush(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new AnalyticsError(`Events still undelivered after ${timeout} ms`, 'timeout')),
            timeout,
          );
        }),
      ]);
    } finally {
      const closed = new AnalyticsError('The client is shut down', 'closed');
      clearTimeout(timer);
      clearTimeout(this.#timer);
      this.#closed = true;
      for (const off of this.#off) off();
      this.#wake?.();
      // Events still waiting for the tenant were never accepted: say so rather than keep them nowhere.
      if (!this.#known) {
        this.#group?.reject(closed);
        this.#group = undefined;
      }
      for (const w of this.#waiters) w.reject(closed);
      this.#waiters = [];
    }
  }

  /** Stops tracking, persistently, and deletes the queued events. */
  async optOut(): Promise<void> {
    await this.#ready;
    this.#optedOut = true;
    this.#pending = [];
    this.#loose.clear();
    this.#looseEvents = 0;
    this.#held = undefined;
    await saveConsent(this.#store, 'out');
  }

  /** Resumes tracking, persistently (and overrides Do Not Track). */
  async optIn(): Promise<void> {
    await this.#ready;
    this.#optedOut = false;
    await saveConsent(this.#store, 'in');
  }

  /** Batches the API refused (a 4xx other than 401), oldest first. */
  async rejectedBatches(): Promise<RejectedBatch[]> {
    await this.#ready;
    return (await this.#store(rejected)).map(([key, r]) => ({
      id: key.slice(2),
      idempotencyKey: r.k,
      events: r.e.map((json) => JSON.parse(json) as EventPayload),
      problem: r.p,
    }));
  }

  async discardRejectedBatches(): Promise<void> {
    await this.#ready;
    return this.#store((kv) => clear(kv, ['x/']));
  }

  /** One page of `GET /api/v1/events`. */
  getEventsPage(filters?: EventFilters, options?: RequestOptions & { cursor?: string }): Promise<EventsPage> {
    return this.#reads.getEventsPage(filters, options);
  }

  /** Every event matching `filters`, newest first, fetching page after page as the loop asks for more. */
  getEvents(filters?: EventFilters, options?: RequestOptions): AsyncGenerator<AnalyticsEvent> {
    return this.#reads.getEvents(filters, options);
  }

  getMetricsSummary(params?: MetricsParams, options?: RequestOptions): Promise<MetricsSummary> {
    return this.#reads.getMetricsSummary(params, options);
  }

  getEventTypes(options?: RequestOptions): Promise<EventTypeCount[]> {
    return this.#reads.getEventTypes(options);
  }

  #report(error: AnalyticsError): void {
    try {
      (this.options.onError ?? console.warn)(error);
    } catch {
      // The host's handler must not break delivery.
    }
  }

  /** Writes the events tracked so far as new chunks (split at the batch limits), synchronously choosing their ids. */
  #writePending(): void {
    const group = this.#group;
    const events = this.#pending;
    if (!group) return;
    this.#group = undefined;
    this.#pending = [];
    if (this.#optedOut) {
      group.resolve();
      return;
    }
    const chunks: [string, Chunk][] = [];
    let cur: Chunk | undefined;
    // The tenant goes into each stored event that does not name its own org: a batch is sent as it was
    // tracked, whoever's token sends it, and the server refuses (403) an org_id that is not the token's.
    const stamp = this.#org && `,"org_id":${JSON.stringify(this.#org)}}`;
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
    for (const [id, chunk] of chunks) {
      this.#loose.set(id, chunk);
      this.#looseEvents += chunk.e.length;
    }
    // Forget the oldest first: they stay in storage for the delivery loop or the next page.
    for (const id of this.#loose.keys()) {
      if (this.#looseEvents <= LOOSE_KEPT) break;
      this.#unloose(id);
    }
    this.#writing = this.#store((kv) => enqueue(kv, chunks, this.options.maxQueueSize ?? 10_000)).then(
      (dropped) => {
        if (dropped)
          this.#report(
            counted(`Queue full: dropped the ${dropped} oldest events`, 'queue_overflow', dropped),
          );
        group.resolve();
        this.#unflushed += events.length;
        if (this.#unflushed >= (this.options.flushAt ?? 20)) this.#kick();
        else this.#timer ??= setTimeout(() => this.#kick(), this.options.flushInterval ?? 1000);
      },
      group.reject,
    );
  }

  #unloose(id: string): void {
    this.#looseEvents -= this.#loose.get(id)?.e.length ?? 0;
    this.#loose.delete(id);
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unflushed = 0;
    this.#again = true;
    this.#horizon = uuidv7();
    this.#draining ??= this.#drain()
      .catch((error: unknown) =>
        this.#report(
          error instanceof AnalyticsError
            ? error
            : new AnalyticsError('Queue storage failed', 'storage_unavailable', error),
        ),
      )
      .finally(() => {
        this.#draining = undefined;
        // A kick that arrived while the loop was finishing.
        if (this.#again && !this.#closed) this.#kick();
      });
  }

  /** The one delivery loop of this client: until the queue is empty, form the oldest batch and send it. */
  async #drain(): Promise<void> {
    while (this.#again && !this.#closed) {
      this.#again = false;
      for (;;) {
        if (!this.#online) await this.#sleep();
        if (this.#closed) return;
        const delay = await this.#lock(async () => {
          const horizon = this.#horizon;
          const { batch, consumed } = await this.#store((kv) => next(kv, horizon));
          for (const id of consumed) this.#unloose(id);
          // Sending goes oldest first, so a flush is done once the oldest batch left is younger than it
          // (judged only by a step that looked that far: a flush may have come after this one began).
          this.#waiters = this.#waiters.filter((w) => {
            if (w.mark > horizon || (batch && batch.id <= w.mark)) return true;
            if (w.error) w.reject(w.error);
            else w.resolve();
            return false;
          });
          return batch && this.#send(batch);
        });
        if (delay === undefined) break;
        if (delay > 0) await this.#sleep(delay);
      }
    }
  }

  /**
   * Sends one batch; returns the delay before the next attempt (0: done with it). `formed` is the page-exit
   * path's pending write of the batch, which must land before the batch can be settled.
   */
  async #send(batch: Batch, keepalive?: boolean, formed?: Promise<boolean>): Promise<number> {
    this.#held = undefined;
    try {
      await this.#transport.request<IngestResponse>('/api/v1/events', {
        body: body(batch.e),
        key: batch.k,
        keepalive,
      });
      if (!formed || (await formed)) await this.#store((kv) => settle(kv, batch));
      this.#attempt = 0;
      return 0;
    } catch (error) {
      if (refused(error)) {
        // The batch itself is refused: keep it aside, tell the host and whoever flushes, go on with the rest.
        if (!formed || (await formed)) {
          const dropped = await this.#store((kv) => settle(kv, batch, error.problem));
          if (dropped)
            this.#report(counted(`Dropped ${dropped} oldest rejected events`, 'queue_overflow', dropped));
        }
        error.count = batch.e.length;
        for (const w of this.#waiters) if (batch.id <= w.mark) w.error ??= error;
        this.#report(error);
        return 0;
      }
      if (keepalive) return 0;
      // Network errors and timeouts are what offline looks like; API errors are worth knowing about.
      if (error instanceof AnalyticsApiError && error.status !== 409) this.#report(error);
      this.#held = batch;
      // Deliveries are retried until they pass.
      return this.#retry(this.#attempt++, error, 'delivery') as number;
    }
  }

  #retry(attempt: number, error: unknown, request: RetryRequest): number | false {
    return retryDelay(attempt, error, request, this.options.retry, this.options.platform?.random);
  }

  /** Waits `ms`, or without it until woken; going online and `shutdown()` wake it early. */
  #sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** The first token `getToken` gives, asked again (backing off, waiting out offline) until one comes. */
  async #learn(): Promise<string | undefined> {
    for (let attempt = 0, error: unknown; !this.#closed; ) {
      if (this.#online) {
        try {
          return await this.#transport.auth();
        } catch (e) {
          // The token endpoint is unreachable or failed: as with a send, try again later.
          error = e;
        }
      }
      await this.#sleep(this.#online ? (this.#retry(attempt++, error, 'delivery') as number) : undefined);
    }
  }

  /**
   * Page exit: send what this page knows without waiting for storage (`fetch` with `keepalive`, within the
   * browser's 64 KiB budget). Its loose chunks become one batch under a new key, persisted in the same order
   * as the write, so a resend from the next page replays rather than duplicates. What does not fit stays queued.
   */
  #exit(): void {
    if (this.#closed || !this.#known || this.#optedOut) return;
    this.#writePending();
    const held = this.#held;
    // The held batch's body is in flight too, within the same keepalive budget.
    const spent = held ? ENVELOPE + held.b : 0;
    if (held) this.#send(held, true).catch(noop);
    const ids: string[] = [];
    const events: string[] = [];
    let bytes = 0;
    for (const [id, chunk] of this.#loose) {
      if (!fits(events.length + chunk.e.length, spent + bytes + chunk.b)) break;
      ids.push(id);
      events.push(...chunk.e);
      bytes += chunk.b;
    }
    if (!ids[0]) return;
    for (const id of ids) this.#unloose(id);
    const batch: Batch = { id: ids[0], k: uuidv7(), e: events, b: bytes };
    const formed = this.#store((kv) => adopt(kv, ids, batch.k)).catch(() => false);
    this.#send(batch, true, formed).catch(noop);
  }
}

function counted(message: string, code: string, count: number): AnalyticsError {
  const error = new AnalyticsError(message, code);
  error.count = count;
  return error;
}
