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
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

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
  const common = { issuer: opts.issuer, audience: JWT_AUDIENCE, requiredClaims: ['exp'], clockTolerance: 5 };

  // Verified tokens are remembered until they expire: an SDK sends the same token with every batch, and
  // HMAC verification through WebCrypto is asynchronous, which also splits requests across loop turns.
  const verified = new Map<string, { principal: Principal; exp: number }>();

  return async (authorization) => {
    const hit = authorization ? verified.get(authorization) : undefined;
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return hit.principal;
      verified.delete(authorization!);
    }
    if (!authorization) {
      throw new ApiError('unauthorized', 'Send `Authorization: Bearer <token>`.', {
        headers: { 'WWW-Authenticate': CHALLENGE },
      });
    }
    const match = /^Bearer +([A-Za-z0-9_.~+/-]+=*) *$/i.exec(authorization);
    if (!match) throw invalid('The Authorization header must be `Bearer <token>`.');
    const token = match[1]!;
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
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const principal: Principal = {
      orgId,
      sub: typeof payload.sub === 'string' ? payload.sub : undefined,
      role: typeof payload.role === 'string' ? payload.role : undefined,
      scopes: new Set(scope.split(' ').filter(Boolean)),
      jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    };
    // nbf is checked once: a cached token was already valid, and exp bounds its stay.
    if (typeof payload.exp === 'number') {
      if (verified.size >= 10_000) verified.clear();
      verified.set(authorization, { principal, exp: payload.exp });
    }
    return principal;
  };
}
