import { PLACEHOLDER } from './delivery.js';
import { AnalyticsError } from './errors.js';
import { byteLength, fits } from './queue.js';
import type { EventPayload } from './types.js';
import { uuidv7 } from './uuid.js';

/** A tracked event ready to store: its JSON, its bytes (as `Chunk.b` counts them), whether it names its own org. */
export type Serialized = [json: string, bytes: number, ownOrg: boolean];

const EVENT_TYPE = /^[\w.:$-]{1,128}$/;
const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/**
 * Fills in id and time and checks the event against the API's rules, so an event the API would refuse fails
 * its own `trackEvent` call (`invalid_event`) instead of spoiling a batch.
 */
export function serialize(event: EventPayload): Serialized {
  const fail = (why: string): never => {
    throw new AnalyticsError(`Invalid event: ${why}`, 'invalid_event');
  };
  const { event_type, event_id, user_id, timestamp, properties: p, schema_version, context: c } = event ?? {};
  if (typeof event_type !== 'string' || !EVENT_TYPE.test(event_type)) {
    // The rule itself says it best, and it is in the bundle already. (Messages are terse: each is bytes on
    // every page, and the field with its rule is what a developer needs.)
    fail(`event_type ${EVENT_TYPE}`);
  }
  if (event_id !== undefined && !UUID.test(event_id)) fail('event_id: UUID');
  if (user_id !== undefined && !(typeof user_id === 'string' && user_id && user_id.length < 256)) {
    fail('user_id: 1-255 characters');
  }
  if (c !== undefined && !(c && typeof c === 'object')) fail('context: object');
  if (timestamp !== undefined && Number.isNaN(Date.parse(timestamp))) fail('timestamp: RFC 3339');
  if (p !== undefined && (typeof p !== 'object' || !p || Array.isArray(p))) fail('properties: object');
  if (schema_version !== undefined && !(Number.isInteger(schema_version) && schema_version > 0)) {
    fail('schema_version: integer > 0');
  }
  // `context` first, its `delivery` first in it and its placeholder as long as any seq: the write gives the seq
  // by replacing a known prefix of the text (`queue.add`). An application's own `delivery` is overwritten.
  const ctx = { delivery: '', ...c };
  ctx.delivery = PLACEHOLDER;
  // Appending the filled-in fields to the text costs less than copying the object (trackEvent's hot path).
  let json = JSON.stringify(Object.assign({ context: ctx }, event, { context: ctx }));
  if (event_id === undefined) json = json.slice(0, -1) + `,"event_id":"${uuidv7()}"}`;
  if (timestamp === undefined) json = json.slice(0, -1) + `,"timestamp":"${new Date().toISOString()}"}`;
  const bytes = byteLength(json);
  if (bytes > 32768 && p && byteLength(JSON.stringify(p)) > 32769) fail('properties > 32 KiB');
  // The whole event within 4 KiB has its context within 4 KiB too: most events skip the second stringify.
  if (bytes > 4096 && byteLength(JSON.stringify(ctx)) > 4097) fail('context > 4 KiB');
  if (!fits(1, bytes)) fail('event > 64 KiB');
  return [json, bytes, event.org_id !== undefined];
}
