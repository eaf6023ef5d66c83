import type { AnalyticsClient } from '@acme/analytics-sdk';
import { ContextConsumer } from '@lit/context';
import { property } from 'lit/decorators.js';
import { clientContext, defaultClient } from './context.js';
import { WidgetElement } from './widget-element.js';

/**
 * The base of every data component: a `WidgetElement` (locale, theme, rendering inside a signals effect,
 * so reading a store's signals is enough to re-render on change) that resolves which client to read from.
 */
export class AnalyticsElement extends WidgetElement {
  /**
   * The client to read from. When unset, the nearest `<analytics-provider>`'s client is used, then the
   * page default (the one the script tag configures).
   */
  @property({ attribute: false })
  client?: AnalyticsClient;

  // The controller itself: the `@consume` decorator would add its own code to the size-limited script tag.
  #provided = new ContextConsumer(this, { context: clientContext, subscribe: true });

  /**
   * The client in effect. Read during an update, so a later default client re-renders the element.
   * @internal
   */
  protected get _client(): AnalyticsClient | undefined {
    return this.client ?? this.#provided.value ?? defaultClient.value;
  }
}

/** Dispatches a bubbling, composed event, so listeners outside any shadow root hear it. */
export function emit<T>(target: EventTarget, type: string, detail?: T): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
