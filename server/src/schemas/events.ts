import { type Static, Type } from 'typebox';
import { DateOrInstant } from './common.js';
import { ClientReport, InstallId, Seq } from './delivery.js';

export const EVENT_TYPE_PATTERN = '^[A-Za-z0-9_.:$-]{1,128}$';
export const MAX_PROPERTIES_BYTES = 32 * 1024;
/** Deeper nesting is refused: serialising it (and every later read) would recurse that deep. */
export const MAX_PROPERTIES_DEPTH = 64;

/** `context` may take at most this many bytes as JSON (UTF-8). */
export const MAX_CONTEXT_BYTES = 4 * 1024;

const text = (description?: string) => Type.Optional(Type.String(description ? { description } : {}));

/**
 * What the SDK knows about where an event happened (the contract's `context`). Only what is set is sent;
 * other keys are allowed (they count towards the 4 KiB), so a newer SDK never gets a 422 from this server.
 * The server reads `page` and `utm` (path, referrer host and campaign columns) and keeps the whole object.
 */
export const EventContext = Type.Object(
  {
    page: Type.Optional(
      Type.Object(
        {
          path: text('Path of the page, with or without its query string'),
          title: text(),
          referrer: text('`document.referrer`'),
          url: text('Full URL of the page'),
        },
        { additionalProperties: true },
      ),
    ),
    utm: Type.Optional(
      Type.Object(
        { source: text(), medium: text(), campaign: text(), term: text(), content: text() },
        { additionalProperties: true, description: 'UTM parameters of the landing page' },
      ),
    ),
    screen: Type.Optional(
      Type.Object(
        {
          width: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
          height: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
        },
        { additionalProperties: true },
      ),
    ),
    locale: text('BCP 47 language tag, e.g. `de-DE`'),
    library: Type.Optional(Type.Object({ name: text(), version: text() }, { additionalProperties: true })),
    delivery: Type.Optional(
      Type.Object(
        {
          install_id: InstallId,
          seq: { ...Seq, description: "The event's number in its install: 1, 2, 3, … never reused" },
        },
        {
          additionalProperties: true,
          description:
            'Delivery completeness (`GET /api/v1/delivery`): the SDK install that queued the event, and its seq',
        },
      ),
    ),
  },
  {
    additionalProperties: true,
    description:
      'Where the event happened. At most 4 KiB as JSON; its strings must not contain NUL or unpaired surrogates.',
    examples: [
      {
        page: {
          path: '/pricing',
          title: 'Pricing',
          referrer: 'https://www.google.com/',
          url: 'https://shop.example/pricing?utm_source=newsletter',
        },
        utm: { source: 'newsletter', medium: 'email', campaign: 'spring' },
        screen: { width: 1440, height: 900 },
        locale: 'de-DE',
        library: { name: '@acme/analytics-sdk', version: '1.1.0' },
        delivery: { install_id: 'Zq3u9bR1xT0cVw8mN2pL4k', seq: 42 },
      },
    ],
  },
);

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
    anonymous_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "The SDK's persisted visitor id; with `user_id` on an `$identify` event it links the two",
      }),
    ),
    session_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "The SDK's session; when absent the server continues the visitor's session (less than 30 minutes since its previous event) or starts one",
      }),
    ),
    context: Type.Optional(EventContext),
  },
  {
    additionalProperties: false,
    examples: [
      {
        event_type: 'page_view',
        event_id: '0190b7c4-5d2e-7a31-9c4f-2b8e1d6a7f30',
        timestamp: '2024-05-01T12:00:00.000Z',
        anonymous_id: 'a4f1c2e8-6b3d-4c7a-9e21-5d8f0b3a6c14',
        session_id: '0190b7c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
        properties: { plan: 'pro' },
        context: { page: { path: '/pricing', referrer: 'https://www.google.com/' }, locale: 'de-DE' },
      },
    ],
  },
);

