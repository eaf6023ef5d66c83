/**
 * The `Idempotency-Key` protocol around one write, whatever the write is. The store keeps the records
 * (`claimIdempotencyKey`, and the completed record written in the write's own transaction); this module
 * decides what a request with a key gets:
 *
 * - no key: the write runs, nothing is remembered;
 * - a key nobody holds: it is claimed, the write runs and completes it; if the write fails the claim is
 *   released, so a retry with the same key can proceed;
 * - a key held by a request still in flight: 409 `idempotency_key_in_use`;
 * - a key completed with the same body: the first response, exactly as sent (`replayed`);
 * - a key completed with another body: 422 `idempotency_key_reused`.
 *
 * Keys are scoped to the org: another org's record is never seen, let alone replayed.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../lib/errors.js';
import type { EventStore, IdempotencyRecord, StoredResponse } from '../store/types.js';

/** The part of a store the protocol uses. */
export type IdempotencyStore = Pick<EventStore, 'claimIdempotencyKey' | 'releaseIdempotencyKey'>;

export interface IdempotentRequest {
  orgId: string;
  /** The `Idempotency-Key` header, when the client sent one. */
  key: string | undefined;
  /** The request body exactly as received: "the same body" means the same bytes, as a retry sends them. */
  body: string;
  /** Now, epoch milliseconds. */
  now: number;
}

/** Either what the write returned, or the first response to replay instead of writing again. */
export type IdempotentOutcome<T> =
  | { replayed: false; value: T }
  | { replayed: true; response: StoredResponse };

/**
 * Runs `write` at most once per org and key. `write` receives the record it must complete in the same
 * transaction as its own changes (`undefined` when the request has no key); a response it does not
 * complete is never replayed.
 */
export async function idempotent<T>(
  store: IdempotencyStore,
  request: IdempotentRequest,
  write: (record: IdempotencyRecord | undefined) => Promise<T>,
): Promise<IdempotentOutcome<T>> {
  const { orgId, key } = request;
  if (key === undefined) return { replayed: false, value: await write(undefined) };

  const requestHash = createHash('sha256').update(request.body).digest('hex');
  const claim = await store.claimIdempotencyKey({ orgId, key, requestHash, now: request.now });
  if (claim.state === 'in_flight') {
    throw new ApiError(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still being processed; retry after it completes.',
    );
  }
  if (claim.state === 'completed') {
    if (!claim.sameRequest) {
      throw new ApiError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different body; use a new key for a new batch.',
      );
    }
    return { replayed: true, response: claim.response };
  }

  try {
    return { replayed: false, value: await write({ key, requestHash }) };
  } catch (err) {
    await store.releaseIdempotencyKey(orgId, key);
    throw err;
  }
}
