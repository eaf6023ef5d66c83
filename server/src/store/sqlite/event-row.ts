import { formatUuid } from '../../lib/ids.js';
import type { StoredEvent } from '../types.js';

/**
 * One events row as the SQLite reads select it (the column order of the events page and export queries:
 * ts, event_id, type, user, received_at, schema_version, properties, then the visitor columns) made into a
 * `StoredEvent`. The page query selects the type's dictionary id and names it here; the export already
 * joins the name in.
 */
export function toStoredEvent(orgId: string, r: unknown[], eventType = r[2] as string): StoredEvent {
  const text = (v: unknown) => (v as string | null) ?? null;
  return {
    orgId,
    ts: r[0] as number,
    eventId: formatUuid(r[1] as Buffer),
    eventType,
    userId: text(r[3]),
    receivedAt: r[4] as number,
    schemaVersion: r[5] as number,
    properties: JSON.parse(r[6] as string) as StoredEvent['properties'],
    anonymousId: text(r[7]),
    sessionId: text(r[8]),
    visitorId: text(r[9]),
    context: r[10] === null ? null : (JSON.parse(r[10] as string) as StoredEvent['context']),
    path: text(r[11]),
    referrerHost: text(r[12]),
    utmSource: text(r[13]),
    utmMedium: text(r[14]),
    utmCampaign: text(r[15]),
    browser: text(r[16]),
    os: text(r[17]),
    device: text(r[18]) as StoredEvent['device'],
    country: text(r[19]),
    isBot: r[20] === 1,
  };
}
