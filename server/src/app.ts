import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from './config.js';
import { ERRORS, type ErrorCode, PROBLEM_CONTENT_TYPE, problem } from './lib/errors.js';
import { parseQueryString, validatorCompiler } from './lib/validation.js';
import authPlugin from './plugins/app/auth.js';
import configPlugin from './plugins/app/config.js';
import errorsPlugin, { sendProblem } from './plugins/app/errors.js';
import jsonPlugin from './plugins/app/json.js';
import observabilityPlugin from './plugins/app/observability.js';
import queryBudgetPlugin from './plugins/app/query-budget.js';
import shutdownPlugin from './plugins/app/shutdown.js';
import storePlugin from './plugins/app/store.js';
import corsPlugin from './plugins/external/cors.js';
import docsPlugin from './plugins/external/docs.js';
import helmetPlugin from './plugins/external/helmet.js';
import rateLimitPlugin from './plugins/external/rate-limit.js';
import apiV1Routes from './routes/api/v1/index.js';
import opsRoutes from './routes/ops.js';
import sdkRoutes from './routes/sdk.js';
import { Problem } from './schemas/common.js';
import type { EventStore } from './store/types.js';

export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  config: Config;
  /** Use this store instead of opening `config.databaseUrl` (the caller closes it). */
  store?: EventStore;
  /** Fastify logger options; default JSON lines at `config.logLevel`. */
  logger?: FastifyServerOptions['logger'];
}

/** A client-supplied request id is echoed when it is short and plain; otherwise we make one. */
function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** A hop count becomes a test of the hop's index: Fastify's typings take no number. */
function trustProxy(setting: Config['trustProxy']): false | string[] | ((a: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/**
 * Requests Node's HTTP parser rejects (headers over 16 KiB, malformed framing, a slow client) never reach
 * Fastify's error handler; they still get a problem document, written to the socket before it is closed.
 */
function clientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'The request headers are larger than 16 KiB.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request was not received in time.']
        : ['bad_request', 'The request is not valid HTTP.'];
  const id = randomUUID();
  const body = JSON.stringify(problem(code, detail, id));
  const status = ERRORS[code].status;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${ERRORS[code].title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * The app factory: everything but listening (`server.ts`) so tests drive it with `inject` or a real socket.
 * Plugins first (shared infrastructure, wrapped in fastify-plugin), then the encapsulated route plugins.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    // One line per request comes from the observability plugin instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Who the client is (request.ip, the rate limits' per-address bucket) behind the ingress proxies only.
    trustProxy: trustProxy(config.trustProxy),
    genReqId: requestId,
    routerOptions: { querystringParser: parseQueryString },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    pluginTimeout: 120_000, // seeding a large sample may take a while on a slow disk
    clientErrorHandler: clientError,
    // A URL whose percent-encoding is not UTF-8 fails before routing, where Fastify answers plain JSON.
    frameworkErrors: (_error, request, reply) => {
      reply.header('X-Request-Id', request.id);
      sendProblem(
        request,
        reply,
        'bad_request',
        'The URL is not valid: percent-encoded bytes must be UTF-8.',
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // The API takes JSON only: without this, a text/plain body would reach validation instead of a 415.
  app.removeContentTypeParser('text/plain');
  app.addSchema(Problem);

  await app.register(configPlugin, { config });
  await app.register(errorsPlugin);
  await app.register(jsonPlugin);
  await app.register(observabilityPlugin);
  await app.register(shutdownPlugin);
  await app.register(storePlugin, { store: opts.store });
  await app.register(queryBudgetPlugin);
  await app.register(authPlugin);
  await app.register(corsPlugin);
  await app.register(helmetPlugin);
  await app.register(rateLimitPlugin);
  await app.register(docsPlugin);

  await app.register(opsRoutes);
  await app.register(apiV1Routes, { prefix: '/api/v1' });
  await app.register(sdkRoutes);

  return app as unknown as FastifyInstance;
}
