import type { AnalyticsClient } from '@acme/analytics-sdk';
import { consume } from '@lit/context';
import { SignalWatcher } from '@lit-labs/preact-signals';
import { LitElement } from 'lit';
import { property, state } from 'lit/decorators.js';
import { clientContext, defaultClient } from './context.js';

/**
 * The base of every data component: renders inside a signals effect (so reading a store's signals is
 * enough to re-render on change) and resolves which client to read from.
 */
export class AnalyticsElement extends SignalWatcher(LitElement) {
  /**
   * The client to read from. When unset, the nearest `<analytics-provider>`'s client is used, then the
   * page default (the one the script tag configures).
   */
  @property({ attribute: false })
  client?: AnalyticsClient;

  /** @internal */
  @consume({ context: clientContext, subscribe: true })
  @state()
  protected _providedClient?: AnalyticsClient;

  /**
   * The client in effect. Read during an update, so a later default client re-renders the element.
   * @internal
   */
  protected get _client(): AnalyticsClient | undefined {
    return this.client ?? this._providedClient ?? defaultClient.value;
  }
}

/** Dispatches a bubbling, composed event, so listeners outside any shadow root hear it. */
export function emit<T>(target: EventTarget, type: string, detail?: T): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
