import type { IngestAccepted } from '../contract.js';
import { ApiError, type FieldError } from '../lib/errors.js';
import type { IngestResult } from './types.js';

/**
 * The 202 body exactly as the API sends it. Both stores persist this text as the idempotency record, so a
 * replay is byte-for-byte the first response.
 */
export function ingestResponseBody(result: IngestResult): string {
  const body: IngestAccepted = {
    accepted: result.accepted,
    duplicates: result.duplicates,
    event_ids: result.eventIds,
  };
  return JSON.stringify(body);
}

/** Default lease of an in-flight idempotency claim: longer than any request may take. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;

// Text that some store cannot keep as sent: PostgreSQL text cannot hold U+0000, its jsonb rejects `\u0000`
// and unpaired surrogates, and SQLite's UTF-8 text cannot hold an unpaired surrogate in a user id (it would
// read back as U+FFFD). Both stores refuse the union, so an answer never depends on the store and any
// stored event can move from one store to the other (`migrate-store`).
const BAD_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// In JSON.stringify output, `\u0000` and `\ud8xx`…`\udfxx` escapes appear only for those characters (paired
// surrogates are written raw); an even run of backslashes before `u` means the backslash itself was escaped.
const BAD_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** The visitor fields of a batch's events, in the same order, for `unstorableText`. */
export interface VisitorTexts {
  anonymousIds: readonly (string | null | undefined)[];
  sessionIds: readonly (string | null | undefined)[];
  /** `context` as JSON text, or null. */
  contexts: readonly (string | null | undefined)[];
}

/**
 * A 422 naming each user id, anonymous id, session id, properties and context object that holds NUL or an
 * unpaired surrogate, or undefined. `properties` are the events' properties as JSON text, in the same order
 * as `userIds`.
 */
export function unstorableText(
  userIds: readonly (string | null)[],
  properties: readonly string[],
  visitor?: VisitorTexts,
): ApiError | undefined {
  const errors: FieldError[] = [];
  const text = (value: string | null | undefined, i: number, field: string) => {
    if (value !== null && value !== undefined && BAD_TEXT.test(value)) {
      errors.push({ path: `/events/${i}/${field}`, message: 'must not contain NUL or unpaired surrogates' });
    }
  };
  const json = (value: string | null | undefined, i: number, field: string) => {
    // Both characters are written as `\u` escapes, so text without one needs no regular expression.
    if (value?.includes('\\u') && BAD_JSON.test(value)) {
      errors.push({
        path: `/events/${i}/${field}`,
        message: 'strings must not contain NUL (\\u0000) or unpaired surrogates',
      });
    }
  };
  for (let i = 0; i < userIds.length; i++) {
    text(userIds[i], i, 'user_id');
    if (visitor) {
      text(visitor.anonymousIds[i], i, 'anonymous_id');
      text(visitor.sessionIds[i], i, 'session_id');
    }
    json(properties[i], i, 'properties');
    if (visitor) json(visitor.contexts[i], i, 'context');
  }
  return errors.length > 0
    ? new ApiError('validation_failed', 'Some events cannot be stored; see `errors`.', { errors })
    : undefined;
}
