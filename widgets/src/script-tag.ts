/**
 * `analytics.js`, the drop-in bundle: `<script src=".../sdk/analytics.js" data-api-key="…"></script>`.
 * Tracks as `tracker.js` does (the same attributes, see `tag.ts`, and `data-token-url`), registers every element, and gives the
 * components a default client. No inline script or eval is needed, so it runs under a strict CSP.
 *
 * With both `data-api-key` and `data-token-url`, the components read through a second client with the
 * short-lived tokens, kept in memory so it never drains the tracker's queue with read credentials.
 */
import { AnalyticsClient, createTokenFetcher } from '@acme/analytics-sdk';
import { defineElements, setDefaultClient } from './index.js';
import { type AcmeTrackerGlobal, readTag, startTracker } from './tag.js';

export interface AcmeAnalyticsGlobal extends AcmeTrackerGlobal {
  /** The client the components on this page fall back to: `client`, or one using `data-token-url`. */
  readonly reader: AnalyticsClient;
}

function start(): AcmeAnalyticsGlobal {
  const tag = readTag();
  const getToken = tag.tokenUrl ? createTokenFetcher(tag.tokenUrl) : undefined;
  const tracking = startTracker(tag, getToken);
  const reader =
    tag.apiKey && getToken
      ? new AnalyticsClient({ baseUrl: tag.baseUrl, getToken, persistence: 'memory' })
      : tracking.client;
  setDefaultClient(reader);
  defineElements();
  return { ...tracking, reader };
}

// A second copy of the bundle on the page keeps the first one's client.
window.AcmeAnalytics ??= start();
