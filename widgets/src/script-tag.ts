/**
 * The drop-in bundle: `<script src=".../analytics.js" data-base-url="…" data-api-key="…"></script>`.
 * Registers every element, makes the page's default client from its own tag's data attributes, and
 * exposes `window.AcmeAnalytics`. No inline script or eval is needed, so it runs under a strict CSP.
 *
 * - `data-base-url`: the API's origin (default: the origin the script was served from).
 * - `data-api-key`: a publishable ingest key (`pk_…`, made with `POST /api/v1/keys` or `npm run key`): it
 *   may only send events, for its org, from the origins it lists. A static write-only token works too.
 * - `data-org`: the org the page tracks for (the SDK's `tenant`): names the persisted queue and is stamped
 *   on events. Optional: a `pk_` key carries no readable org (its queue is named after a digest of the key),
 *   and its events go to the key's org anyway.
 * - `data-token-url`: the host application's endpoint for short-lived read tokens (same-origin).
 * - `data-auto-pageview`: track `page_view` on load and on every SPA navigation.
 * - `data-cookieless`: store no visitor id (the API derives visitors and sessions itself).
 */
import {
  AnalyticsClient,
  createTokenFetcher,
  type EventPayload,
  type JsonObject,
  trackPageViews,
} from '@acme/analytics-sdk';
import { defineElements, setDefaultClient } from './index.js';

export interface AcmeAnalyticsGlobal {
  /** The client that tracks (with `data-api-key`). */
  readonly client: AnalyticsClient;
  /** The client the components on this page fall back to: `client`, or one using `data-token-url`. */
  readonly reader: AnalyticsClient;
  /** Queues an event: `track('signup', { plan: 'pro' })` or `track({ event_type: 'signup', … })`. */
  track(event: string | EventPayload, properties?: JsonObject): Promise<void>;
  /** Sends what is queued now (say, before navigating away). */
  flush(): Promise<void>;
  /** Names the signed-in user: `identify('u_42', { plan: 'pro' })` (see the SDK's `identify()`). */
  identify(userId: string, traits?: JsonObject): Promise<void>;
  /** Sign-out: a new anonymous visitor and session. */
  reset(): Promise<void>;
  /** Properties merged into every later event, persisted: `register({ app: 'shop' })`. */
  register(properties: JsonObject): Promise<void>;
}

declare global {
  interface Window {
    AcmeAnalytics?: AcmeAnalyticsGlobal;
  }
}

function ownScript(): HTMLScriptElement | null {
  if (document.currentScript instanceof HTMLScriptElement) return document.currentScript;
  // Modules and scripts run later have no currentScript: find the tag by its configuration.
  return document.querySelector('script[data-base-url],script[data-api-key],script[data-token-url]');
}

function start(): AcmeAnalyticsGlobal {
  const script = ownScript();
  const data = script?.dataset ?? {};
  const baseUrl = data.baseUrl || (script?.src ? new URL(script.src, location.href).origin : location.origin);
  const getToken = data.tokenUrl ? createTokenFetcher(data.tokenUrl) : undefined;
  // Tracking goes out with the ingest key (or, without one, the token URL's tokens) and a persisted queue.
  const tracker = new AnalyticsClient({
    baseUrl,
    apiKey: data.apiKey || undefined,
    getToken: data.apiKey ? undefined : getToken,
    tenant: data.org,
    cookieless: data.cookieless !== undefined && data.cookieless !== 'false',
  });
  // With both, the components read through a second client with the short-lived tokens, kept in memory so
  // it never drains the tracker's queue with read credentials.
  const reader =
    data.apiKey && getToken ? new AnalyticsClient({ baseUrl, getToken, persistence: 'memory' }) : tracker;
  setDefaultClient(reader);
  defineElements();
  if (data.autoPageview !== undefined && data.autoPageview !== 'false') trackPageViews(tracker);
  return {
    client: tracker,
    reader,
    track: (event, properties) =>
      tracker.trackEvent(typeof event === 'string' ? { event_type: event, properties } : event),
    flush: () => tracker.flush(),
    identify: (userId, traits) => tracker.identify(userId, traits),
    reset: () => tracker.reset(),
    register: (properties) => tracker.register(properties),
  };
}

// A second copy of the bundle on the page keeps the first one's client.
window.AcmeAnalytics ??= start();
