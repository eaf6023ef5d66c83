/**
 * Public entry `@acme/analytics-server/tokens`: sign the HS256 tokens this API accepts, for a host
 * application's token route (the Next.js demo's `/api/token`) and for `npm run token`.
 *
 * Only `jose` is imported here, on purpose: a bundler (Next's webpack) takes this file into a route without
 * the rest of the server (Fastify, SQLite, the configuration that reads files next to the sources).
 * The verifying side (`lib/auth.ts`) and the configuration take their constants from this module.
 */
import { type JWTPayload, SignJWT } from 'jose';

/** The development signing secret; refused with `NODE_ENV=production`. */
export const DEV_JWT_SECRET = 'analytics-dev-secret-change-me-0123456789';
/** The `aud` every token carries and the API checks. */
export const JWT_AUDIENCE = 'analytics-api';
/** `ANALYTICS_JWT_ISSUER`'s default. */
export const DEFAULT_JWT_ISSUER = 'acme-analytics';

/** Every scope the API knows. `keys:*` manage publishable ingest keys (and also need the `admin` role). */
export const SCOPES = ['events:write', 'events:read', 'metrics:read', 'keys:read', 'keys:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface MintOptions {
  org: string;
  sub?: string | undefined;
  role?: string | undefined;
  /** Space-separated; default every scope (`SCOPES`). */
  scope?: string | undefined;
  /** A jose duration (`1h`, `30m`, `7d`); default `1h`. */
  ttl?: string | undefined;
  secret: string;
  issuer: string;
}

/** A signed HS256 token as the API expects (what `npm run token` prints). */
export async function signToken(o: MintOptions): Promise<string> {
  const claims: JWTPayload = {
    org_id: o.org,
    role: o.role ?? 'admin',
    scope: o.scope ?? SCOPES.join(' '),
  };
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(o.issuer)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(o.ttl ?? '1h');
  if (o.sub) jwt.setSubject(o.sub);
  return jwt.sign(new TextEncoder().encode(o.secret));
}
