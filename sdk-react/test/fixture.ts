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

declare module 'vitest' {
  export interface ProvidedContext {
    fixture: Fixture;
  }
}
