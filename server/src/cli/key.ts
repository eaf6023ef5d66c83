/**
 * Publishable ingest keys on the configured database (`DATABASE_URL`, or `--database-url`), as the keys
 * routes make them, for an operator or a deployment script:
 *
 *   npm run key -- create --org ORG --origin https://shop.example [--origin ...] [--name N] [--rate-limit N]
 *   npm run key -- list --org ORG
 *   npm run key -- revoke --org ORG --id ID
 *
 * Each prints JSON on stdout (`create`: the API's 201 body, the only time the key is shown). A running
 * server accepts a new key at once and refuses a revoked one within 5 s.
 */
import { parseArgs } from 'node:util';
import { createIngestKey, listIngestKeys } from '../domain/ingest-keys.js';
import { ApiError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { openStore } from '../store/index.js';

const USAGE = `usage:
  npm run key -- create --org ORG --origin https://shop.example [--origin ...] [--name NAME] [--rate-limit N]
  npm run key -- list --org ORG
  npm run key -- revoke --org ORG --id ID
options: --database-url URL (default: DATABASE_URL, else sqlite:./data/analytics.db)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    org: { type: 'string' },
    origin: { type: 'string', multiple: true },
    name: { type: 'string' },
    'rate-limit': { type: 'string' },
    id: { type: 'string' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function fail(message: string, code = 2): never {
  process.stderr.write(`key: ${message}\n`);
  process.exit(code);
}

const command = positionals[0];
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (command !== 'create' && command !== 'list' && command !== 'revoke') {
  process.stderr.write(USAGE);
  process.exit(2);
}
const org = values.org;
if (!org || org.length > 255) fail('--org is required (1–255 characters)');

let rateLimit: number | undefined;
if (values['rate-limit'] !== undefined) {
  rateLimit = Number(values['rate-limit']);
  if (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > 1_000_000) {
    fail('--rate-limit must be an integer from 1 to 1000000 (requests per minute)');
  }
}
if (command === 'create' && !values.origin?.length) {
  fail('create needs at least one --origin (the pages that may use the key, e.g. https://shop.example)');
}
if (command === 'revoke' && !values.id) fail('revoke needs --id (see `npm run key -- list --org ORG`)');

// A relative sqlite: path is taken from where the command was typed, as gen-data does.
const url = values['database-url'] ?? process.env.DATABASE_URL ?? 'sqlite:./data/analytics.db';
const databaseUrl =
  url.startsWith('sqlite:') && !url.startsWith('sqlite:/') && !url.startsWith('sqlite::')
    ? `sqlite:${new URL(url.slice(7), `file://${process.env.INIT_CWD ?? process.cwd()}/`).pathname}`
    : url;

const store = await openStore(databaseUrl);
let exitCode = 0;
try {
  if (command === 'create') {
    const name = values.name ?? `key for ${values.origin!.join(', ')}`.slice(0, 100);
    const created = await createIngestKey(store, {
      orgId: org,
      name,
      allowedOrigins: values.origin!,
      rateLimitPerMinute: rateLimit,
    });
    process.stdout.write(`${JSON.stringify(created)}\n`);
    process.stderr.write('key: store the key now; it is not shown again (the database keeps a hash)\n');
  } else if (command === 'list') {
    process.stdout.write(`${JSON.stringify(await listIngestKeys(store, org), null, 2)}\n`);
  } else {
    const id = values.id!;
    const revoked = isUuid(id) && (await store.revokeKey(org, id.toLowerCase(), Date.now()));
    if (revoked) process.stdout.write(`${JSON.stringify({ revoked: id })}\n`);
    else {
      process.stderr.write(`key: ${org} has no key with id ${id}\n`);
      exitCode = 1;
    }
  }
} catch (err) {
  if (!(err instanceof ApiError)) throw err;
  const fields = err.errors?.map(
    (e) => `\n  ${e.path.replace('/allowed_origins/', '--origin #')}: ${e.message}`,
  );
  process.stderr.write(`key: ${err.message}${fields?.join('') ?? ''}\n`);
  exitCode = 2;
} finally {
  await store.close();
}
process.exit(exitCode);
