import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventContext } from '../contract.js';
import { type PageContextInput, pageFields } from '../enrich/page.js';
import { parseUserAgent } from '../enrich/user-agent.js';
import type { JsonObject, SampleData } from '../store/types.js';
import { formatUuid, isUuid } from './ids.js';
import { DAY_MS, formatDay, parseDate, parseInstant } from './time.js';

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) → rows of objects keyed by the header. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}

/** A stable UUID (version 8, RFC 9562) for sample ids that are not UUIDs, so reseeding dedups them. */
function uuidFor(orgId: string, id: string): string {
  const b = createHash('sha256').update(`${orgId}\0${id}`).digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(b);
}

export interface RawSampleEvent {
  event_id?: string;
  org_id: string;
  user_id?: string | null;
  event_type: string;
  properties?: JsonObject | null;
  timestamp: string;
  /** The v1.1 fields an SDK sends. */
  anonymous_id?: string;
  session_id?: string;
  context?: EventContext;
  /** What the server would read from the request that sent the event: its User-Agent and IP's country. */
  user_agent?: string;
  country?: string;
}

/** Sample files as they are on disk, unshifted. */
export async function readSampleFiles(dir: string): Promise<{
  organizations: Record<string, string>[];
  users: Record<string, string>[];
  userOrgs: Record<string, string>[];
  events: RawSampleEvent[];
  metrics: Record<string, string>[];
}> {
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  const [orgs, users, userOrgs, events, metrics] = await Promise.all([
    read('organizations.csv'),
    read('users.csv'),
    read('user_orgs.csv'),
    read('events.ndjson'),
    read('metrics.csv'),
  ]);
  return {
    organizations: parseCsv(orgs),
    users: parseCsv(users),
    userOrgs: parseCsv(userOrgs),
    events: events
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as RawSampleEvent),
    metrics: parseCsv(metrics),
  };
}

/**
 * Read `sample_data/` and shift it in time so that the newest sample event happens at `now`: the "last 30
 * days" views never go empty as the calendar moves on. Event timestamps move by the exact difference; the
 * dated `metrics.csv` rows move by the same number of whole days (rounded), so they stay beside the events.
 */
export async function loadSample(dir: string, now: number): Promise<SampleData & { shiftMs: number }> {
  const raw = await readSampleFiles(dir);
  const parsed = raw.events.map((e, line) => {
    const ts = parseInstant(e.timestamp);
    if (ts === null) throw new Error(`events.ndjson line ${line + 1}: invalid timestamp "${e.timestamp}"`);
    return { e, ts };
  });
  const newest = parsed.reduce((m, p) => Math.max(m, p.ts), Number.NEGATIVE_INFINITY);
  const shiftMs = parsed.length > 0 ? now - newest : 0;
  const shiftDays = Math.round(shiftMs / DAY_MS);
  return {
    shiftMs,
    organizations: raw.organizations.map((o) => ({
      orgId: o.org_id ?? '',
      name: o.name ?? '',
      plan: o.plan ?? '',
      createdAt: o.created_at ?? '',
    })),
    users: raw.users.map((u) => ({
      userId: u.user_id ?? '',
      email: u.email ?? '',
      name: u.name ?? '',
      role: u.role ?? '',
      createdAt: u.created_at ?? '',
      updatedAt: u.updated_at ?? '',
    })),
    userOrgs: raw.userOrgs.map((m) => ({
      userId: m.user_id ?? '',
      orgId: m.org_id ?? '',
      role: m.role ?? '',
      joinedAt: m.joined_at ?? '',
    })),
    events: parsed.map(({ e, ts }) => {
      // The columns an API ingest derives, from the same inputs (the sample's request facts).
      const agent = e.user_agent === undefined ? undefined : parseUserAgent(e.user_agent);
      const properties = e.properties ?? {};
      const page = pageFields(e.context as PageContextInput | undefined, e.event_type, properties);
      return {
        orgId: e.org_id,
        eventId:
          e.event_id && isUuid(e.event_id)
            ? e.event_id.toLowerCase()
            : uuidFor(e.org_id, e.event_id ?? `${ts}`),
        eventType: e.event_type,
        userId: e.user_id ?? null,
        ts: ts + shiftMs,
        properties,
        schemaVersion: 1,
        anonymousId: e.anonymous_id ?? null,
        sessionId: e.session_id ?? null,
        context: e.context ?? null,
        ...page,
        browser: agent?.browser ?? null,
        os: agent?.os ?? null,
        device: agent?.device ?? null,
        isBot: agent?.isBot ?? false,
        country: e.country ?? null,
      };
    }),
    metrics: raw.metrics.map((m) => {
      const day = parseDate(m.date ?? '');
      if (day === null) throw new Error(`metrics.csv: invalid date "${m.date}"`);
      return {
        orgId: m.org_id ?? '',
        date: formatDay(day + shiftDays),
        name: m.metric_name ?? '',
        value: Number(m.value),
      };
    }),
  };
}
