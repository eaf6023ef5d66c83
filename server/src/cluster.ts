/**
 * `npm run server -- --workers N`: N API processes sharing one port (Node's cluster module: the primary owns
 * the listening socket and hands connections to the workers in turn). Without `--workers`, or with 1, this is
 * exactly `src/server.ts` in this process.
 *
 * Several workers need a store that several processes can share consistently: PostgreSQL. The SQLite store
 * keeps in-flight idempotency claims in its process's memory, so it is refused here.
 *
 * Signals. Each worker runs the normal process entry with its own graceful shutdown. A signal may reach only
 * the primary (an orchestrator signalling PID 1) or the whole process group (Ctrl-C, `kill -- -PGID`); a worker
 * treats a second signal as "exit now", so the primary must not echo a signal a worker already received.
 * Workers therefore report "shutting down" over IPC as soon as they get a signal, and the primary forwards
 * SIGTERM only to those that stay silent for a moment. The primary exits when every worker has.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

const FORWARD_AFTER_MS = 300;
const RESTART_DELAY_MS = 1_000;

interface ShutdownNotice {
  type: 'analytics:shutting-down';
}

function log(level: number, msg: string, extra: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, time: Date.now(), pid: process.pid, msg, ...extra });
  (level >= 50 ? process.stderr : process.stdout).write(`${line}\n`);
}

/** `--workers N` or `--workers=N` from argv; 1 when absent. */
export function parseWorkers(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  if (i === -1) return 1;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(`--workers must be an integer from 1 to 256 (got "${raw ?? ''}")`);
  }
  return n;
}

async function runWorker(): Promise<void> {
  // Registered before the server's own handlers, so the primary hears about a signal straight away.
  const notify = () => {
    const notice: ShutdownNotice = { type: 'analytics:shutting-down' };
    process.send?.(notice);
  };
  process.once('SIGTERM', notify);
  process.once('SIGINT', notify);
  await import('./server.js');
}

function runPrimary(workers: number): void {
  const databaseUrl = process.env.DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    log(
      50,
      'startup failed: --workers needs DATABASE_URL=postgres://… (the SQLite store is single-process: ' +
        'its in-flight idempotency claims live in memory); run one process for SQLite',
    );
    process.exit(1);
  }
  // Workers run this same file (with the primary's tsx loader flags) and take the worker branch.
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: [] });

  const live = new Map<number, Worker>();
  const listening = new Set<number>();
  const notified = new Set<number>();
  let stopping = false;
  let announced = false;
  let exitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork();
    live.set(worker.id, worker);
    worker.on('message', (msg: unknown) => {
      if ((msg as ShutdownNotice | null)?.type === 'analytics:shutting-down') notified.add(worker.id);
    });
    return worker;
  };

  cluster.on('listening', (worker, address) => {
    listening.add(worker.id);
    if (!announced && listening.size === workers) {
      announced = true;
      const host = address.address?.includes(':') ? `[${address.address}]` : (address.address ?? '127.0.0.1');
      const url = `http://${host}:${address.port}`;
      log(30, 'listening', { url, docs: `${url}/docs`, workers });
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker.id);
    const wasListening = listening.delete(worker.id);
    notified.delete(worker.id);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    if (!wasListening) {
      // It never came up (bad configuration, database unreachable): restarting would loop; stop everything.
      log(50, 'a worker failed to start; stopping', { worker: worker.process.pid, code, signal });
      stop('startup failure', 1);
      return;
    }
    log(40, 'worker exited; starting a replacement', { worker: worker.process.pid, code, signal });
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS).unref();
  });

  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log(30, 'stopping workers', { reason });
    if (live.size === 0) process.exit(exitCode);
    setTimeout(() => {
      for (const w of live.values()) {
        if (!notified.has(w.id) && !w.isDead()) w.process.kill('SIGTERM');
      }
    }, FORWARD_AFTER_MS);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < workers; i++) fork();
}

async function main(): Promise<void> {
  if (cluster.isWorker) return runWorker();
  let workers: number;
  try {
    workers = parseWorkers(process.argv.slice(2));
  } catch (err) {
    log(50, `startup failed: ${(err as Error).message}`);
    process.exit(1);
  }
  if (workers === 1) {
    await import('./server.js');
    return;
  }
  runPrimary(workers);
}

void main();
