// Browser suites in Debian's headless Chromium against the real API server (see scripts/wtr-plugin.mjs).
// Run through `npm test` (scripts/test.mjs), which loads tsx and the `source` condition so the server's
// TypeScript test entry can be imported here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { analyticsServer } from './scripts/wtr-plugin.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Within this package's port range; the API server itself takes a free port.
const port = Number(process.env.WIDGETS_TEST_PORT ?? 18310);
const analytics = analyticsServer({ port });

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
    analytics.plugin,
    // The base config itself: the plugin reads the file raw and would not follow `extends` (decorators).
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: join(here, '../tsconfig.base.json') }),
  ],
  browsers: [chromeLauncher({ launchOptions: chromiumLaunchOptions })],
};
