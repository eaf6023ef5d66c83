import { pageContext } from './context.js';
import type { AnalyticsClientOptions } from './options.js';
import { SESSION_TIMEOUT, type Session, touch } from './session.js';
import type { Store } from './storage.js';
import type { EventPayload, JsonObject } from './types.js';
import { uuidv7 } from './uuid.js';

/** The visitor's record, beside the queue under this key (so it is per tenant, and opting out deletes it). */
export const VISITOR = 'v';

/** The visitor as persisted: one record that every tab of the origin reads and writes. */
export interface Visitor extends Session {
  /** The anonymous id; absent when cookieless. */
  a?: string;
  /** The user id given to `identify()`. */
  u?: string;
  /** Super properties (`register()`), absent until one is registered. */
  p?: JsonObject;
  /** The visitor's sampling draw in [0, 1): drawn once, so a visitor is kept or dropped as a whole. */
  r: number;
}

/**
 * Who and when each event is: anonymous id, user id, session and super properties, kept in memory and
 * persisted with the queue; and the last say (`sampleRate`, `beforeSend`) over what goes out.
 */
export interface Identity {
  /** Set by the client once the record is read and delivery started: events are stamped synchronously. */
  loaded: boolean;
  /** Empty until loaded. */
  readonly visitor: Visitor;
  /** Reads (or makes) the record; opted out, deletes it instead and keeps a new one in memory only. */
  load(optedOut: boolean): Promise<void>;
  /** The events as they go out, stamped and enriched; sampled out or dropped by `beforeSend`, not there. */
  prepare(events: EventPayload[]): EventPayload[];
  /** Applies `change` to the record and persists it. */
  change(change: (visitor: Visitor) => void): Promise<void>;
  /**
   * A new visitor (a new anonymous id, no user, no session, no super properties; the sampling draw kept):
   * on sign-out (no argument), opting out (`false`: nothing is written until opting in) and opting in (`true`:
   * persisted from now, unless cookieless; nothing changes when tracking was not off).
   */
  renew(on?: boolean): Promise<void>;
}

/** How long a session's last-event time may go unpersisted: a reload resumes the session within this. */
const SAVE_EVERY = 10_000;

export function createIdentity(options: AnalyticsClientOptions, store: Store): Identity {
  const { cookieless, beforeSend, sampleRate, sessionTimeoutMs = SESSION_TIMEOUT, platform = {} } = options;
  const now = platform.now ?? Date.now;
  const fresh = (r = Math.random()): Visitor => ({
    a: cookieless ? undefined : uuidv7(),
    t: 0,
    r,
    v: uuidv7(),
  });
  let visitor = {} as Visitor;
  /** Nothing is written: cookieless, or opted out. */
  let off = true;
  let savedAt = 0;

  /** Writes the record, first taking another tab's newer one (and the later of the two last-event times). */
  const save = async (): Promise<void> => {
    savedAt = now();
    if (!off) {
      await store(async (tx) => {
        const had = await tx.get<Visitor>(VISITOR);
        if (off) return;
        const t = Math.max(had?.t ?? 0, visitor.t);
        if (had && had.v > visitor.v) visitor = had;
        visitor.t = t;
        tx.put(VISITOR, visitor);
      });
    }
  };

  const self: Identity = {
    loaded: false,

    get visitor() {
      return visitor;
    },

    async load(optedOut) {
      off = !!cookieless || optedOut;
      visitor = fresh();
      if (!cookieless) {
        await store(async (tx) => {
          const had = await tx.get<Visitor>(VISITOR);
          if (off) tx.del(VISITOR);
          else if (had) visitor = had;
          else tx.put(VISITOR, visitor);
        });
      }
    },

    prepare(events) {
      // The draw is below 1, so without a rate every visitor is kept.
      if (visitor.r >= (sampleRate ?? 1)) return [];
      const context = pageContext();
      const t = now();
      const started = !cookieless && touch(visitor, t, sessionTimeoutMs, context.utm?.campaign);
      if (started || t - savedAt >= SAVE_EVERY) save().catch(() => {});
      const out: EventPayload[] = [];
      const { a, u, s, p } = visitor;
      for (const e of events) {
        // Each event its own copy where beforeSend may change it.
        const own = beforeSend ? pageContext() : context;
        // The visitor's fields first, the event's own after (V8 copies `{ ...e }` fast only at the end).
        let event: EventPayload | null = { user_id: u, anonymous_id: a, session_id: s, context: own, ...e };
        if (e.context) event.context = { ...own, ...e.context };
        if (p) event.properties = { ...p, ...e.properties };
        if (beforeSend) event = beforeSend(event);
        if (event) out.push(event);
      }
      return out;
    },

    change(fn) {
      fn(visitor);
      visitor.v = uuidv7();
      return save();
    },

    async renew(on) {
      if (on) {
        if (!off || cookieless) return;
        off = false;
      } else if (on === false) off = true;
      visitor = fresh(visitor.r);
      await save();
    },
  };
  return self;
}
