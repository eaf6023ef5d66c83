import type { EventStore, StoreFactory, StoreOptions } from './types.js';

export type * from './types.js';

/** Raised when `DATABASE_URL` names no usable store; the process entry prints it and exits. */
export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/**
 * Open the store `DATABASE_URL` selects and apply its migrations:
 * `sqlite:PATH`, `sqlite::memory:`, or `postgres://...` / `postgresql://...`.
 * Each store is imported on demand, so a SQLite deployment never loads `pg` and the other way round.
 *
 * `{ migrate: false }` opens without migrating, for an API whose database role may not run DDL: a migration
 * job (server/src/cli/migrate.ts) has applied them as the owner. PostgreSQL partitions are then the job's
 * too; the store only finds the existing ones.
 */
export async function openStore(
  databaseUrl: string,
  options: StoreOptions = {},
  { migrate = true }: { migrate?: boolean } = {},
): Promise<EventStore> {
  let factory: StoreFactory;
  if (databaseUrl.startsWith('sqlite:')) {
    ({ createStore: factory } = await import('./sqlite/index.js'));
  } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    factory = await loadPostgres();
  } else {
    throw new StoreConfigError(
      `DATABASE_URL must start with "sqlite:" or "postgres://" (got "${redact(databaseUrl)}")`,
    );
  }
  const store = await factory(databaseUrl, options);
  if (migrate) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }
  // Rows stored before the visitors migration get their derived columns in the background, in chunks
  // (plain DML, so a DML-only role runs it too; a no-op once done); close() stops it between two chunks.
  store.backfill().catch((err: unknown) => {
    process.emitWarning(`backfill of visitor columns stopped: ${(err as Error).message ?? err}`);
  });
  return store;
}

async function loadPostgres(): Promise<StoreFactory> {
  // A variable specifier keeps bundlers and the type checker from requiring the module to exist yet.
  const specifier = './postgres/index.js';
  try {
    const mod = (await import(specifier)) as { createStore?: StoreFactory };
    if (typeof mod.createStore !== 'function') {
      throw new StoreConfigError('the PostgreSQL store module does not export createStore()');
    }
    return mod.createStore;
  } catch (err) {
    if (err instanceof StoreConfigError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new StoreConfigError(
        'the PostgreSQL store is not available in this build; use DATABASE_URL=sqlite:PATH for now',
      );
    }
    throw err;
  }
}

/** Hide credentials before a URL reaches a log or an error message. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
