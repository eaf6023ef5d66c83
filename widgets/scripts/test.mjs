// `npm test` for the widgets: the browser suites (skipped when ANALYTICS_SKIP_BROWSER=1), then the
// production build and its size budget.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function run(args, label) {
  console.log(`\n› ${label}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: here });
  if (result.status !== 0) {
    console.error(`${label} failed (${result.status ?? result.signal})`);
    process.exit(1);
  }
}

// Package roots by their entry points (not every package exports its package.json).
const root = (pkg, entry = pkg) => {
  let dir = dirname(require.resolve(entry));
  while (!dir.endsWith(join('node_modules', pkg))) dir = dirname(dir);
  return dir;
};
const bin = (pkg, file) => join(root(pkg), file);

run([bin('rollup', 'dist/bin/rollup'), '-c', 'build.mjs', '--silent'], 'build');
if (process.env.ANALYTICS_SKIP_BROWSER === '1') {
  console.log('ANALYTICS_SKIP_BROWSER=1: browser suites skipped');
} else {
  // tsx and the `source` condition let the runner import the server's TypeScript test entry.
  run(
    [
      '--conditions=source',
      '--import',
      'tsx',
      bin('@web/test-runner', 'dist/bin.js'),
      ...process.argv.slice(2),
    ],
    'browser suites (web-test-runner, headless Chromium)',
  );
}
run([bin('size-limit', 'bin.js')], 'size budget (size-limit)');