export const IngestBody = Type.Object(
  { events: Type.Array(EventIn, { minItems: 1, maxItems: 100 }), client: Type.Optional(ClientReport) },
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

const nullableText = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const EventOut = Type.Object(
  {
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
    anonymous_id: nullableText('As sent'),
    session_id: nullableText("As sent, or the server's (`s:` and the id of the session's first event)"),
    visitor_id: nullableText(
      '`user_id`, else `anonymous_id`, else a hash of a daily secret salt, the org, the IP and the User-Agent (`h:…`)',
    ),
    // As stored, extra keys included (hence no declared properties for the serialiser to filter by).
    context: Type.Unsafe<Static<typeof EventContext> | null>({
      type: ['object', 'null'],
      additionalProperties: true,
      description: '`context` as sent, or null',
    }),
    path: nullableText("Page path, from `context.page` (or a `page_view`'s `properties.path`)"),
    referrer_host: nullableText('Host of the referrer, without `www.`; null for the site itself'),
    utm_source: nullableText('From `context.utm`, else the page URL'),
    utm_medium: nullableText('From `context.utm`, else the page URL'),
    utm_campaign: nullableText('From `context.utm`, else the page URL'),
    browser: nullableText('From the User-Agent of the request that sent the event'),
    os: nullableText('From the User-Agent'),
    device: Type.Union(
      [
        Type.Literal('desktop'),
        Type.Literal('mobile'),
        Type.Literal('tablet'),
        Type.Literal('bot'),
        Type.Literal('other'),
        Type.Null(),
      ],
      { description: 'From the User-Agent: desktop, mobile, tablet, bot or other' },
    ),
    country: nullableText(
      'ISO 3166-1 alpha-2 of the client IP (IP Geolocation by DB-IP); the IP is not stored',
    ),
    is_bot: Type.Boolean({
      description: 'A crawler or automation client (stored, left out of visitor metrics)',
    }),
  },
  {
    examples: [
      {
        event_id: '0190b7c4-5d2e-7a31-9c4f-2b8e1d6a7f30',
        org_id: 'org_acme',
        user_id: null,
        event_type: 'page_view',
        timestamp: '2024-05-01T12:00:00.000Z',
        received_at: '2024-05-01T12:00:00.412Z',
        properties: {},
        schema_version: 1,
        anonymous_id: 'a4f1c2e8-6b3d-4c7a-9e21-5d8f0b3a6c14',
        session_id: '0190b7c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
        visitor_id: 'a4f1c2e8-6b3d-4c7a-9e21-5d8f0b3a6c14',
        context: { page: { path: '/pricing', referrer: 'https://www.google.com/' } },
        path: '/pricing',
        referrer_host: 'google.com',
        utm_source: null,
        utm_medium: null,
        utm_campaign: null,
        browser: 'Firefox',
        os: 'Linux',
        device: 'desktop',
        country: 'DE',
        is_bot: false,
      },
    ],
  },
);

/** Repeatable `filter=<dimension><op><value>` (the contract's "Filters"); ANDed. */
export const FilterParam = Type.Array(Type.String({ maxLength: 1200 }), {
  maxItems: 20,
  description:
    'Repeatable, ANDed: `<dimension><op><value>` with op `==`, `!=`, `~` (contains, ASCII case-insensitive) or `!~`. ' +
    'Dimensions: event_type, path, referrer_host, utm_source, utm_medium, utm_campaign, browser, os, device, ' +
    "country, entry_path (the path of the event's session's first page view), user_id, visitor_id, prop.<key> " +
    '(a top-level property as text). `!=` and `!~` also match events where the dimension is unset.',
  examples: [['path==/pricing', 'country!=US']],
});

/** The query parameters that choose events, shared by the events page and the export. */
export const EVENT_SELECTION = {
  org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
  // No stored user id holds NUL (ingest refuses it), and PostgreSQL cannot even compare against one.
  user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000]*$' })),
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
};

export const EventsQuery = Type.Object({
  ...EVENT_SELECTION,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(
    Type.String({ maxLength: 128, description: 'Opaque `next_cursor` of the previous page (same filters)' }),
  ),
  filter: Type.Optional(FilterParam),
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
