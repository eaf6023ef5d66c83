import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a worker thread.
 *
 * A checkpoint copies the WAL's pages back into the database file and fsyncs it: with the 64 MiB WAL the
 * store uses, 90–270 ms during which SQLite's automatic checkpoint (run by the committing connection)
 * blocked the event loop; profiles of sustained HTTP ingest showed them as 7 % of the main thread and as
 * the p99 latency. Here a second connection in a worker runs `wal_checkpoint(PASSIVE)` twice a second.
 * PASSIVE never blocks the writer (it copies only frames no reader needs and gives up on locks), so commits
 * go on during it.
 *
 * A WAL restarts from its beginning only when a write begins after a checkpoint has caught up completely,
 * which under sustained writes a concurrent checkpointer rarely achieves. So the writer keeps an automatic
 * checkpoint at a higher threshold (`WRITER_AUTOCHECKPOINT_PAGES`) as the backstop: by then the worker has
 * copied all but the last half second, so that checkpoint is short, and the WAL restarts after it.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same under tsx, vitest and a
 * compiled build, and loads the very better-sqlite3 the store uses.
 */

/** Writer's automatic checkpoint while the worker runs: 32,000 pages (128 MiB of WAL at 4 KiB pages). */
export const WRITER_AUTOCHECKPOINT_PAGES = 32_000;
const INTERVAL_MS = 500;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
// Never wait for a lock: a busy checkpoint is simply retried at the next tick.
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (err && err.code !== 'SQLITE_BUSY' && err.code !== 'SQLITE_LOCKED') {
      clearInterval(timer);
      parentPort.postMessage({ error: String(err && err.message) });
    }
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  readonly #worker: Worker;
  #stopped: Promise<void> | undefined;

  /** `onFailure` runs (once) if the worker cannot checkpoint; the caller then restores its own checkpoints. */
  constructor(path: string, synchronous: 'NORMAL' | 'FULL', onFailure: (reason: string) => void) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Nothing of the parent's command line (loaders, preloads) is needed to run this plain script.
      execArgv: [],
      workerData: { module, path, synchronous, intervalMs: INTERVAL_MS },
    });
    // A checkpointer must never keep a process alive that is otherwise done.
    this.#worker.unref();
    let failed = false;
    const fail = (reason: string) => {
      if (failed || this.#stopped) return;
      failed = true;
      onFailure(reason);
    };
    this.#worker.on('message', (m: { error?: string }) => fail(m.error ?? 'unknown error'));
    this.#worker.on('error', (err) => fail(err.message));
    this.#worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  }

  /** Stop checkpointing and close the worker's connection (before the store closes its own). */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const exited = once(this.#worker, 'exit').then(
        () => undefined,
        () => undefined,
      );
      // Closing is awaited work: with the worker unref'd (and the timeout too), a process with nothing else
      // to do would exit mid-close, before the store's own connection closes.
      this.#worker.ref();
      this.#worker.postMessage('close');
      const timeout = new Promise<'timeout'>((r) => setTimeout(r, 5000, 'timeout').unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') await this.#worker.terminate();
    })();
    return this.#stopped;
  }
}
