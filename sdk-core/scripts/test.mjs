// `npm test` for the SDK core: unit and integration tests (vitest), the build and its size budget
// (size-limit), then the browser suite in headless Chromium (skipped when ANALYTICS_SKIP_BROWSER=1).
import { workspaceSteps } from '../../scripts/steps.mjs';

const { run, bin } = workspaceSteps(import.meta.url);

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
