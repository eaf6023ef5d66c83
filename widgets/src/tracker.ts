/**
 * `tracker.js`, the tracking-only script tag for sites that collect and show nothing:
 * `<script src=".../sdk/tracker.js" data-api-key="pk_…" data-auto-pageview defer></script>`.
 * The SDK core and the tag's attributes (see `tag.ts`), no Lit and no element; `window.AcmeAnalytics` has
 * the same tracking API as `analytics.js`, so a site can switch between the two without changing its calls.
 */
import { readTag, startTracker } from './tag.js';

// A second copy of a tag on the page keeps the first one's client.
window.AcmeAnalytics ??= startTracker(readTag());
