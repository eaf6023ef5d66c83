/**
 * What both script tags share: finding their own `<script>` element, reading its data attributes, and the
 * tracking client with its `window.AcmeAnalytics` API. Imports only the SDK core, so `tracker.js` (which is
 * this module and `tracker.ts`) carries no Lit and no element.
 *
 * - `data-base-url`: the API's address. Default: where the script was served from, up to its `/sdk/`
 *   segment, so an API mounted under a path prefix of the site (`https://shop.example/stats/sdk/tracker.js`
 *   → `https://shop.example/stats`) needs no attribute.
 * - `data-api-key`: a publishable ingest key (`pk_…`, made with `POST /api/v1/keys` or `npm run key`): it
 *   may only send events, for its org, from the origins it lists. A static write-only token works too.
 * - `data-org`: the org the page tracks for (the SDK's `tenant`): names the persisted queue and is stamped
 *   on events. Optional: a `pk_` key carries no readable org (its queue is named after a digest of the key),
 *   and its events go to the key's org anyway.
 * - `data-token-url` (`analytics.js` only): the host application's endpoint for short-lived tokens
 *   (same-origin). `tracker.js` leaves it out with its token fetcher: a tracking-only page sends with a
 *   publishable key, which is safe to publish.
 * - `data-auto-pageview`: track `page_view` on load and on every SPA navigation.
 * - `data-cookieless`: store no visitor id (the API derives visitors and sessions itself).
 */
import { AnalyticsClient, type EventPayload, type JsonObject, trackPageViews } from '@acme/analytics-sdk';

/** `window.AcmeAnalytics` as `tracker.js` sets it up. */
export interface AcmeTrackerGlobal {
  /** The client that tracks (with `data-api-key`, else `data-token-url`'s tokens). */
  readonly client: AnalyticsClient;
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
    /** Set by `tracker.js`, or by `analytics.js` with more (`AcmeAnalyticsGlobal`). */
    AcmeAnalytics?: AcmeTrackerGlobal;
  }
}

/** A tag's configuration, read once from its data attributes. */
export interface TagConfig {
  baseUrl: string;
  apiKey?: string;
  org?: string;
  tokenUrl?: string;
  autoPageview: boolean;
  cookieless: boolean;
}

/** A boolean data attribute: present means on, unless it says `false`. */
const flag = (value: string | undefined): boolean => value !== undefined && value !== 'false';

/** The API's address when the tag does not say: the script's URL up to its `/sdk/` path segment. */
export function baseUrlOf(src: string | undefined, page: string): string {
  if (!src) return new URL(page).origin;
  const url = new URL(src, page);
  const at = url.pathname.lastIndexOf('/sdk/');
  return url.origin + (at > 0 ? url.pathname.slice(0, at) : '');
}

export function readTag(): TagConfig {
  // Classic scripts know their element; modules and scripts run later do not: find the tag by its attributes.
  const current = document.currentScript;
  const script =
    current instanceof HTMLScriptElement
      ? current
      : document.querySelector<HTMLScriptElement>(
          'script[data-base-url],script[data-api-key],script[data-token-url]',
        );
  const data = script?.dataset ?? {};
  return {
    baseUrl: data.baseUrl || baseUrlOf(script?.src, location.href),
    apiKey: data.apiKey || undefined,
    org: data.org,
    tokenUrl: data.tokenUrl || undefined,
    autoPageview: flag(data.autoPageview),
    cookieless: flag(data.cookieless),
  };
}

/**
 * The tracking client (persisted queue) for a tag, with page views when asked, and its global API. Without
 * an ingest key it sends with `getToken`'s tokens.
 */
export function startTracker(tag: TagConfig, getToken?: () => Promise<string>): AcmeTrackerGlobal {
  const client = new AnalyticsClient({
    baseUrl: tag.baseUrl,
    apiKey: tag.apiKey,
    getToken: tag.apiKey ? undefined : getToken,
    tenant: tag.org,
    cookieless: tag.cookieless,
  });
  if (tag.autoPageview) trackPageViews(client);
  return {
    client,
    track: (event, properties) =>
      client.trackEvent(typeof event === 'string' ? { event_type: event, properties } : event),
    flush: () => client.flush(),
    identify: (userId, traits) => client.identify(userId, traits),
    reset: () => client.reset(),
    register: (properties) => client.register(properties),
  };
}
