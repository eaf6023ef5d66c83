import type { StoredEvent } from '../types.js';

/** One events row as the PostgreSQL reads select it (`EVENT_COLUMNS`). */
export interface EventRow {
  ts: number;
  event_id: string;
  event_type: string;
  user_id: string | null;
  received_at: number;
  schema_version: number;
  properties: StoredEvent['properties'];
  anonymous_id: string | null;
  session_id: string | null;
  visitor_id: string | null;
  context: StoredEvent['context'];
  path: string | null;
  referrer_host: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  browser: string | null;
  os: string | null;
  device: StoredEvent['device'];
  country: string | null;
  is_bot: boolean;
}

/** The row of the events page and the export made into a `StoredEvent`. */
export function toStoredEvent(orgId: string, r: EventRow): StoredEvent {
  return {
    orgId,
    eventId: r.event_id,
    eventType: r.event_type,
    userId: r.user_id,
    ts: r.ts,
    receivedAt: r.received_at,
    schemaVersion: r.schema_version,
    properties: r.properties,
    anonymousId: r.anonymous_id,
    sessionId: r.session_id,
    visitorId: r.visitor_id,
    context: r.context,
    path: r.path,
    referrerHost: r.referrer_host,
    utmSource: r.utm_source,
    utmMedium: r.utm_medium,
    utmCampaign: r.utm_campaign,
    browser: r.browser,
    os: r.os,
    device: r.device,
    country: r.country,
    isBot: r.is_bot,
  };
}
