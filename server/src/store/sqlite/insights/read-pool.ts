import { Db } from '../db.js';

/**
 * Read-only connections for the long reads of insights and exports. A better-sqlite3 connection is busy
 * while a statement iterates, so a scan that gives the event loop back between slices of rows needs a
 * connection of its own; the store's own connection stays free for every other request meanwhile. Opened
 * read-only: nothing on them can write, take the write lock or wait for the writer (WAL readers never do).
 */
export class ReadPool {
  readonly #path: string;
  readonly #idle: Db[] = [];
  #closed = false;

  constructor(path: string) {
    this.#path = path;
  }

  acquire(): Db {
    if (this.#closed) throw new Error('store is closed');
    const idle = this.#idle.pop();
    if (idle) return idle;
    const db = new Db(this.#path, { readonly: true, fileMustExist: true });
    db.handle.pragma('busy_timeout = 5000');
    db.handle.pragma('cache_size = -32768'); // 32 MiB page cache each
    return db;
  }

  release(db: Db): void {
    // Keep a couple for the next scans; the rest close.
    if (this.#closed || this.#idle.length >= 2) {
      db.close();
    } else this.#idle.push(db);
  }

  close(): void {
    this.#closed = true;
    for (const db of this.#idle.splice(0)) db.close();
  }
}
