// Shared by `npm start`, `npm test` and `npm run bench`: make a fresh clone runnable with one command.
// Plain Node with no dependencies, because it runs before `npm ci` has.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export function log(message) {
  console.log(`\u001b[36m›\u001b[0m ${message}`);
}

export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

/** Runs `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci; better-sqlite3 compiles from source, about a minute)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
function aptInstall(packages) {
  if (!isRoot || !has('apt-get')) return false;
  if (!aptUpdated) {
    log('apt-get update');
    run('apt-get', ['update', '-qq']);
    aptUpdated = true;
  }
  log(`apt-get install ${packages.join(' ')}`);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return true;
}

/** Debian's Chromium for the browser suites; never a downloaded browser. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  aptInstall(['chromium']);
  return existsSync(CHROMIUM);
}

export const PG_TEST_URL =
  process.env.ANALYTICS_TEST_PG_URL ?? 'postgres://analytics:analytics@127.0.0.1:5432/analytics_test';

function pgVersion() {
  if (!existsSync('/usr/lib/postgresql')) return null;
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').filter(Boolean);
  return versions.sort((a, b) => Number(b) - Number(a))[0] ?? null;
}

/**
 * A PostgreSQL server on loopback with the test role and database, from Debian's packages.
 * Returns the connection URL, or null when it cannot be had (not root, no apt).
 */
export function ensurePostgres() {
  if (process.env.ANALYTICS_TEST_PG_URL) return process.env.ANALYTICS_TEST_PG_URL;
  if (!isRoot) return null;
  if (!pgVersion() || !has('pg_ctlcluster')) aptInstall(['postgresql']);
  const version = pgVersion();
  if (!version) return null;
  const clusters = execFileSync('pg_lsclusters', ['-h']).toString();
  if (!clusters.includes(`${version} main`)) run('pg_createcluster', [version, 'main']);
  if (!/online/.test(execFileSync('pg_lsclusters', ['-h']).toString())) {
    log(`starting PostgreSQL ${version}`);
    run('pg_ctlcluster', [version, 'main', 'start']);
  }
  const psql = (sql) =>
    spawnSync('su', ['postgres', '-c', `psql -v ON_ERROR_STOP=1 -qAtc "${sql}"`], { encoding: 'utf8' });
  if (psql("select 1 from pg_roles where rolname='analytics'").stdout.trim() !== '1') {
    psql("create role analytics login password 'analytics' createdb");
  }
  if (psql("select 1 from pg_database where datname='analytics_test'").stdout.trim() !== '1') {
    psql('create database analytics_test owner analytics');
  }
  return PG_TEST_URL;
}

export function readJson(path) {
  return JSON.parse(readFileSync(join(root, path), 'utf8'));
}
