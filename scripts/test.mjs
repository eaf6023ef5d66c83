// `npm test`: installs what is missing (dependencies; Chromium and PostgreSQL from Debian's packages
// when run as root), then runs every suite. Under CI a missing browser or database fails the run.
import { CHROMIUM, ensureChromium, ensureDependencies, ensurePostgres, log, run } from './lib.mjs';

const ci = process.env.CI === 'true';
ensureDependencies();

const env = { ...process.env, CHROME_PATH: CHROMIUM };
if (!ensureChromium()) {
  if (ci) throw new Error(`Chromium is required under CI and was not found at ${CHROMIUM}`);
  log('Chromium not found: browser suites will be skipped (run as root to install it)');
  env.ANALYTICS_SKIP_BROWSER = '1';
}
const pgUrl = ensurePostgres();
if (pgUrl) env.ANALYTICS_TEST_PG_URL = pgUrl;
else if (ci) throw new Error('PostgreSQL is required under CI and could not be started');
else log('PostgreSQL not available: the PostgreSQL store suites will be skipped');

const suites = [
  ['server', ['run', 'test', '-w', 'server']],
  ['sdk-core', ['run', 'test', '-w', 'sdk-core']],
  ['widgets', ['run', 'test', '-w', 'widgets']],
  ['sdk-react', ['run', 'test', '-w', 'sdk-react']],
  ['demo-next', ['run', 'test', '-w', 'demo-next']],
  ['infra', ['exec', '--', 'vitest', 'run', '--root', 'infra']],
];
const only = process.argv.slice(2);
const failed = [];
for (const [name, args] of suites) {
  if (only.length && !only.includes(name)) continue;
  log(`suite: ${name}`);
  try {
    run('npm', args, { env });
  } catch (error) {
    failed.push(name);
    console.error(error.message);
  }
}
if (failed.length) {
  console.error(`\nFailed suites: ${failed.join(', ')}`);
  process.exit(1);
}
log('every suite passed');
