/**
 * Process entry: `tsx src/server.ts` (`npm run server`). Reads the environment, listens, prints one JSON line
 * `{"msg":"listening","url":...}` when ready, and shuts down gracefully on SIGTERM/SIGINT: stop accepting,
 * let in-flight requests finish, close the database.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { StoreConfigError } from './store/index.js';

const SHUTDOWN_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, { seed: 'none' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 50, msg: `configuration error: ${err.message}` })}\n`);
      process.exit(1);
    }
    throw err;
  }

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ config });
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    const msg = err instanceof StoreConfigError || err instanceof ConfigError ? err.message : String(err);
    process.stderr.write(`${JSON.stringify({ level: 50, msg: `startup failed: ${msg}` })}\n`);
    process.exit(1);
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  app.log.info({ url, docs: `${url}/docs`, store: app.store.info.kind }, 'listening');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      () => {
        app.log.info('closed');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
