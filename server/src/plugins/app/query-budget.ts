import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { OrgConcurrency } from '../../lib/query-budget.js';

/** What an expensive read runs with: its deadline, a signal for a client gone, and its org slot. */
export interface ReadBudget {
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Give the org's slot back (idempotent; also done when the response ends). */
  release(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Start an expensive read (insights, export) for an org: takes one of the org's slots (429
     * `too_many_queries` when none is free) and sets the deadline (`ANALYTICS_QUERY_TIMEOUT_MS`). The signal
     * aborts when the client disconnects before the response is complete.
     */
    startRead(reply: FastifyReply, orgId: string): ReadBudget;
  }
}

/** The query budget (`lib/query-budget.ts`) as `app.startRead`, one per-org bound for the whole app. */
export default fp(
  async (app) => {
    const concurrency = new OrgConcurrency(app.config.queryConcurrencyPerOrg);
    app.decorate('startRead', (reply: FastifyReply, orgId: string): ReadBudget => {
      const release = concurrency.acquire(orgId);
      const controller = new AbortController();
      // `close` fires when the exchange ends either way; before the response finished, the client left.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
        release();
      });
      return {
        deadline: Date.now() + app.config.queryTimeoutMs,
        timeoutMs: app.config.queryTimeoutMs,
        signal: controller.signal,
        release,
      };
    });
  },
  { name: 'query-budget', dependencies: ['config'] },
);
