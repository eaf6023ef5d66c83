import { Type } from 'typebox';

const KeyId = Type.String({
  format: 'uuid',
  description: "The key's id (a UUID); use it to revoke the key",
  examples: ['01938a6e-7c1f-7b2a-9d4e-0a1b2c3d4e5f'],
});
const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'What the key is for, to recognise it later',
  examples: ['shop.example storefront'],
});
const AllowedOrigins = Type.Array(
  Type.String({ minLength: 1, maxLength: 2048, examples: ['https://shop.example'] }),
  {
    maxItems: 50,
    description:
      'Origins the key is accepted from, exactly as browsers send `Origin` (scheme, host, port; no path). ' +
      'Requests from any other origin, or without `Origin`, get 403 `origin_not_allowed`. Empty: any ' +
      'origin, and requests without one (for servers and apps, not web pages).',
    examples: [['https://shop.example', 'https://www.shop.example']],
  },
);
const RateLimit = Type.Integer({
  minimum: 1,
  maximum: 1_000_000,
  description: "Requests per minute for this key's own bucket; default: the server's limit",
  examples: [600],
});
const CreatedAt = Type.String({ format: 'date-time', examples: ['2024-05-01T12:00:00.000Z'] });
const Prefix = Type.String({
  description: '`pk_` and the first characters of the key, to recognise it (not usable as a key)',
  examples: ['pk_7Hq2Zx'],
});

export const CreateKeyBody = Type.Object(
  {
    name: Name,
    allowed_origins: AllowedOrigins,
    rate_limit_per_minute: Type.Optional(RateLimit),
  },
  { additionalProperties: false },
);

/** One key as listed: everything but the secret. */
export const IngestKeySummary = Type.Object({
  id: KeyId,
  name: Name,
  prefix: Prefix,
  allowed_origins: AllowedOrigins,
  rate_limit_per_minute: Type.Union([RateLimit, Type.Null()]),
  created_at: CreatedAt,
});

/** `201` of `POST /api/v1/keys`: the summary and, this once, the key itself. */
export const IngestKeyCreated = Type.Object({
  id: KeyId,
  key: Type.String({
    pattern: '^pk_[A-Za-z0-9]{32,}$',
    description:
      'The publishable key, shown only in this response (the server keeps a hash). Put it in the script ' +
      "tag's `data-api-key` or the SDK's `apiKey`.",
    examples: ['pk_7Hq2ZxW0cN4mKp9sLt3VbY8dRf6Ga1Je'],
  }),
  name: Name,
  prefix: Prefix,
  allowed_origins: AllowedOrigins,
  rate_limit_per_minute: Type.Union([RateLimit, Type.Null()]),
  created_at: CreatedAt,
});

/** `200` of `GET /api/v1/keys`. */
export const IngestKeyList = Type.Object({
  data: Type.Array(IngestKeySummary, { description: "The org's keys that are not revoked, oldest first" }),
});

export const KeyParams = Type.Object({
  id: Type.String({ maxLength: 64, description: "The key's id, as `POST` and `GET /api/v1/keys` give it" }),
});

/** `204` of `DELETE /api/v1/keys/{id}`. */
export const KeyRevoked = Type.Null({ description: 'Revoked (also when it already was)' });
