// Browser suites in Debian's headless Chromium against the real API server, run by the server package's
// web-test-runner plugin (`@acme/analytics-server/testing/wtr`) with these suites' options and pages
// (scripts/wtr-plugin.mjs).
// Run through `npm test` (scripts/test.mjs), which loads tsx and the `source` condition so the server's
// TypeScript test entry can be imported here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyticsServerPlugin } from '@acme/analytics-server/testing/wtr';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { analyticsOptions, widgetsPages } from './scripts/wtr-plugin.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Within this package's port range; the API server itself takes a free port.
const port = Number(process.env.WIDGETS_TEST_PORT ?? 18310);
const analytics = analyticsServerPlugin(analyticsOptions({ port }));

export default {
  // The repository root, so the SDK core's sources and axe-core are served too.
  rootDir: join(here, '..'),
  files: [join(here, 'test/**/*.test.ts')],
  hostname: '127.0.0.1',
  port,
  nodeResolve: { exportConditions: ['source', 'browser'] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  middleware: [analytics.middleware],
  plugins: [
    analytics,
    widgetsPages(analytics),
    // The base config itself: the plugin reads the file raw and would not follow `extends` (decorators).
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: join(here, '../tsconfig.base.json') }),
  ],
  browsers: [chromeLauncher({ launchOptions: chromiumLaunchOptions })],
};
