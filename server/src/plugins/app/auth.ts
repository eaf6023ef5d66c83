import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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
  }
  interface FastifyContextConfig {
    /** The scope a token needs for this route (routes under `/api/v1` must declare one). */
    scope?: Scope;
  }
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
    app.decorateRequest('principal', null);
    app.decorateRequest('authError', null);

    app.decorate('authenticate', async (request: FastifyRequest) => {
      try {
        request.principal = await verify(request.headers.authorization);
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
      if (!p.scopes.has(scope)) {
        throw new ApiError('insufficient_scope', `This endpoint needs the "${scope}" scope.`, {
          headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
        });
      }
    });
  },
  { name: 'auth', dependencies: ['config'] },
);
