import { Type } from 'typebox';
import { DateOrInstant } from './common.js';

export const EVENT_TYPE_PATTERN = '^[A-Za-z0-9_.:$-]{1,128}$';
export const MAX_PROPERTIES_BYTES = 32 * 1024;
/** Deeper nesting is refused: serialising it (and every later read) would recurse that deep. */
export const MAX_PROPERTIES_DEPTH = 64;

export const EventIn = Type.Object(
  {
    event_type: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: EVENT_TYPE_PATTERN,
      description: '1–128 characters of `[A-Za-z0-9_.:$-]`',
      examples: ['page_view'],
    }),
    event_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Client-made UUID (UUIDv7 recommended); the server makes a UUIDv7 when absent',
      }),
    ),
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    timestamp: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'RFC 3339 with offset; default: receive time',
        examples: ['2024-05-01T12:00:00.000Z'],
      }),
    ),
    properties: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'JSON object, at most 32 KiB serialised and 64 levels deep',
      }),
    ),
    org_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "Must equal the token's" }),
    ),
    schema_version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: 1 })),
  },
  { additionalProperties: false },
);

export const IngestBody = Type.Object(
  { events: Type.Array(EventIn, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

export const IngestHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7E]+$',
      description: '1–255 printable ASCII characters; same key + same body within 24 h replays the response',
    }),
  ),
});

export const IngestAccepted = Type.Object(
  {
    accepted: Type.Integer({ description: 'Events newly stored' }),
    duplicates: Type.Integer({ description: 'Events whose `event_id` was already stored' }),
    event_ids: Type.Array(Type.String({ format: 'uuid' }), {
      description: 'Every event id, in request order',
    }),
  },
  { description: 'Accepted: the events are durably stored' },
);

export const EventOut = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  org_id: Type.String(),
  user_id: Type.Union([Type.String(), Type.Null()]),
  event_type: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  received_at: Type.String({ format: 'date-time' }),
  // Not a Record: its serialiser matches keys against `^.*$`, silently dropping keys with line breaks.
  // `Unsafe` keeps this JSON Schema and gives it the static type of the object it is.
  properties: Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true })),
  schema_version: Type.Integer(),
});

export const EventsQuery = Type.Object({
  org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
  user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  event_type: Type.Optional(
    Type.Array(Type.String({ pattern: EVENT_TYPE_PATTERN }), {
      maxItems: 50,
      description: 'Repeatable: any of these types',
    }),
  ),
  start_date: Type.Optional({ ...DateOrInstant, description: 'Inclusive: a date or an RFC 3339 instant' }),
  end_date: Type.Optional({
    ...DateOrInstant,
    description: 'A date includes that whole UTC day; an instant is exclusive',
  }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(
    Type.String({ maxLength: 128, description: 'Opaque `next_cursor` of the previous page (same filters)' }),
  ),
});

export const EventsPage = Type.Object({
  data: Type.Array(EventOut),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  has_more: Type.Boolean(),
});

export const EventTypesResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      event_type: Type.String(),
      count: Type.Integer(),
      last_seen: Type.String({ format: 'date-time' }),
    }),
  ),
});
