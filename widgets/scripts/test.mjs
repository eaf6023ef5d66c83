// `npm test` for the widgets: the browser suites (skipped when ANALYTICS_SKIP_BROWSER=1), then the
// production build and its size budget.
import { workspaceSteps } from '../../scripts/steps.mjs';

const { run, bin } = workspaceSteps(import.meta.url);

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
