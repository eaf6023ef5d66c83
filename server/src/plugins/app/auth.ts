import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkKey, KEY_PATTERN, KeyResolver } from '../../domain/ingest-keys.js';
import { createVerifier, type Principal, type Scope } from '../../lib/auth.js';
import { ApiError } from '../../lib/errors.js';

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; set by `app.authenticate`, guaranteed by `app.authorize`. */
    principal: Principal | null;
    authError: ApiError | null;
  }
  interface FastifyInstance {
    /** onRequest: verify the token if any, remembering the outcome (rate limits key on the org). */
    authenticate: Hook;
    /**
     * onRequest, after `authenticate`: reject unless authenticated with the route's `config.scope` (401/403
     * with the contract's headers).
     */
    authorize: Hook;
    /** Publishable-key lookups, cached for at most 5 s (the keys routes and CORS use it too). */
    ingestKeys: KeyResolver;
  }
  interface FastifyContextConfig {
    /** The scope a token needs for this route (routes under `/api/v1` must declare one). */
    scope?: Scope;
    /** The `role` claim the token must also carry. */
    role?: 'admin';
  }
}

/** A scope granted by a broader one too: whoever may change keys may list them. */
const IMPLIED_BY: Partial<Record<Scope, Scope>> = { 'keys:read': 'keys:write' };

/** All a publishable key may do: send events (`POST /api/v1/events` is the only route with this scope). */
const KEY_SCOPES: ReadonlySet<string> = new Set<Scope>(['events:write']);

/** `Bearer pk_…`: the key, else undefined (then the header is a JWT's business). */
function publishableKey(authorization: string | undefined): string | undefined {
  const match = authorization && /^Bearer +(pk_[^ ]*) *$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/** The tenant of an authorised request. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is not behind app.authorize');
  return request.principal;
}

/** 403 unless an `org_id` given in the request is the token's. */
export function assertOrg(principal: Principal, orgId: string | undefined, where: string): void {
  if (orgId !== undefined && orgId !== principal.orgId) {
    throw new ApiError(
      'org_mismatch',
      `${where} is "${orgId}" but the token belongs to another organisation.`,
      {
        errors: [{ path: where, message: "must equal the token's org_id" }],
      },
    );
  }
}

export default fp(
  async (app) => {
    const verify = createVerifier({
      secret: app.config.jwtSecret,
      issuer: app.config.jwtIssuer,
      jwksUrl: app.config.jwksUrl,
      maxTtlSeconds: app.config.maxTokenTtlSeconds,
    });
    const keys = new KeyResolver(app.store);
    app.decorate('ingestKeys', keys);
    app.decorateRequest('principal', null);
    app.decorateRequest('authError', null);

    /** A publishable key works as a token with only `events:write`, for its org, from its origins. */
    const keyPrincipal = async (key: string, origin: string | undefined): Promise<Principal> => {
      if (!KEY_PATTERN.test(key)) {
        throw new ApiError('invalid_token', 'The publishable key is malformed.', {
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      const match = checkKey(await keys.find(key), origin);
      return {
        orgId: match.orgId,
        sub: undefined,
        role: undefined,
        scopes: KEY_SCOPES,
        jti: undefined,
        keyId: match.id,
        keyRateLimit: match.rateLimitPerMinute ?? undefined,
      };
    };

    app.decorate('authenticate', async (request: FastifyRequest) => {
      try {
        const key = publishableKey(request.headers.authorization);
        request.principal =
          key === undefined
            ? await verify(request.headers.authorization)
            : await keyPrincipal(key, request.headers.origin);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        request.authError = err;
      }
    });

    app.decorate('authorize', async (request: FastifyRequest) => {
      if (request.authError) throw request.authError;
      const p = request.principal;
      if (!p) throw new Error('app.authenticate must run before app.authorize');
      const scope = request.routeOptions.config.scope;
      if (!scope) throw new Error(`${request.routeOptions.url} declares no config.scope`);
      const broader = IMPLIED_BY[scope];
      if (!p.scopes.has(scope) && !(broader && p.scopes.has(broader))) {
        const or = broader ? ` (or "${broader}")` : '';
        throw new ApiError('insufficient_scope', `This endpoint needs the "${scope}" scope${or}.`, {
          headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
        });
      }
      const role = request.routeOptions.config.role;
      if (role && p.role !== role) {
        throw new ApiError('insufficient_role', `This endpoint needs a token with the "${role}" role.`);
      }
    });
  },
  { name: 'auth', dependencies: ['config', 'store'] },
);
