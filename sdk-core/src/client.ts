import { optedOut, saveConsent } from './consent.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { AnalyticsError } from './errors.js';
import { serialize } from './event.js';
import { createIdentity, type Identity } from './identity.js';
import type { AnalyticsClientOptions, RejectedBatch, RequestOptions } from './options.js';
import { clear, rejected } from './queue.js';
import { createRead, pages, type Read } from './reads.js';
import { retryPolicy } from './retry.js';
import { createStorage, type Store } from './storage.js';
import { resolveTenant } from './tenant.js';
import { createTransport } from './transport.js';
import type {
  AnalyticsEvent,
  EventFilters,
  EventPayload,
  EventsPage,
  EventTypeCount,
  JsonObject,
  JsonValue,
  MetricsParams,
  MetricsSummary,
} from './types.js';

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
  /** Delivery: the queue's chunks and batches, the send loop, the page-exit send. */
  #d: Dispatcher;
  /** @internal The reads' transport, shared with the insights entry (`@acme/analytics-sdk/insights`). */
  readonly _r: Read;
  #store: Store;
  /** The visitor: ids, session, super properties, and what goes out (sampling, `beforeSend`). */
  #id: Identity;
  /** Tenant resolved, queue opened, consent read. */
  #ready: Promise<void>;
  #stop!: () => void;

  constructor(options: AnalyticsClientOptions) {
    this.options = options;
    const { persistence, platform = {} } = options;
    const report = (error: AnalyticsError): void => {
      try {
        (options.onError ?? console.warn)(error);
      } catch {
        // The host's handler must not break delivery.
      }
    };
    const transport = createTransport(options);
    const retry = retryPolicy(options.retry, platform.random);
    const storage = createStorage(report, platform);
    const d = createDispatcher(options, storage, transport.request, retry, report);
    this.#d = d;
    this._r = createRead(transport.request, retry);
    this.#store = storage.store;
    const id = createIdentity(options, storage.store);
    this.#id = id;
    const idb = persistence !== 'memory' && typeof indexedDB !== 'undefined';
    this.#ready = Promise.race([
      (async () => {
        // Until the tenant is known, tracked events wait in memory, their promises pending: nothing is accepted
        // that could then be lost or written to another tenant's queue.
        const [org, name] = await resolveTenant(options, idb, () => d.retrying(transport.auth));
        if (idb && name) storage.open(name);
        else if (idb ? !d.closed : persistence === 'indexeddb') {
          report(
            idb
              ? new AnalyticsError('No tenant (set `tenant`): memory queue', 'tenant_unknown')
              : new AnalyticsError('No IndexedDB: memory queue', 'storage_unavailable'),
          );
        }
        d.optedOut = await optedOut(storage.store, options.respectDoNotTrack);
        await id.load(d.optedOut);
        d.start(org);
        id.loaded = true;
      })(),
      // Shutting down before the tenant is known ends the wait too: what waits then finds the client closed.
      new Promise<void>((resolve) => {
        this.#stop = resolve;
      }),
    ]);
  }

  /** True once `optOut()` was called (or Do Not Track applies), until `optIn()`. */
  get optedOut(): boolean {
    return this.#d.optedOut;
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
    if (!this.#id.loaded) {
      // The visitor's record is not read yet: the events wait for it, with the time they were tracked.
      const timestamp = new Date().toISOString();
      events = events.map((e) => ({ timestamp, ...e }));
    }
    return this.#when(async () => {
      // Opted out, the visitor is stamped in memory only (nothing is written) and the dispatcher drops it all.
      const out = this.#id.prepare(events);
      const lost = events.length - out.length;
      // Sampled out (all of them) or dropped by beforeSend: never queued, so never given a seq; counted apart,
      // and written even when nothing else is (a sampled-out page load's count reaches a later one's batch).
      if (lost) {
        this.#d.lose(this.#id.visitor.r < (this.options.sampleRate ?? 1) ? 'before_send' : 'sampled', lost);
      }
      return this.#d.track(out);
    });
  }

  /**
   * Names the user (sign-in): tracks `$identify` with the user id and the anonymous id, which links the
   * visitor's earlier events to the user, then stamps `user_id` on every later event, persistently. The same
   * user again, without traits, tracks nothing.
   */
  identify(userId: string, traits?: JsonObject): Promise<void> {
    return this.#when(async () => {
      const event: EventPayload = { event_type: '$identify', user_id: userId, properties: traits };
      // An invalid user id fails here, before it is kept and would spoil every later event.
      serialize(event);
      const kept =
        userId === this.#id.visitor.u
          ? undefined
          : this.#id.change((v) => {
              v.u = userId;
            });
      if (kept || traits) await this.trackEvents([event]);
      await kept;
    });
  }

  /** Sign-out: forgets the user and the super properties; a new anonymous id and a new session follow. */
  reset(): Promise<void> {
    return this.#when(() => this.#id.renew());
  }

  /** Super properties: merged into the properties of every later event (the event's own win), persisted. */
  register(properties: JsonObject): Promise<void> {
    return this.#when(() =>
      this.#id.change((v) => {
        v.p = { ...v.p, ...properties };
      }),
    );
  }

  /** Removes a super property. */
  unregister(key: string): Promise<void> {
    // An undefined value is left out of every event's JSON.
    return this.register({ [key]: undefined as unknown as JsonValue });
  }

  /** Runs `fn` once the visitor's record is read: at once (same tick, so order is kept) when it is. */
  #when(fn: () => Promise<void>): Promise<void> {
    return this.#id.loaded ? fn() : this.#ready.then(fn);
  }

  /**
   * Resolves once every event queued before the call has been accepted by the API (waiting out offline
   * periods and backoffs meanwhile); rejects with the `AnalyticsApiError` if one of their batches was
   * rejected (it is kept aside: `rejectedBatches()`).
   */
  async flush(): Promise<void> {
    await this.#ready;
    return this.#d.flush();
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
            () => reject(new AnalyticsError(`Events undelivered after ${timeout} ms`, 'timeout')),
            timeout,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#d.close(new AnalyticsError('Client shut down', 'closed'));
      this.#stop();
    }
  }

  /** Stops tracking, persistently, and deletes the queued events and the visitor's record (its ids). */
  async optOut(): Promise<void> {
    await this.#ready;
    this.#d.optedOut = true;
    this.#d.drop();
    await this.#id.renew(false);
    await saveConsent(this.#store, 'out');
  }

  /** Resumes tracking, persistently (and overrides Do Not Track). */
  async optIn(): Promise<void> {
    await this.#ready;
    this.#d.optedOut = false;
    await saveConsent(this.#store, 'in');
    await this.#id.renew(true);
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
    return this.#store((tx) => clear(tx, ['x/']));
  }

  /** One page of `GET /api/v1/events`. */
  getEventsPage(filters?: EventFilters, options?: RequestOptions & { cursor?: string }): Promise<EventsPage> {
    return this._r('/api/v1/events', { ...filters, cursor: options?.cursor }, options);
  }

  /** Every event matching `filters`, newest first, fetching page after page as the loop asks for more. */
  getEvents(filters?: EventFilters, options?: RequestOptions): AsyncGenerator<AnalyticsEvent> {
    return pages((cursor) => this._r('/api/v1/events', { ...filters, cursor }, options));
  }

  getMetricsSummary(params?: MetricsParams, options?: RequestOptions): Promise<MetricsSummary> {
    return this._r('/api/v1/metrics/summary', params, options);
  }

  async getEventTypes(options?: RequestOptions): Promise<EventTypeCount[]> {
    return (await this._r<{ data: EventTypeCount[] }>('/api/v1/event-types', {}, options)).data;
  }
}
