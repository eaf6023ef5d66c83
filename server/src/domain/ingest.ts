/**
 * Ingest of one batch, apart from HTTP: the checks the schema cannot express (timestamps, the nesting and
 * size of `properties`), ids and times filled in, then the store write under the idempotency protocol.
 * The route checks the token's org first and sends what this returns.
 */
import type { ClientReport, EventIn } from '../contract.js';
import { ApiError, type FieldError } from '../lib/errors.js';
import { uuidv7 } from '../lib/ids.js';
import { DEFAULT_TIMESTAMP_WINDOW, outsideWindow, parseInstant, type TimestampWindow } from '../lib/time.js';
import { MAX_PROPERTIES_BYTES, MAX_PROPERTIES_DEPTH } from '../schemas/events.js';
import { ingestResponseBody } from '../store/shared.js';
import type { EventStore, NewEvent } from '../store/types.js';
import { type DeliveryCounts, prepareClientReport } from './delivery.js';
import { idempotent } from './idempotency.js';
import { contextJson, enrichEvents, moreBracketsThan, type RequestFacts } from './visitors.js';

/** Whether a parsed JSON value nests objects or arrays deeper than `limit` (iterative: bombs cannot recurse). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The schema-valid events of a request as the store takes them: ids made where missing (UUIDv7 at the
 * receive time), timestamps defaulted to it, `properties` serialised once. Throws one 422 naming every
 * event field that is still invalid, so a batch is stored whole or not at all.
 */
export function prepareEvents(
  input: readonly EventIn[],
  receivedAt: number,
  window: TimestampWindow = DEFAULT_TIMESTAMP_WINDOW,
): NewEvent[] {
  const errors: FieldError[] = [];
  const batch = input.map((e, i): NewEvent => {
    let ts = receivedAt;
    if (e.timestamp !== undefined) {
      const parsed = parseInstant(e.timestamp);
      if (parsed === null) {
        errors.push({
          path: `/events/${i}/timestamp`,
          message: 'must be an RFC 3339 timestamp with an offset',
        });
      } else {
        const outside = outsideWindow(parsed, receivedAt, window);
        if (outside) errors.push({ path: `/events/${i}/timestamp`, message: outside });
        ts = parsed;
      }
    }
    const properties = e.properties ?? {};
    let propertiesJson = '';
    try {
      propertiesJson = JSON.stringify(properties);
    } catch {
      // Only nesting deep enough to exhaust the stack makes JSON.stringify throw on parsed JSON.
    }
    // Each level takes at least two characters and one opening bracket, so only long texts with many
    // brackets can be too deep; only those are walked.
    if (
      propertiesJson === '' ||
      (propertiesJson.length > 2 * MAX_PROPERTIES_DEPTH &&
        moreBracketsThan(propertiesJson, MAX_PROPERTIES_DEPTH) &&
        nestedDeeperThan(properties, MAX_PROPERTIES_DEPTH))
    ) {
      errors.push({
        path: `/events/${i}/properties`,
        message: `must be nested at most ${MAX_PROPERTIES_DEPTH} levels deep`,
      });
    } else if (
      // UTF-8 bytes are at most 4 per UTF-16 unit here, so only long texts need the exact count.
      propertiesJson.length > MAX_PROPERTIES_BYTES / 4 &&
      Buffer.byteLength(propertiesJson) > MAX_PROPERTIES_BYTES
    ) {
      errors.push({ path: `/events/${i}/properties`, message: 'must be at most 32 KiB when serialised' });
    }
    return {
      eventId: e.event_id?.toLowerCase() ?? uuidv7(receivedAt),
      eventType: e.event_type,
      userId: e.user_id ?? null,
      ts,
      properties,
      propertiesJson,
      schemaVersion: e.schema_version ?? 1,
      anonymousId: e.anonymous_id ?? null,
      sessionId: e.session_id ?? null,
      context: e.context ?? null,
      contextJson: contextJson(e.context, i, errors),
      // The fields enrichEvents sets, present from the start: objects that all have one shape keep the
      // property stores along the ingest path fast, where adding eleven fields later reshaped each object.
      visitorId: undefined,
      path: undefined,
      referrerHost: undefined,
      utmSource: undefined,
      utmMedium: undefined,
      utmCampaign: undefined,
      browser: undefined,
      os: undefined,
      device: undefined,
      country: undefined,
      isBot: undefined,
    };
  });
  if (errors.length > 0) {
    throw new ApiError('validation_failed', 'Some events are invalid; see `errors`.', { errors });
  }
  return batch;
}

export interface IngestRequest extends RequestFacts {
  orgId: string;
  events: readonly EventIn[];
  /** The batch's `client` report, when sent. */
  client?: ClientReport | undefined;
  receivedAt: number;
  /** The `Idempotency-Key` header, when sent. */
  idempotencyKey: string | undefined;
  /** The body exactly as received (what a repeated key is compared with). */
  rawBody: string;
  /** How far event timestamps may lie from `receivedAt` (default: 400 days before, 1 day after). */
  timestampWindow?: TimestampWindow;
}

/** What to answer: the status and JSON text (a replay: the first response's), and how many events are new. */
export interface IngestResponse {
  status: number;
  body: string;
  replayed: boolean;
  /** Events newly stored by this request (0 for a replay). */
  accepted: number;
  /** What the request added to the delivery bookkeeping (not for a replay). */
  delivery?: DeliveryCounts | undefined;
}

/** Validates, then stores the batch once per idempotency key; throws `ApiError`s for the client. */
export async function ingestBatch(
  store: Pick<EventStore, 'ingest' | 'claimIdempotencyKey' | 'releaseIdempotencyKey' | 'visitorSalt'>,
  request: IngestRequest,
): Promise<IngestResponse> {
  const { orgId, receivedAt } = request;
  const events = prepareEvents(request.events, receivedAt, request.timestampWindow);
  const client = request.client && prepareClientReport(request.client);
  await enrichEvents(store, orgId, events, request, receivedAt);
  const outcome = await idempotent(
    store,
    { orgId, key: request.idempotencyKey, body: request.rawBody, now: receivedAt },
    (idempotency) => store.ingest({ orgId, events, receivedAt, idempotency, ...(client && { client }) }),
  );
  if (outcome.replayed) return { ...outcome.response, replayed: true, accepted: 0 };
  const result = outcome.value;
  return {
    status: 202,
    body: ingestResponseBody(result),
    replayed: false,
    accepted: result.accepted,
    delivery: result.delivery,
  };
}
