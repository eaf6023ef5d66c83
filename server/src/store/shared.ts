import type { IngestResult } from './types.js';

/**
 * The 202 body exactly as the API sends it. Both stores persist this text as the idempotency record, so a
 * replay is byte-for-byte the first response.
 */
export function ingestResponseBody(result: IngestResult): string {
  return JSON.stringify({
    accepted: result.accepted,
    duplicates: result.duplicates,
    event_ids: result.eventIds,
  });
}

/** Default lease of an in-flight idempotency claim: longer than any request may take. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;
