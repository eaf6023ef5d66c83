/**
 * `npm run migrate-store -- --from sqlite:PATH --to postgres://… [--chunk 5000] [--max-chunks N]
 * [--allow-non-empty]` copies every table of a SQLite store into a PostgreSQL store (migrations applied
 * first). Resumable: run the same command again after an interruption and it continues after the last
 * committed chunk. Row counts of every table are compared at the end; a difference fails the command.
 */
import { parseArgs } from 'node:util';
import { redact } from '../store/index.js';
import { CopyError, copySqliteToPostgres } from '../store/postgres/copy.js';
import { createStore, type PostgresEventStore } from '../store/postgres/index.js';

const USAGE =
  'usage: npm run migrate-store -- --from sqlite:PATH --to postgres://USER:PASSWORD@HOST:PORT/DB[?schema=NAME]\n' +
  '         [--chunk 5000] [--max-chunks N] [--allow-non-empty]\n';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    chunk: { type: 'string', default: '5000' },
    'max-chunks': { type: 'string' },
    'allow-non-empty': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.from || !values.to || !/^postgres(ql)?:\/\//.test(values.to)) {
  process.stderr.write(USAGE);
  process.exit(2);
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`migrate-store: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return n;
}

// npm runs workspace scripts from the workspace folder; a relative path means the caller's directory.
const from = values.from.startsWith('sqlite:')
  ? `sqlite:${new URL(values.from.slice(7).replace(/^\/\//, ''), `file://${process.env.INIT_CWD ?? process.cwd()}/`).pathname}`
  : values.from;

let store: PostgresEventStore | undefined;
let lastLine = 0;
let lastPrinted = '';
try {
  store = (await createStore(values.to)) as PostgresEventStore;
  await store.migrate();
  process.stdout.write(`copying ${from} → ${redact(values.to)}\n`);
  const t0 = performance.now();
  const report = await copySqliteToPostgres(from, store, {
    chunkSize: positive('chunk', values.chunk),
    maxChunks: positive('max-chunks', values['max-chunks']),
    allowNonEmpty: values['allow-non-empty'],
    onProgress: (table, copied, total) => {
      const now = performance.now();
      const line = `${table}:${copied}`;
      if (line === lastPrinted || (copied < total && now - lastLine < 1000)) return;
      lastLine = now;
      lastPrinted = line;
      process.stdout.write(
        `  ${table.padEnd(17)} ${copied.toLocaleString('en')} / ${total.toLocaleString('en')}\n`,
      );
    },
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (!report.complete) {
    process.stdout.write(
      `stopped after --max-chunks (${seconds} s); run the same command again to continue\n`,
    );
  } else {
    process.stdout.write(`done in ${seconds} s; rows per table (source = target):\n`);
    for (const t of report.tables) {
      const mark = t.source === t.target ? '=' : '≠';
      process.stdout.write(`  ${t.table.padEnd(17)} ${String(t.source).padStart(10)} ${mark} ${t.target}\n`);
    }
  }
} catch (err) {
  const message = err instanceof CopyError ? err.message : String((err as Error).stack ?? err);
  process.stderr.write(`migrate-store: ${message}\n`);
  process.exitCode = 1;
} finally {
  await store?.close();
}
