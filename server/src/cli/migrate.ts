/**
 * `npm run migrate -w server` (in the container image: `node server/dist/migrate.mjs`) opens the store that
 * `DATABASE_URL` names, applies its pending migrations and, on PostgreSQL, creates the monthly partitions of
 * `events` the API will write into, then exits 0 (1 with the reason on stderr).
 *
 * It is what a deployment's migration job runs as the database owner before a new revision starts, and
 * daily for the partitions, so that the API itself can connect as a role without DDL rights
 * (`ANALYTICS_MIGRATE_ON_START=false`). Running it again is harmless: applied steps and existing partitions
 * are skipped, and concurrent runs serialise on advisory locks.
 */
import { openStore, redact, StoreConfigError } from '../store/index.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('migrate: set DATABASE_URL to the store to migrate (sqlite:PATH or postgres://…)\n');
  process.exit(2);
}

try {
  const t0 = performance.now();
  const store = await openStore(url);
  await store.close();
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(`${JSON.stringify({ migrated: redact(url), store: store.info.kind, ms })}\n`);
} catch (err) {
  const reason = err instanceof StoreConfigError ? err.message : String((err as Error).stack ?? err);
  process.stderr.write(`migrate: ${redact(reason)}\n`);
  process.exit(1);
}
