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

/**
 * A 422 naming each user id and properties object that holds NUL or an unpaired surrogate, or undefined.
 * `properties` are the events' properties as JSON text, in the same order as `userIds`.
 */
export function unstorableText(
  userIds: readonly (string | null)[],
  properties: readonly string[],
): ApiError | undefined {
  const errors: FieldError[] = [];
  for (let i = 0; i < userIds.length; i++) {
    const user = userIds[i];
    if (user !== null && user !== undefined && BAD_TEXT.test(user)) {
      errors.push({
        path: `/events/${i}/user_id`,
        message: 'must not contain NUL or unpaired surrogates',
      });
    }
    if (BAD_JSON.test(properties[i]!)) {
      errors.push({
        path: `/events/${i}/properties`,
        message: 'strings must not contain NUL (\\u0000) or unpaired surrogates',
      });
    }
  }
  return errors.length > 0
    ? new ApiError('validation_failed', 'Some events cannot be stored; see `errors`.', { errors })
    : undefined;
}
