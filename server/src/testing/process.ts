/**
 * The API as its own operating-system process, started the way operators start it (`server.ts` with the
 * environment), for tests that must kill it with SIGKILL and start it again on the same port and database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../server.ts', import.meta.url));
const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** What is kept of the process's output, for the error when it does not come up. */
const OUTPUT_LIMIT = 20_000;

export interface ServerProcessOptions {
  /** The database the process opens (`sqlite:/path/file.db` or `postgres://...`); restarts pass the same. */
  databaseUrl: string;
  /** Default 0 (any free port); a restart passes the port of the process before it. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `['*']`. */
  corsOrigins?: string[];
  /**
   * Default: the server's default (6000 requests per minute per org); `false` disables limiting. The
   * process reads a per-minute figure (`ANALYTICS_RATE_LIMIT_PER_MINUTE`), so the window must be 60 s.
   */
  rateLimit?: false | { max: number; timeWindowMs: number };
  /** Default `none`. */
  seed?: 'sample' | 'none';
  /** `ANALYTICS_SDK_DIR`; default unset. */
  sdkDir?: string;
  /** Further environment variables (`ANALYTICS_JWT_SECRET`, `ANALYTICS_DURABILITY`, ...). */
  env?: Record<string, string>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  pid: number;
  /** Resolves once the process has exited, however it ended. */
  exited: Promise<ProcessExit>;
  /** SIGKILL: no shutdown of any kind, as in a crash or an out-of-memory kill. Resolves once it is gone. */
  kill(): Promise<ProcessExit>;
  /** SIGTERM: the graceful shutdown (in-flight requests finish, the database closes). */
  stop(): Promise<ProcessExit>;
  /** What the process has printed so far (the last 20,000 characters). */
  output(): string;
}

const live = new Set<ChildProcess>();
let reaping = false;

/** A test runner that dies must not leave servers behind. */
function reapOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (reaping) return;
  reaping = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/**
 * Starts `server.ts` (through tsx, as `npm run server` does) in a clean environment, and resolves when it
 * prints its `listening` line.
 */
export function spawnServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(opts.port ?? 0),
    HOST: opts.host ?? '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    ANALYTICS_CORS_ORIGINS: (opts.corsOrigins ?? ['*']).join(','),
    ANALYTICS_SEED: opts.seed ?? 'none',
    // The `listening` line is logged at info.
    LOG_LEVEL: 'info',
  };
  if (opts.rateLimit !== undefined) {
    if (opts.rateLimit && opts.rateLimit.timeWindowMs !== 60_000) {
      return Promise.reject(
        new Error('a server process limits per minute: rateLimit.timeWindowMs must be 60000'),
      );
    }
    env.ANALYTICS_RATE_LIMIT_PER_MINUTE = opts.rateLimit === false ? '0' : String(opts.rateLimit.max);
  }
  if (opts.sdkDir !== undefined) env.ANALYTICS_SDK_DIR = opts.sdkDir;
  Object.assign(env, opts.env);

  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: SERVER_DIR,
    // A cast, because Next.js (whose tests import this file too) declares NODE_ENV as always set.
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reapOnExit(child);
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let out = '';
  const keep = (text: string) => {
    out = (out + text).slice(-OUTPUT_LIMIT);
  };
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return new Promise((resolve, reject) => {
    let pending = '';
    // Read everything the process prints for as long as it runs: a full pipe would block its logging.
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      keep(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('"msg":"listening"')) continue;
        const { url } = JSON.parse(line) as { url: string };
        resolve({
          url,
          port: Number(new URL(url).port),
          pid: child.pid!,
          exited,
          kill: () => end('SIGKILL'),
          stop: () => end('SIGTERM'),
          output: () => out,
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => keep(chunk.toString()));
    void exited.then(({ code, signal }) =>
      reject(new Error(`server process exited (${code ?? signal}) before listening:\n${out}`)),
    );
  });
}
