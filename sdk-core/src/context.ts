import { win } from './platform.js';
import type { EventContext } from './types.js';

/** Kept equal to package.json's version by a test (importing the JSON would put all of it in the bundle). */
export const VERSION = '0.1.0';
export const LIBRARY = '@acme/analytics-sdk';

/**
 * Strings are cut to 150 characters: the API refuses a `context` over 4 KiB, and eight fields of 150
 * characters (three bytes each at worst) stay well within it, so a long title never costs the event.
 */
const UTM = /^utm_(source|medium|campaign|term|content)$/;
const cut = (s: string | null | undefined): string | undefined => s?.slice(0, 150) || undefined;

/**
 * Where the event happens, read fresh for each call (an SPA changes path and title without a reload): the
 * page, the UTM parameters of its URL, screen, locale and this library. Only what is set; without `window`
 * (server rendering, workers, Node) only the library.
 */
export function pageContext(): EventContext {
  const ctx: EventContext = { library: { name: LIBRARY, version: VERSION } };
  const w = win();
  if (w) {
    const { location, document, screen, navigator } = w;
    ctx.page = { path: cut(location.pathname), title: cut(document.title), referrer: cut(document.referrer) };
    const utm: Record<string, string | undefined> = {};
    for (const [key, value] of new URLSearchParams(location.search)) {
      if (UTM.test(key)) {
        utm[key.slice(4)] = cut(value);
        ctx.utm = utm;
      }
    }
    ctx.screen = { width: screen.width, height: screen.height };
    ctx.locale = cut(navigator.language);
  }
  return ctx;
}
