import Database from 'better-sqlite3';

type Params = unknown[] | Record<string, unknown>;
type Statement = Database.Statement<unknown[], unknown>;

/** An error from SQLite with the statement that raised it, so logs say which query failed. */
export class SqliteError extends Error {
  override name = 'SqliteError';
  readonly sql: string;
  readonly code: string | undefined;
  constructor(cause: unknown, sql: string) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`${message} (SQL: ${sql.replace(/\s+/g, ' ').trim().slice(0, 500)})`, { cause });
    this.sql = sql;
    this.code = (cause as { code?: string }).code;
  }
}

/**
 * The one owner of a better-sqlite3 handle: prepared statements are cached by their SQL text (never prepared
 * per request), errors carry their SQL, and `transaction(fn)` is synchronous: nothing may `await` inside it,
 * so no other request's work can interleave with an open transaction.
 */
export class Db {
  readonly handle: Database.Database;
  readonly #statements = new Map<string, Statement>();

  constructor(path: string, options?: Database.Options) {
    this.handle = new Database(path, options);
  }

  prepare(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      try {
        stmt = this.handle.prepare(sql);
      } catch (err) {
        throw new SqliteError(err, sql);
      }
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  run(sql: string, params: Params = []): Database.RunResult {
    try {
      return this.prepare(sql).run(params);
    } catch (err) {
      throw err instanceof SqliteError ? err : new SqliteError(err, sql);
    }
  }

  get<T>(sql: string, params: Params = []): T | undefined {
    try {
      return this.prepare(sql).get(params) as T | undefined;
    } catch (err) {
      throw err instanceof SqliteError ? err : new SqliteError(err, sql);
    }
  }

  all<T>(sql: string, params: Params = []): T[] {
    try {
      return this.prepare(sql).all(params) as T[];
    } catch (err) {
      throw err instanceof SqliteError ? err : new SqliteError(err, sql);
    }
  }

  /** Rows as arrays (no per-row object), for hot scans. */
  raw(sql: string, params: Params = []): unknown[][] {
    try {
      return this.prepare(sql).raw(true).all(params) as unknown[][];
    } catch (err) {
      throw err instanceof SqliteError ? err : new SqliteError(err, sql);
    }
  }

  exec(sql: string): void {
    try {
      this.handle.exec(sql);
    } catch (err) {
      throw new SqliteError(err, sql);
    }
  }

  /** Run `fn` in a transaction (a savepoint when nested). `fn` must be synchronous. */
  transaction<T>(fn: () => T, mode: 'deferred' | 'immediate' | 'exclusive' = 'immediate'): T {
    const tx = this.handle.transaction(fn);
    return tx[mode]();
  }

  close(): void {
    this.#statements.clear();
    if (this.handle.open) this.handle.close();
  }
}

/**
 * Open a connection with the settings every connection of the store shares (the reading one on the event
 * loop and the writer thread's). `wal_autocheckpoint` is the caller's: it depends on which connection
 * commits and on whether the checkpoint worker runs.
 */
export function openConnection(path: string, synchronous: 'NORMAL' | 'FULL'): Db {
  const db = new Db(path);
  const h = db.handle;
  h.pragma('journal_mode = WAL');
  h.pragma(`synchronous = ${synchronous}`);
  h.pragma('foreign_keys = ON');
  // The other connections (writer thread, checkpointer, tools, the SQL test) may hold the lock briefly.
  h.pragma('busy_timeout = 5000');
  h.pragma('cache_size = -65536'); // 64 MiB page cache
  h.pragma('temp_store = MEMORY');
  h.pragma('journal_size_limit = 67108864');
  return db;
}
