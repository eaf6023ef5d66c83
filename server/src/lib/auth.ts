import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { JWT_AUDIENCE } from '../tokens.js';
import { ApiError } from './errors.js';

// Signing lives in the public `tokens` entry (jose only, so host applications can bundle it).
export { type MintOptions, SCOPES, type Scope, signToken } from '../tokens.js';
export const ROLES = ['admin', 'member', 'viewer'] as const;

/** Who is calling, from a verified token. The tenant is always `orgId`. */
export interface Principal {
  orgId: string;
  sub: string | undefined;
  role: string | undefined;
  scopes: ReadonlySet<string>;
  jti: string | undefined;
  /** Set for publishable (`pk_`) keys: each key is rate limited on its own (bucket `key:<id>`). */
  keyId?: string | undefined;
  /** The key's own requests per minute, when it has one (otherwise the server's default applies). */
  keyRateLimit?: number | undefined;
}

export interface VerifierOptions {
  secret: string;
  issuer: string;
  jwksUrl?: string | undefined;
  /** The longest `exp - iat` accepted, in seconds (`ANALYTICS_MAX_TOKEN_TTL`); default 24 h. */
  maxTtlSeconds?: number | undefined;
  /** How many bytes of verified tokens to remember; default 4 MiB. */
  cacheBytes?: number | undefined;
}

export interface TokenVerifier {
  (authorization: string | undefined): Promise<Principal>;
  /** What the cache of verified tokens holds: tokens, and the bytes of their text. */
  readonly cache: { entries: number; bytes: number };
}

export const DEFAULT_MAX_TOKEN_TTL_SECONDS = 86_400;
const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;
/** Seconds of clock difference tolerated between the issuer and this server. */
const CLOCK_TOLERANCE = 5;

const CHALLENGE = 'Bearer';
const INVALID = 'Bearer error="invalid_token"';

function invalid(detail: string): ApiError {
  return new ApiError('invalid_token', detail, { headers: { 'WWW-Authenticate': INVALID } });
}

/**
 * Verify `Authorization: Bearer <JWT>`. HS256 tokens are checked against the shared secret; RS256/ES256
 * tokens only against the JWKS (when configured), chosen by the header's `alg` and pinned per key kind, so
 * an HMAC token can never be verified with a public key (algorithm confusion) and `alg: none` never passes.
 */
export function createVerifier(opts: VerifierOptions): TokenVerifier {
  const secret = new TextEncoder().encode(opts.secret);
  const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
  const common = {
    issuer: opts.issuer,
    audience: JWT_AUDIENCE,
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE,
  };
  const maxTtl = opts.maxTtlSeconds ?? DEFAULT_MAX_TOKEN_TTL_SECONDS;
  const cache = new TokenCache(opts.cacheBytes ?? DEFAULT_CACHE_BYTES);

  const verify = async (authorization: string | undefined): Promise<Principal> => {
    if (!authorization) {
      throw new ApiError('unauthorized', 'Send `Authorization: Bearer <token>`.', {
        headers: { 'WWW-Authenticate': CHALLENGE },
      });
    }
    const match = /^Bearer +([A-Za-z0-9_.~+/-]+=*) *$/i.exec(authorization);
    if (!match) throw invalid('The Authorization header must be `Bearer <token>`.');
    const token = match[1]!;
    const hit = cache.get(token);
    if (hit) return hit;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalid('The token is not a well-formed JWT.');
    }
    let payload: JWTPayload;
    try {
      if (alg === 'HS256') {
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] }));
      } else if (jwks && (alg === 'RS256' || alg === 'ES256')) {
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256'] }));
      } else {
        throw invalid(`Tokens signed with "${String(alg)}" are not accepted.`);
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const code = (err as { code?: string }).code;
      throw invalid(
        code === 'ERR_JWT_EXPIRED'
          ? 'The token has expired.'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? `The token's claims are not acceptable (${(err as Error).message}).`
            : 'The token signature could not be verified.',
      );
    }
    const orgId = payload.org_id;
    if (typeof orgId !== 'string' || orgId.length === 0 || orgId.length > 255) {
      throw invalid('The token has no `org_id` claim.');
    }
    checkLifetime(payload, maxTtl);
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const principal: Principal = {
      orgId,
      sub: typeof payload.sub === 'string' ? payload.sub : undefined,
      role: typeof payload.role === 'string' ? payload.role : undefined,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    };
    // nbf is checked once: a cached token was already valid, and exp bounds its stay.
    cache.set(token, principal, payload.exp as number);
    return principal;
  };
  return Object.defineProperty(verify, 'cache', { get: () => cache.stats }) as TokenVerifier;
}

/**
 * A bounded lifetime limits what a leaked token is worth; `iat` is what the lifetime is measured from, so a
 * token without it is refused, and one issued in the future (a wrong clock, or a forged lifetime) too.
 */
function checkLifetime(payload: JWTPayload, maxTtl: number): void {
  const { iat, exp } = payload;
  if (typeof iat !== 'number') {
    throw invalid('The token has no `iat` claim; tokens must say when they were issued.');
  }
  if (iat > Date.now() / 1000 + CLOCK_TOLERANCE) {
    throw invalid("The token's `iat` is in the future; check the issuer's clock.");
  }
  if ((exp as number) - iat > maxTtl) {
    throw invalid(
      `The token's lifetime (exp - iat) is ${(exp as number) - iat} s, over this server's maximum of ` +
        `${duration(maxTtl)} (ANALYTICS_MAX_TOKEN_TTL); mint shorter-lived tokens.`,
    );
  }
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * Verified tokens, remembered until they expire: an SDK sends the same token with every batch, and HMAC
 * verification through WebCrypto is asynchronous, which also splits requests across loop turns. Keyed by
 * the token itself (never the header around it, which a client can pad into endless distinct keys) and
 * bounded by the bytes of the tokens held: when full, the oldest go first.
 */
class TokenCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, { principal: Principal; exp: number }>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(token: string): Principal | undefined {
    const hit = this.#entries.get(token);
    if (!hit) return undefined;
    if (hit.exp * 1000 > Date.now()) return hit.principal;
    this.#delete(token);
    return undefined;
  }

  set(token: string, principal: Principal, exp: number): void {
    if (token.length > this.#maxBytes || this.#entries.has(token)) return;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes + token.length <= this.#maxBytes) break;
      this.#delete(oldest);
    }
    this.#entries.set(token, { principal, exp });
    this.#bytes += token.length;
  }

  #delete(token: string): void {
    if (this.#entries.delete(token)) this.#bytes -= token.length;
  }

  get stats(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }
}
