/**
 * The migrate command as a deployment's migration job runs it (a child process with DATABASE_URL), and an
 * API started with ANALYTICS_MIGRATE_ON_START=false, on each store: the job's schema is what the API serves
 * from, and the API itself applies nothing.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { parsePgUrl } from '../../src/store/postgres/url.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { type ServerProcess, spawnServerProcess } from '../../src/testing/process.js';
import { mintToken } from '../../src/testing.js';
import { type StoreCase, stores } from '../helpers.js';

// Each test runs the command as a child process (tsx compiles on start): on a busy shared machine that
// takes longer than the default 5 s, without anything being wrong.
vi.setConfig({ testTimeout: 30_000 });

const CLI = new URL('../../src/cli/migrate.ts', import.meta.url).pathname;

function runMigrate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

/** The schema version the database holds: SQLite's user_version, PostgreSQL's schema_migrations. */
async function schemaVersion(storeCase: StoreCase['name'], url: string): Promise<number> {
  if (storeCase === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      return Number(db.pragma('user_version', { simple: true }));
    } finally {
      db.close();
    }
  }
  const target = parsePgUrl(url);
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    const table = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `"${target.schema}".schema_migrations`,
    ]);
    if (!table.rows[0]?.t) return 0;
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM "${target.schema}".schema_migrations`,
    );
    return rows[0]?.v ?? 0;
  } finally {
    await client.end();
  }
}

const latest = { sqlite: SQLITE_MIGRATIONS.at(-1)!.version, postgres: PG_MIGRATIONS.at(-1)!.version };

describe('the migrate command', () => {
  it('refuses to run without DATABASE_URL, naming it', async () => {
    const { code, out } = await runMigrate({});
    expect(code).toBe(2);
    expect(out).toMatch(/DATABASE_URL/);
  });

  it('fails with the reason for a URL that names no store', async () => {
    const { code, out } = await runMigrate({ DATABASE_URL: 'mysql://somewhere/db' });
    expect(code).toBe(1);
    expect(out).toMatch(/must start with "sqlite:" or "postgres:\/\/"/);
  });
});

describe.each(stores)('migration job and ANALYTICS_MIGRATE_ON_START=false ($name)', (storeCase) => {
  let db: { url: string; dispose(): Promise<void> } | undefined;
  let server: ServerProcess | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await db?.dispose();
    db = undefined;
  });

  it('the job migrates to the latest version, and running it again changes nothing', async () => {
    db = await storeCase.provision();
    expect(await schemaVersion(storeCase.name, db.url)).toBe(0);
    const first = await runMigrate({ DATABASE_URL: db.url });
    expect(first.code, first.out).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ store: storeCase.name });
    expect(await schemaVersion(storeCase.name, db.url)).toBe(latest[storeCase.name]);
    const again = await runMigrate({ DATABASE_URL: db.url });
    expect(again.code, again.out).toBe(0);
    expect(await schemaVersion(storeCase.name, db.url)).toBe(latest[storeCase.name]);
  });

  it('an API told not to migrate applies nothing to a fresh database', async () => {
    db = await storeCase.provision();
    server = await spawnServerProcess({
      databaseUrl: db.url,
      env: { ANALYTICS_MIGRATE_ON_START: 'false' },
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await schemaVersion(storeCase.name, db.url)).toBe(0);
  });

  it('an API told not to migrate serves ingest and reads from the schema the job made', async () => {
    db = await storeCase.provision();
    expect((await runMigrate({ DATABASE_URL: db.url })).code).toBe(0);
    server = await spawnServerProcess({
      databaseUrl: db.url,
      env: { ANALYTICS_MIGRATE_ON_START: 'false' },
    });
    const token = await mintToken({ org: 'org_migrated', scope: 'events:write events:read' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ingest = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events: [{ event_type: 'signup', timestamp: new Date().toISOString() }] }),
    });
    expect(ingest.status).toBe(202);
    const read = await fetch(`${server.url}/api/v1/events?org_id=org_migrated`, { headers });
    expect(read.status).toBe(200);
    const page = (await read.json()) as { data: { event_type: string }[] };
    expect(page.data.map((e) => e.event_type)).toEqual(['signup']);
  });
});

describe('ANALYTICS_MIGRATE_ON_START', () => {
  it('is true by default, and only "true"/"false" (or 1/0) are accepted', () => {
    expect(loadConfig({}).migrateOnStart).toBe(true);
    expect(loadConfig({ ANALYTICS_MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
    expect(loadConfig({ ANALYTICS_MIGRATE_ON_START: '1' }).migrateOnStart).toBe(true);
    expect(() => loadConfig({ ANALYTICS_MIGRATE_ON_START: 'no' })).toThrow(/ANALYTICS_MIGRATE_ON_START/);
  });
});
