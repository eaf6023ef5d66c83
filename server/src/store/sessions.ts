/**
 * Sessions and identity links as both stores compute them, so both give the same answers: which session an
 * event without a session id joins, what a batch adds to each session, how a session's change moves its
 * share of the daily rollup, and which `$identify` events link an anonymous id to a user.
 */
import { DAY_MS } from '../lib/time.js';

/** An event less than this far from its visitor's previous event continues that event's session. */
export const SESSION_GAP_MS = 30 * 60_000;

export const IDENTIFY_EVENT = '$identify';
export const PAGE_VIEW_EVENT = 'page_view';

/** A visitor's latest event: its time and session. */
export interface LastSession {
  sessionId: string;
  lastTs: number;
}

/** What session assignment reads and writes of an event. */
export interface SessionInput {
  eventId: string;
  ts: number;
  visitorId: string | null;
  sessionId: string | null;
}

/** Visitors' latest events as a batch leaves them, keyed by visitor id. */
export type SessionState = Map<string, LastSession>;

/**
 * The id of a session the server makes: its first event's id, so both stores (and a replayed batch) make
 * the same id for the same event, and no two sessions share one.
 */
export function serverSessionId(eventId: string): string {
  return `s:${eventId}`;
}

/**
 * Gives every event that has a visitor but no session id the session of the visitor's previous event when
 * that is less than 30 minutes away (either way: a late event still joins), else a new session. Events are
 * taken in time order (ties in batch order), and every event, with or without its own session id, becomes
 * its visitor's latest when it is the newest seen. `previous` answers for visitors the batch has not seen yet
 * (the stored state). Sets `sessionId` in place and returns the visitors' new latest events (only those the
 * batch moved).
 */
export function assignSessions(
  events: SessionInput[],
  previous: (visitorId: string) => LastSession | undefined,
): SessionState {
  const order = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.visitorId !== null)
    .sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
  const state: SessionState = new Map();
  const moved: SessionState = new Map();
  for (const { e } of order) {
    const visitor = e.visitorId!;
    let last = state.get(visitor);
    if (last === undefined && !state.has(visitor)) {
      last = previous(visitor);
      if (last) state.set(visitor, last);
    }
    if (e.sessionId === null) {
      e.sessionId =
        last && Math.abs(e.ts - last.lastTs) < SESSION_GAP_MS ? last.sessionId : serverSessionId(e.eventId);
    }
    if (!last || e.ts >= last.lastTs) {
      const next = { sessionId: e.sessionId, lastTs: e.ts };
      state.set(visitor, next);
      moved.set(visitor, next);
    }
  }
  return moved;
}

/** Whether any event of the batch needs a session from the stored state. */
export function needsSessionLookup(events: readonly SessionInput[]): boolean {
  return events.some((e) => e.sessionId === null && e.visitorId !== null);
}

/** What a batch's newly stored events add to one session (one bot flag). */
export interface SessionDelta {
  sessionId: string;
  isBot: boolean;
  visitorId: string | null;
  startTs: number;
  endTs: number;
  events: number;
  pageviews: number;
  /** The earliest page view (time, then the smaller path; null paths first): the session's entry. */
  entryTs: number | null;
  entryPath: string | null;
}

export interface SessionEvent {
  sessionId: string | null;
  isBot: boolean;
  ts: number;
  eventType: string;
  path: string | null;
  visitorId: string | null;
}

/** `a` before `b` in code point order (UTF-8 byte order), as SQLite's BINARY and PostgreSQL's "C" compare. */
export function textBefore(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y;
    if (x > 0xffff) i++;
  }
  return a.length < b.length;
}

/** Whether a page view at (`ts`, `path`) is an earlier entry than (`entryTs`, `entryPath`). */
export function entryBefore(
  ts: number,
  path: string | null,
  entryTs: number | null,
  entryPath: string | null,
): boolean {
  if (entryTs === null) return true;
  if (ts !== entryTs) return ts < entryTs;
  return textBefore(path ?? '', entryPath ?? '');
}

