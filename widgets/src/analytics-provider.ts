import { AnalyticsClient, createTokenFetcher } from '@acme/analytics-sdk';
import { ContextProvider } from '@lit/context';
import { html, LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { analyticsProviderStyles } from './analytics-provider.styles.js';
import { clientContext } from './context.js';

/**
 * Provides one analytics client to every component inside it. A page may hold several providers, one
 * per tenant; each component reads from the nearest one above it.
 *
 * Read tokens do not belong in public pages: give `token-url` (an endpoint of the host application's
 * own backend, fetched same-origin with credentials) and the client fetches short-lived tokens from it
 * and refreshes them before they expire. `api-key` suits a write-only ingest key.
 *
 * @tagname analytics-provider
 * @slot - The components that read from this provider's client.
 */
export class AnalyticsProvider extends LitElement {
  static override styles = analyticsProviderStyles;

  /** The API's origin, e.g. `https://analytics.example.com`. Defaults to the page's origin. */
  @property({ attribute: 'base-url', reflect: true })
  baseUrl?: string;

  /** A static bearer token (typically a write-only ingest key). */
  @property({ attribute: 'api-key' })
  apiKey?: string;

  /** The host application's endpoint that hands out short-lived read tokens. */
  @property({ attribute: 'token-url', reflect: true })
  tokenUrl?: string;

  /** A ready-made client to provide instead of one made from the attributes. */
  @property({ attribute: false })
  client?: AnalyticsClient;

  // The controller itself: the `@provide` decorator would add its own code to the size-limited script tag.
  #context = new ContextProvider(this, { context: clientContext });

  #own?: AnalyticsClient;

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('baseUrl') || changed.has('apiKey') || changed.has('tokenUrl')) {
      // Stop the replaced client's timers and listeners; it only ever read, so there is nothing to flush.
      void this.#own?.shutdown({ timeout: 0 }).catch(() => {});
      this.#own = undefined;
    }
    if (this.client) {
      this.#context.setValue(this.client);
      return;
    }
    this.#own ??= new AnalyticsClient({
      baseUrl: this.baseUrl || location.origin,
      apiKey: this.apiKey || undefined,
      getToken: this.tokenUrl ? createTokenFetcher(this.tokenUrl) : undefined,
      // A provider's client only reads, so it keeps no persisted queue. Persisted queues are per tenant
      // (named by the base URL and the tenant), so a persisted reader of the tenant the page tracks for
      // would open the tracker's queue and, as every client does on start, send what earlier pages left
      // in it, with its read token: the API refuses that (403, no `events:write`) and the events would be
      // set aside as rejected instead of delivered.
      persistence: 'memory',
    });
    this.#context.setValue(this.#own);
  }

  override render() {
    return html`<slot></slot>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'analytics-provider': AnalyticsProvider;
  }
}
