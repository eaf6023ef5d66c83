// What the global setup hands the test files, apart from the setup itself: the test files import this
// module, never global-setup.ts, which would pull the API server into the DOM environment.
import type {} from 'vitest';

export interface Fixture {
  url: string;
  /** Events of org A: PAGE_VIEWS page views and SIGNUPS sign-ups, newest first by index. */
  orgA: string;
  orgB: string;
  /** An org nothing is seeded into, for tests that write. */
  orgW: string;
  tokens: {
    /** Every scope, org A. */
    a: string;
    /** Every scope, org B. */
    b: string;
    /** Every scope, org W. */
    w: string;
    /** Org A with `events:write` only: reads answer 403. */
    writeOnly: string;
  };
}

export const PAGE_VIEWS = 30;
export const SIGNUPS = 15;

/**
 * Org A's events as the setup stores them, one a minute, index 0 the newest (a minute before `now`), so all
 * fall in the default 30-day metrics window. Tests work their expected answers out from this too.
 */
export const orgAEvents = (now: number) =>
  Array.from({ length: PAGE_VIEWS + SIGNUPS }, (_, i) => ({
    event_type: i % 3 === 2 ? 'signup' : 'page_view',
    user_id: `user_${i % 7}`,
    timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    properties: { index: i },
  }));

declare module 'vitest' {
  export interface ProvidedContext {
    fixture: Fixture;
  }
}
