import type { AnalyticsClient } from './client.js';
import { win } from './platform.js';

/**
 * Tracks `page_view` (`path`, `title`, `referrer`) now and on every SPA navigation: `history.pushState`,
 * `replaceState` (only when the URL changes) and `popstate`. The referrer of an in-app navigation is the
 * previous URL. Returns a function that stops it and restores `history`. A no-op without `window`.
 */
export function trackPageViews(client: AnalyticsClient, options: { window?: Window } = {}): () => void {
  const w = options.window ?? win();
  if (!w) return () => {};
  const { history, location, document } = w;
  let last: string | undefined;
  let referrer = document.referrer;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const track = (): void => {
    const path = location.pathname + location.search;
    if (path === last) return;
    last = path;
    client
      .trackEvent({ event_type: 'page_view', properties: { path, title: document.title, referrer } })
      .catch(() => {
        // Opted out after a shutdown, or similar: a page view is not worth breaking the page for.
      });
    referrer = location.href;
  };
  // Routers set the new title after changing the URL: read it once they are done.
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(track, 0);
  };
  const { pushState, replaceState } = history;
  const patched = <F extends History['pushState']>(original: F): F =>
    function (this: History, ...args: Parameters<F>) {
      original.apply(this, args);
      later();
    } as F;
  const push = patched(pushState);
  const replace = patched(replaceState);
  history.pushState = push;
  history.replaceState = replace;
  w.addEventListener('popstate', later);
  track();
  return () => {
    clearTimeout(timer);
    // Someone may have wrapped history after us; then leave their wrapper in place.
    if (history.pushState === push) history.pushState = pushState;
    if (history.replaceState === replace) history.replaceState = replaceState;
    w.removeEventListener('popstate', later);
  };
}
