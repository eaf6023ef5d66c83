import { createServer, type Server } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type DeliveryCounts, DROP_REASONS } from '../../domain/delivery.js';
import type { EventStore } from '../../store/types.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A small Prometheus registry: request counts and latency histograms by method, route and status, and events
 * ingested (in total, or by org with `orgLabels`). Route labels are route patterns (never raw URLs), so
 * cardinality stays bounded. Org labels are off by default: they list every customer with its volume, and
 * grow the exposition with the number of orgs.
 */
export class Metrics {
  readonly #requests = new Map<string, { labels: string; count: number; sum: number; buckets: number[] }>();
  readonly #ingested = new Map<string, number>();
  readonly #orgLabels: boolean;
  #ingestedTotal = 0;
  /** Delivery completeness: seqs newly received, duplicate arrivals, reported drops by reason. */
  readonly #delivery = { received: 0, duplicates: 0, dropped: new Map<string, number>() };
  readonly #started = Date.now();

  constructor(options: { orgLabels?: boolean } = {}) {
    this.#orgLabels = options.orgLabels ?? false;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    let s = this.#requests.get(labels);
    if (!s) {
      s = { labels, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.#requests.set(labels, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.buckets[i]!++;
  }

  eventsIngested(orgId: string, n: number): void {
    if (n <= 0) return;
    this.#ingestedTotal += n;
    if (this.#orgLabels) this.#ingested.set(orgId, (this.#ingested.get(orgId) ?? 0) + n);
  }

  delivery(counts: DeliveryCounts): void {
    this.#delivery.received += counts.received;
    this.#delivery.duplicates += counts.duplicates;
    for (const [reason, n] of Object.entries(counts.dropped)) {
      this.#delivery.dropped.set(reason, (this.#delivery.dropped.get(reason) ?? 0) + n);
    }
  }

  /** The text exposition; `store` adds the store's write statistics where it keeps them. */
  render(store?: EventStore): string {
    const out: string[] = [];
    out.push('# HELP http_requests_total HTTP requests by method, route and status.');
    out.push('# TYPE http_requests_total counter');
    for (const s of this.#requests.values()) out.push(`http_requests_total{${s.labels}} ${s.count}`);
    out.push('# HELP http_request_duration_seconds HTTP request latency by method, route and status.');
    out.push('# TYPE http_request_duration_seconds histogram');
    for (const s of this.#requests.values()) {
      BUCKETS.forEach((b, i) => {
        out.push(`http_request_duration_seconds_bucket{${s.labels},le="${b}"} ${s.buckets[i]}`);
      });
      out.push(`http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`http_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    if (this.#orgLabels) {
      out.push('# HELP analytics_events_ingested_total Events newly stored, by org.');
      out.push('# TYPE analytics_events_ingested_total counter');
      for (const [org, n] of this.#ingested)
        out.push(`analytics_events_ingested_total{org_id="${esc(org)}"} ${n}`);
    } else {
      out.push('# HELP analytics_events_ingested_total Events newly stored.');
      out.push('# TYPE analytics_events_ingested_total counter');
      out.push(`analytics_events_ingested_total ${this.#ingestedTotal}`);
    }
    out.push(
      '# HELP analytics_delivery_received_total Events with a delivery seq received for the first time.',
    );
    out.push('# TYPE analytics_delivery_received_total counter');
    out.push(`analytics_delivery_received_total ${this.#delivery.received}`);
    out.push('# HELP analytics_delivery_duplicates_total Arrivals of a delivery seq already received.');
    out.push('# TYPE analytics_delivery_duplicates_total counter');
    out.push(`analytics_delivery_duplicates_total ${this.#delivery.duplicates}`);
    out.push(
      '# HELP analytics_delivery_dropped_total Drops SDK installs reported, by reason (growth of their counts).',
    );
    out.push('# TYPE analytics_delivery_dropped_total counter');
    // A fixed label set (the contract's reasons), so the series exist from the start.
    for (const reason of DROP_REASONS) {
      out.push(
        `analytics_delivery_dropped_total{reason="${reason}"} ${this.#delivery.dropped.get(reason) ?? 0}`,
      );
    }
    const writes = store?.writeStats?.();
    if (writes) {
      out.push('# HELP analytics_store_transactions_total Transactions that committed ingest batches.');
      out.push('# TYPE analytics_store_transactions_total counter');
      out.push(`analytics_store_transactions_total ${writes.transactions}`);
      out.push(
        '# HELP analytics_store_batches_total Ingest batches committed (over transactions: group size).',
      );
      out.push('# TYPE analytics_store_batches_total counter');
      out.push(`analytics_store_batches_total ${writes.batches}`);
      if (writes.writerThread !== undefined) {
        out.push(
          '# HELP analytics_sqlite_writer_thread 1 while SQLite ingest is written on its writer thread.',
        );
        out.push('# TYPE analytics_sqlite_writer_thread gauge');
        out.push(`analytics_sqlite_writer_thread ${writes.writerThread ? 1 : 0}`);
      }
    }
    out.push('# HELP process_uptime_seconds Seconds since the server started.');
    out.push('# TYPE process_uptime_seconds gauge');
    out.push(`process_uptime_seconds ${(Date.now() - this.#started) / 1000}`);
    return `${out.join('\n')}\n`;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    /** The listener of `ANALYTICS_METRICS_PORT`, once the app listens; undefined without that setting. */
    metricsServer: Server | undefined;
  }
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? '(unmatched)';
}

/**
 * `X-Request-Id` on every response, one JSON log line per request (method, route, status, duration, request
 * id), and the Prometheus counters. With `ANALYTICS_METRICS_PORT` they are also served on that port, apart
 * from the API, for a scraper inside the network: nothing else answers there.
 */
export default fp(
  async (app) => {
    const conf = app.config.metrics;
    app.decorate('metrics', new Metrics({ orgLabels: conf.orgLabels }));
    app.decorate('metricsServer', undefined);

    if (conf.port !== undefined) {
      const server = createServer((req, res) => {
        const ok = req.method === 'GET' && req.url?.split('?')[0] === '/metrics';
        res.writeHead(ok ? 200 : 404, { 'content-type': ok ? METRICS_CONTENT_TYPE : 'text/plain' });
        res.end(ok ? app.metrics.render(app.store) : 'Not found: this port serves GET /metrics only.\n');
      });
      app.metricsServer = server;
      // Open before the API port (listen() runs ready() first), so a scrape never finds it missing.
      app.addHook('onReady', async () => {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(conf.port, app.config.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      });
      app.addHook('onClose', async () => {
        if (server.listening) await new Promise((resolve) => server.close(resolve));
      });
    }

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('X-Request-Id', request.id);
    });

    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = routeOf(request);
      const ms = reply.elapsedTime;
      app.metrics.observeRequest(request.method, route, reply.statusCode, ms / 1000);
      request.log.info(
        {
          method: request.method,
          route,
          status: reply.statusCode,
          duration_ms: Math.round(ms * 100) / 100,
          request_id: request.id,
          org_id: request.principal?.orgId,
        },
        'request',
      );
    });
  },
  { name: 'observability', dependencies: ['config'] },
);
