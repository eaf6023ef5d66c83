import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IngestResult } from '../types.js';
import type { BackfillChunk } from './backfill.js';
import type { WriteBatch, WriteOutcome } from './writer.js';

/**
 * The SQLite writes on a thread of their own.
 *
 * Under sustained ingest the event loop did everything: HTTP, JSON, validation, and then the inserts and
 * the commit, which were about half of its time per event. Here the event loop parses and validates a batch
 * and hands it over; a second connection on this thread inserts and commits (WAL lets the event loop's
 * connection keep reading meanwhile). The two halves run on two cores at once, and a request is answered
 * only after the thread reports its commit, so the durable-202 promise is unchanged.
 *
 * Group commit carries over: while one group is being written, the batches that arrive queue up and go
 * over together as the next group, in one transaction.
 *
 * In source form (tsx, vitest) the thread loads TypeScript through tsx's loader; the container image runs
 * a bundle in which the thread's entry is the sibling file `sqlite-writer.mjs`.
 */

export interface WriterThreadData {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  autocheckpointPages: number;
}

export interface WireError {
  name: string;
  message: string;
  code: string | undefined;
  sql: string | undefined;
}

/** A request before it is numbered. */
type Request =
  | { kind: 'write'; batches: WriteBatch[] }
  | { kind: 'purge'; olderThan: number }
  | { kind: 'autocheckpoint'; pages: number }
  | { kind: 'salt'; day: number; candidate: string }
  | { kind: 'purgeSalts'; day: number }
  | { kind: 'backfill'; limit: number };

/** What crosses to the thread: a numbered request (answered with its id), or the order to close. */
export type WriterRequest = (Request & { id: number }) | { kind: 'close' };

export type WireOutcome = { ok: true; result: IngestResult } | { ok: false; error: WireError };

export type WriterReply =
  | { id: number; outcomes: WireOutcome[] }
  | { id: number; value: number }
  | { id: number; data: unknown }
  | { id: number; error: WireError };

/** An error from the writer thread, with the SQLite code and statement it carried. */
export class WriterThreadError extends Error {
  readonly code: string | undefined;
  readonly sql: string | undefined;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
    this.sql = wire.sql;
  }
}

/** The thread's entry: the bundle's sibling file, or in source form the TypeScript entry through tsx. */
function workerEntry(): { source: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { source: new URL('./sqlite-writer.mjs', import.meta.url), eval: false };
  // tsx's ESM API (`tsx/esm/api` as `import` resolves it; require() would pick its CommonJS build).
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsx = pathToFileURL(join(dirname(tsxPackage), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./writer-worker.ts', import.meta.url).href;
  // tsx's hooks are registered from inside the thread: a thread does not take `--import` from execArgv.
  return {
    source: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
    eval: true,
  };
}

export class WriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (reply: WriterReply) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #stopped: Promise<void> | undefined;
  #failure: Error | undefined;

  /** `onFailure` runs once if the thread dies; the store then writes on its own connection. */
  constructor(data: WriterThreadData, onFailure: (reason: string) => void) {
    const entry = workerEntry();
    // Nothing of the parent's command line (loaders, test-runner flags) is needed in the thread.
    this.#worker = new Worker(entry.source, { eval: entry.eval, workerData: data, execArgv: [] });
    // Referenced only while a request is pending: an idle writer never keeps a finished process alive.
    this.#worker.unref();
    const fail = (reason: string) => {
      if (this.#failure || this.#stopped) return;
      this.#failure = new Error(`SQLite writer thread stopped: ${reason}`);
      for (const p of this.#pending.values()) p.reject(this.#failure);
      this.#pending.clear();
      onFailure(reason);
    };
    this.#worker.on('message', (reply: WriterReply) => {
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      p.resolve(reply);
    });
    this.#worker.on('error', (err) => fail(err.message));
    this.#worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  async writeGroup(batches: WriteBatch[]): Promise<WriteOutcome[]> {
    const reply = await this.#call({ kind: 'write', batches });
    if (!('outcomes' in reply)) throw new Error('unexpected reply from the SQLite writer thread');
    return reply.outcomes.map((o) => (o.ok ? o : { ok: false, error: new WriterThreadError(o.error) }));
  }

  async purgeIdempotencyKeys(olderThan: number): Promise<number> {
    const reply = await this.#call({ kind: 'purge', olderThan });
    if (!('value' in reply)) throw new Error('unexpected reply from the SQLite writer thread');
    return reply.value;
  }

  async setAutocheckpoint(pages: number): Promise<void> {
    await this.#call({ kind: 'autocheckpoint', pages });
  }

  /** `SqliteWriter.visitorSalt`, `purgeVisitorSalts` and `backfillChunk` on the thread's connection. */
  async visitorSalt(day: number, candidate: string): Promise<string> {
    return this.#data(await this.#call({ kind: 'salt', day, candidate })) as string;
  }

  async purgeVisitorSalts(day: number): Promise<number> {
    return this.#data(await this.#call({ kind: 'purgeSalts', day })) as number;
  }

  async backfillChunk(limit: number): Promise<BackfillChunk> {
    return this.#data(await this.#call({ kind: 'backfill', limit })) as BackfillChunk;
  }

  #data(reply: WriterReply): unknown {
    if (!('data' in reply)) throw new Error('unexpected reply from the SQLite writer thread');
    return reply.data;
  }

  #call(request: Request): Promise<WriterReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#stopped) return Promise.reject(new Error('SQLite writer thread is closed'));
    const id = this.#nextId++;
    return new Promise<WriterReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...request, id } satisfies WriterRequest);
    }).then((reply) => {
      if ('error' in reply) throw new WriterThreadError(reply.error);
      return reply;
    });
  }

  /** Close the thread's connection and let the thread end (after every pending request was answered). */
  close(): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.#failure) return;
      const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
      // Closing is awaited work: keep the process alive until the thread has closed its connection.
      this.#worker.ref();
      this.#worker.postMessage({ kind: 'close' } satisfies WriterRequest);
      const timeout = new Promise<'timeout'>((r) => setTimeout(r, 5000, 'timeout').unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') await this.#worker.terminate();
    })();
    return this.#stopped;
  }

  /** Stop the thread at once, abandoning its pending requests (they reject; `onFailure` runs). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}
