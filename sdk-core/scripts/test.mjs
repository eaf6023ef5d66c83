// `npm test` for the SDK core: unit and integration tests (vitest), the build and its size budget
// (size-limit), then the browser suite in headless Chromium (skipped when ANALYTICS_SKIP_BROWSER=1).
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
const bin = (pkg, file, entry) => join(root(pkg, entry), file);

run([bin('vitest', 'vitest.mjs'), 'run'], 'unit and integration tests (vitest)');
run([bin('rollup', 'dist/bin/rollup'), '-c', 'build.mjs', '--silent'], 'build');
run(['scripts/size.mjs'], 'size-budget bundles (esbuild)');
run([bin('size-limit', 'bin.js')], 'size budget (size-limit)');
if (process.env.ANALYTICS_SKIP_BROWSER === '1') {
  console.log('ANALYTICS_SKIP_BROWSER=1: browser suite skipped');
} else {
  // tsx and the `source` condition let the runner import the server's TypeScript test entry.
  run(
    [
      '--conditions=source',
      '--import',
      'tsx',
      bin('@web/test-runner', 'dist/bin.js'),
      '--config',
      'web-test-runner.config.mjs',
    ],
    'browser suite (web-test-runner, headless Chromium)',
  );
}
