import type { AnalyticsClient } from '@acme/analytics-sdk';
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** What every store of the SDK core has: it fetches by itself and lets go of its requests on `dispose()`. */
export interface Disposable {
  dispose(): void;
}

export interface StoreOptions<S extends Disposable, P> {
  /** The client in effect; read during every update (no client, no store). */
  client: () => AnalyticsClient | undefined;
  /**
   * The params the store is keyed by (none for a store of the client alone): plain data, compared by
   * value, so a fresh but equal object keeps the store.
   */
  params?: () => P;
  create: (client: AnalyticsClient, params: P) => S;
  /** Told after the store was replaced (or dropped), to reset state that belonged to the old one. */
  onChange?: (store: S | undefined) => void;
}

/**
 * Owns one of the core's stores for an element: makes it when the element first updates, makes a new one
 * when the client or the params change, and disposes of it on disconnect (a reconnected element makes a
 * new one). The element reads the store's signals in `render()`; `SignalWatcher` re-renders it when they
 * change, so the controller itself never needs to request an update.
 *
 * Not a `@lit/task` `Task`, which it is modelled on: a store is made synchronously and then loads, pages
 * and caches by itself, so a `Task` would hand it over one render late, wrap its loading and error
 * signals in a second status, and never dispose of it (a completed `Task` keeps its value through new
 * args and disconnects, where an undisposed store keeps its request and its cache entry alive).
 */
export class StoreController<S extends Disposable, P = undefined> implements ReactiveController {
  #options: StoreOptions<S, P>;
  #store?: S;
  #client?: AnalyticsClient;
  #key = '';

  constructor(host: ReactiveControllerHost, options: StoreOptions<S, P>) {
    this.#options = options;
    host.addController(this);
  }

  /** The store for the current client and params; undefined without a client. */
  get value(): S | undefined {
    return this.#store;
  }

  /** Runs after the host's `willUpdate()` and before its render, so the render reads the right store. */
  hostUpdate(): void {
    const { client: clientOf, params: paramsOf, create, onChange } = this.#options;
    const client = clientOf();
    const params = paramsOf?.() as P;
    const key = JSON.stringify(params) ?? '';
    if (this.#store && client === this.#client && key === this.#key) return;
    if (!this.#store && !client && !this.#client) return;
    this.#store?.dispose();
    this.#store = client ? create(client, params) : undefined;
    this.#client = client;
    this.#key = key;
    onChange?.(this.#store);
  }

  hostDisconnected(): void {
    this.#store?.dispose();
    this.#store = this.#client = undefined;
  }
}
