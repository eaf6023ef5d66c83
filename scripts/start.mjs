// `npm start`: the whole demo from a fresh clone. Installs dependencies when missing, builds the dashboard
// when its sources changed, then runs the API (seeded with sample_data/) and the dashboard together until
// Ctrl-C, which stops both. `npm start -- --dev` runs the dashboard with `next dev` instead.
// Environment: PORT (API, 8787), DASHBOARD_PORT (3000), DASHBOARD_HOST (127.0.0.1), ANALYTICS_API_URL (the
// API's address as the browser sees it), and every variable of the API (ANALYTICS_JWT_SECRET, DATABASE_URL...),
// which the dashboard's token route shares.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, log, root, run } from './lib.mjs';

const dev = process.argv.includes('--dev');
const apiPort = Number(process.env.PORT ?? 8787);
const webPort = Number(process.env.DASHBOARD_PORT ?? 3000);
// Loopback only, like the API's default HOST: a demo with a dev signing secret stays on this machine.
const webHost = process.env.DASHBOARD_HOST ?? '127.0.0.1';
const apiUrl = process.env.ANALYTICS_API_URL ?? `http://localhost:${apiPort}`;
const webUrl = `http://localhost:${webPort}`;

ensureDependencies();

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

// The dashboard bundles the workspace packages from their TypeScript sources, so a build is stale when
// any of them (or the app) is newer than the last build.
function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.next' || entry.name.startsWith('test')) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}
const buildId = join(root, 'demo-next', '.next', 'BUILD_ID');
const sources = ['demo-next', 'sdk-react/src', 'sdk-core/src', 'widgets/src'].map((dir) =>
  newest(join(root, dir)),
);
if (!dev && (!existsSync(buildId) || statSync(buildId).mtimeMs < Math.max(...sources))) {
  log('building the dashboard (next build)');
  run('npm', ['run', 'build', '-w', 'demo-next'], { env });
}

const children = [];
let stopping = false;

function start(name, args, extraEnv) {
  // Each child leads its own process group, so stopping it also stops what it spawned (tsx, next's workers).
  const child = spawn('npm', args, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: 'inherit',
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${code ?? signal}); stopping the rest`);
    stop(code || 1);
  });
  children.push(child);
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
  // A process that ignores SIGTERM for 5 s is killed, so Ctrl-C always returns the terminal.
  const force = setTimeout(() => {
    for (const child of alive) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }, 5000);
  force.unref();
  Promise.all(alive.map((child) => new Promise((done) => child.once('exit', done)))).then(() =>
    process.exit(code),
  );
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));

start('API', ['run', 'start', '-w', 'server'], {
  PORT: String(apiPort),
  // The script-tag bundle the API serves under /sdk/ (the widgets build; the server has no default).
  ANALYTICS_SDK_DIR: process.env.ANALYTICS_SDK_DIR ?? join(root, 'widgets', 'dist'),
  ANALYTICS_SEED: process.env.ANALYTICS_SEED ?? 'sample',
  ANALYTICS_CORS_ORIGINS:
    process.env.ANALYTICS_CORS_ORIGINS ?? `http://localhost:${webPort},http://127.0.0.1:${webPort}`,
});
// webpack in development too: the workspace sources import `./x.js` for `./x.ts`, which Turbopack cannot map.
const nextArgs = dev ? ['dev', '--webpack'] : ['start'];
start(
  'dashboard',
  ['exec', '-w', 'demo-next', '--', 'next', ...nextArgs, '-p', String(webPort), '-H', webHost],
  {
    ANALYTICS_API_URL: apiUrl,
    PORT: String(webPort),
    // `next start` runs with NODE_ENV=production, where the demo signs nothing without a configured secret;
    // locally it signs with the development secret, which the API (started without NODE_ENV) also uses.
    ANALYTICS_JWT_SECRET: process.env.ANALYTICS_JWT_SECRET || 'analytics-dev-secret-change-me-0123456789',
  },
);

async function waitFor(url) {
  for (;;) {
    if (stopping) return false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok || response.status < 500) return true;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

if ((await waitFor(`${apiUrl}/ready`)) && (await waitFor(webUrl))) {
  log(`API        ${apiUrl}   (docs: ${apiUrl}/docs)`);
  log(`dashboard  ${webUrl}/dashboard`);
  log('Ctrl-C stops both');
}
