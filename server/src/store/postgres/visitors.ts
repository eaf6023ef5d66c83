/**
 * The visitor side of the PostgreSQL write path: the event columns the visitors migration added, bound as
 * arrays, and the sessions of events that came without one (`../sessions.ts`), read from
 * `visitor_last_session` under a lock per visitor so two replicas never start two sessions for one visit.
 */
import type { PoolClient } from 'pg';
import { assignSessions, type LastSession, type SessionInput, type SessionState } from '../sessions.js';
import { unstorableText } from '../shared.js';
import type { NewEvent } from '../types.js';

type Queryable = Pick<PoolClient, 'query'>;

/** One event with its org (ingest: the batch's; bulk loads: its own). */
export type OrgEvent = NewEvent & { orgId: string };

/** Properties and context as JSON text, after checking that every store can keep the events. */
export function serialise(events: readonly NewEvent[]): {
  properties: string[];
  contexts: (string | null)[];
} {
  const properties = events.map((e) => e.propertiesJson ?? JSON.stringify(e.properties));
  const contexts = events.map((e) =>
    e.contextJson !== undefined ? e.contextJson : e.context ? JSON.stringify(e.context) : null,
  );
  const unstorable = unstorableText(
    events.map((e) => e.userId),
    properties,
    {
      anonymousIds: events.map((e) => e.anonymousId),
      sessionIds: events.map((e) => e.sessionId),
      contexts,
    },
  );
  if (unstorable) throw unstorable;
  return { properties, contexts };
}

/** The visitor a stored event gets: the given one, else its user, else its anonymous id. */
export function visitorOf(e: NewEvent): string | null {
  return e.visitorId ?? e.userId ?? e.anonymousId ?? null;
}

/** Session assignment's key: one visitor of one org. */
const key = (orgId: string, visitor: string) => `${orgId}\0${visitor}`;

/** The session inputs of a batch, keyed by org and visitor, with the events' own session ids. */
export function sessionInputs(events: readonly OrgEvent[]): SessionInput[] {
  return events.map((e) => {
    const visitor = visitorOf(e);
    return {
      eventId: e.eventId,
      ts: e.ts,
      visitorId: visitor === null ? null : key(e.orgId, visitor),
      sessionId: e.sessionId ?? null,
    };
  });
}

/**
 * Take the locks of the visitors whose events need a session (sorted, so two transactions take them in
 * the same order), read their latest events, and assign. Runs inside the caller's transaction; the locks
 * last until it ends.
 */
export async function assignWithLookup(
  client: Queryable,
  schema: string,
  inputs: SessionInput[],
): Promise<SessionState> {
  const keys = [...new Set(inputs.filter((i) => i.visitorId !== null).map((i) => i.visitorId!))].sort();
  const orgs = keys.map((k) => k.slice(0, k.indexOf('\0')));
  const visitors = keys.map((k) => k.slice(k.indexOf('\0') + 1));
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended($1 || o || chr(31) || v, 0))
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(o, v, n) ORDER BY n`,
    [`analytics:${schema}:visitor:`, orgs, visitors],
  );
  const { rows } = await client.query<{ o: string; v: string; session_id: string; last_ms: string }>(
    `SELECT l.org_id AS o, l.visitor_id AS v, l.session_id,
            greatest(l.last_ms, (SELECT max(s.end_ms) FROM sessions s
                                  WHERE s.org_id = l.org_id AND s.session_id = l.session_id)) AS last_ms
       FROM unnest($1::text[], $2::text[]) AS k(o, v)
       JOIN visitor_last_session l ON l.org_id = k.o AND l.visitor_id = k.v`,
    [orgs, visitors],
  );
  const stored = new Map<string, LastSession>(
    rows.map((r) => [key(r.o, r.v), { sessionId: r.session_id, lastTs: Number(r.last_ms) }]),
  );
  return assignSessions(inputs, (visitor) => stored.get(visitor));
}

/**
 * The parameters $9–$26 of the write statements: the visitor columns (with the assigned sessions) and the
 * visitors' newest events.
 */
export function visitorParams(
  events: readonly NewEvent[],
  inputs: readonly SessionInput[],
  contexts: readonly (string | null)[],
  moved: SessionState,
): unknown[] {
  const latest = [...moved];
  return [
    events.map((e) => e.anonymousId ?? null),
    inputs.map((i) => i.sessionId),
    events.map(visitorOf),
    contexts,
    events.map((e) => e.path ?? null),
    events.map((e) => e.referrerHost ?? null),
    events.map((e) => e.utmSource ?? null),
    events.map((e) => e.utmMedium ?? null),
    events.map((e) => e.utmCampaign ?? null),
    events.map((e) => e.browser ?? null),
    events.map((e) => e.os ?? null),
    events.map((e) => e.device ?? null),
    events.map((e) => e.country ?? null),
    events.map((e) => e.isBot === true),
    latest.map(([k]) => k.slice(0, k.indexOf('\0'))),
    latest.map(([k]) => k.slice(k.indexOf('\0') + 1)),
    latest.map(([, l]) => l.sessionId),
    latest.map(([, l]) => l.lastTs),
  ];
}
