import { uuidv7 } from './uuid.js';

/** 30 minutes without an event end a session, as the API's own sessions (and most analytics tools') do. */
export const SESSION_TIMEOUT = 30 * 60_000;

/** A session as persisted with the visitor: its id, its last event's time (ms), the campaign it came with. */
export interface Session {
  s?: string;
  t: number;
  c?: string;
  /**
   * The record's version: a UUIDv7 made at every change but a session's last-event time, so the newest record
   * wins between tabs (a sign-out or a new session in one tab reaches the others at their next write).
   */
  v: string;
}

/**
 * Counts an event at `now` towards the session, first starting a new one when there is none, when `timeout`
 * ms passed since its last event, or when the page brings a UTM campaign other than the session's (a new
 * visit from an ad is a new session even within 30 minutes). Returns whether it started one.
 */
export function touch(session: Session, now: number, timeout: number, campaign?: string): boolean {
  const fresh = !session.s || now - session.t >= timeout || (!!campaign && campaign !== session.c);
  if (fresh) {
    session.s = session.v = uuidv7();
    session.c = campaign;
  }
  session.t = now;
  return fresh;
}