/** The batch's events aggregated per (session, bot flag), in key order (the order rows are locked in). */
export function sessionDeltas(events: Iterable<SessionEvent>): SessionDelta[] {
  const out = new Map<string, SessionDelta>();
  for (const e of events) {
    if (e.sessionId === null) continue;
    const key = `${e.isBot ? 1 : 0}\0${e.sessionId}`;
    let d = out.get(key);
    if (!d) {
      d = {
        sessionId: e.sessionId,
        isBot: e.isBot,
        visitorId: e.visitorId,
        startTs: e.ts,
        endTs: e.ts,
        events: 0,
        pageviews: 0,
        entryTs: null,
        entryPath: null,
      };
      out.set(key, d);
    }
    d.events++;
    if (e.ts < d.startTs) {
      d.startTs = e.ts;
      d.visitorId = e.visitorId;
    }
    if (e.ts > d.endTs) d.endTs = e.ts;
    if (e.eventType === PAGE_VIEW_EVENT) {
      d.pageviews++;
      if (entryBefore(e.ts, e.path, d.entryTs, d.entryPath)) {
        d.entryTs = e.ts;
        d.entryPath = e.path;
      }
    }
  }
  return [...out.values()].sort((a, b) =>
    a.sessionId === b.sessionId
      ? Number(a.isBot) - Number(b.isBot)
      : textBefore(a.sessionId, b.sessionId)
        ? -1
        : 1,
  );
}

/** A session row after an upsert, with the row before it (`prev*` null: the row is new). */
export interface UpsertedSession {
  isBot: boolean;
  startTs: number;
  endTs: number;
  events: number;
  pageviews: number;
  prevStartTs: number | null;
  prevEndTs: number | null;
  prevEvents: number | null;
  prevPageviews: number | null;
}

/** A change of one UTC day's session rollup (`daily_sessions`). */
export interface DailySessionDelta {
  day: number;
  isBot: boolean;
  sessions: number;
  bounces: number;
  durationMs: number;
  pageviews: number;
}

/**
 * How a set of session upserts moves `daily_sessions`: each session counts on the UTC day it starts, so its
 * old share leaves the old start day and its new share enters the new one. Returns the non-zero changes in
 * key order. With `unitMs` an hour, the same for the hourly rollup (`day` then numbers hours).
 */
export function dailySessionDeltas(
  rows: Iterable<UpsertedSession>,
  unitMs: number = DAY_MS,
): DailySessionDelta[] {
  const out = new Map<string, DailySessionDelta>();
  const add = (
    isBot: boolean,
    start: number,
    end: number,
    events: number,
    pageviews: number,
    sign: 1 | -1,
  ) => {
    const day = Math.floor(start / unitMs);
    const key = `${day}\0${isBot ? 1 : 0}`;
    let d = out.get(key);
    if (!d) {
      d = { day, isBot, sessions: 0, bounces: 0, durationMs: 0, pageviews: 0 };
      out.set(key, d);
    }
    d.sessions += sign;
    d.bounces += sign * (events === 1 && pageviews === 1 ? 1 : 0);
    d.durationMs += sign * (end - start);
    d.pageviews += sign * pageviews;
  };
  for (const r of rows) {
    if (r.prevStartTs !== null) {
      add(r.isBot, r.prevStartTs, r.prevEndTs!, r.prevEvents!, r.prevPageviews!, -1);
    }
    add(r.isBot, r.startTs, r.endTs, r.events, r.pageviews, 1);
  }
  return [...out.values()]
    .filter((d) => d.sessions !== 0 || d.bounces !== 0 || d.durationMs !== 0 || d.pageviews !== 0)
    .sort((a, b) => a.day - b.day || Number(a.isBot) - Number(b.isBot));
}

export interface IdentifyEvent {
  eventType: string;
  userId: string | null;
  anonymousId?: string | null | undefined;
  ts: number;
}

/**
 * The links a batch's newly stored `$identify` events make: anonymous id → user id, the earliest event
 * (then batch order) first for each anonymous id. The store keeps the first link of an anonymous id ever
 * made; a link from an id to itself is none.
 */
export function identityLinks(
  events: readonly IdentifyEvent[],
): { anonymousId: string; userId: string; ts: number }[] {
  const candidates = events
    .map((e, i) => ({ e, i }))
    .filter(
      ({ e }) =>
        e.eventType === IDENTIFY_EVENT &&
        e.userId !== null &&
        e.anonymousId !== null &&
        e.anonymousId !== undefined &&
        e.anonymousId !== e.userId,
    )
    .sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
  const out = new Map<string, { anonymousId: string; userId: string; ts: number }>();
  for (const { e } of candidates) {
    if (!out.has(e.anonymousId!))
      out.set(e.anonymousId!, { anonymousId: e.anonymousId!, userId: e.userId!, ts: e.ts });
  }
  return [...out.values()];
}
