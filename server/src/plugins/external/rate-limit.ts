import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../../lib/errors.js';
import { MemoryCounter, type RateCounter } from '../../lib/rate-limit.js';
import type { EventStore } from '../../store/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook, after `authenticate` and before `authorize`: a request without a valid token is
     * counted against its client address (a 429 over the limit, else `authorize` answers the 401).
     */
    limitAnonymous: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * onRequest hook, after `authorize`: an authorised request is counted against its bucket (429 over the
     * limit). A request `authorize` refused never gets here, so a token without the scope costs nothing.
     */
    limitRate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Which budget a request spends, and how to name it in a 429. */
interface Charge {
  bucket: string;
  limit: number;
  what: string;
}

/**
 * The bucket of a request. Separate budgets, so one client's flood cannot starve another's requests: an
 * org's ingest and its reads are counted apart, every publishable key has a bucket of its own (its own limit
 * when it has one), and requests without a valid token are counted per client address, since keying on an
 * unverified claim would let anyone spend another org's budget.
 */
function chargeOf(request: FastifyRequest, max: number): Charge {
  const p = request.principal;
  if (request.authError || !p) {
    return {
      bucket: `ip:${request.ip}`,
      limit: max,
      what: 'requests without a valid token from this address',
    };
  }
  if (p.keyId !== undefined) {
    return { bucket: `key:${p.keyId}`, limit: p.keyRateLimit ?? max, what: 'requests with this key' };
  }
  return request.routeOptions.config.scope === 'events:write'
    ? { bucket: `ingest:${p.orgId}`, limit: max, what: "this organisation's ingest requests" }
    : { bucket: `read:${p.orgId}`, limit: max, what: "this organisation's other API requests" };
}

function per(windowMs: number): string {
  if (windowMs === 60_000) return 'minute';
  if (windowMs % 1000 === 0) return `${windowMs / 1000} seconds`;
  return `${windowMs} ms`;
}

/** Counters shared by every replica on PostgreSQL; in this process's memory on SQLite. */
async function openCounter(store: EventStore, windowMs: number): Promise<RateCounter> {
  const pool = store.info.kind === 'postgres' ? (store as { pool?: unknown }).pool : undefined;
  if (!pool) return new MemoryCounter(windowMs);
  // Loaded on demand, so a SQLite deployment never loads `pg`.
  const { PostgresCounter } = await import('../../store/postgres/rate-limits.js');
  return new PostgresCounter(pool as ConstructorParameters<typeof PostgresCounter>[0], windowMs);
}

/**
 * Rate limits over fixed windows (`ANALYTICS_RATE_LIMIT_PER_MINUTE` per bucket and minute). Every response
 * that was counted carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds
 * until the window ends); over the limit the answer is a 429 whose `Retry-After` is that same number.
 */
export default fp(
  async (app) => {
    const conf = app.config.rateLimit;
    if (conf === false) {
      app.decorate('limitAnonymous', async () => {});
      app.decorate('limitRate', async () => {});
      return;
    }
    const counter = await openCounter(app.store, conf.timeWindowMs);
    app.addHook('onClose', () => counter.close());
    let warned = 0;

    const limit = async (request: FastifyRequest, reply: FastifyReply) => {
      const charge = chargeOf(request, conf.max);
      const now = Date.now();
      let hit: Awaited<ReturnType<RateCounter['hit']>>;
      try {
        hit = await counter.hit(charge.bucket, now);
      } catch (err) {
        // The database that holds the counters is unreachable: the request itself will say so (or succeed
        // on another path); refusing it here would turn a database hiccup into 429s for everybody.
        if (now - warned > 60_000) {
          warned = now;
          request.log.warn({ err }, 'rate limit counters unavailable; requests are not limited');
        }
        return;
      }
      const seconds = Math.max(1, Math.ceil((hit.resetAt - now) / 1000));
      reply.header('X-RateLimit-Limit', String(charge.limit));
      reply.header('X-RateLimit-Remaining', String(Math.max(0, charge.limit - hit.count)));
      reply.header('X-RateLimit-Reset', String(seconds));
      if (hit.count > charge.limit) {
        throw new ApiError(
          'rate_limited',
          `Rate limit of ${charge.limit} requests per ${per(conf.timeWindowMs)} exceeded for ${charge.what}; ` +
            `retry in ${seconds} s.`,
          { headers: { 'Retry-After': String(seconds) } },
        );
      }
    };
    app.decorate('limitAnonymous', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.authError || !request.principal) await limit(request, reply);
    });
    app.decorate('limitRate', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.principal && !request.authError) await limit(request, reply);
    });
  },
  { name: 'rate-limit', dependencies: ['config', 'auth', 'store'] },
);
