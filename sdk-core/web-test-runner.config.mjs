// The browser suite: real headless Chromium (Debian's), real IndexedDB and Web Locks, against the real API
// server, run as its own process so the crash tests can SIGKILL it and the delivery tests can stop and
// start it (the server package's web-test-runner plugin, `@acme/analytics-server/testing/wtr`).
// Run through `npm test` (scripts/test.mjs), which loads tsx and the `source` condition so the server's
// TypeScript test entry can be imported here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyticsServerPlugin } from '@acme/analytics-server/testing/wtr';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Every page of the suite sends as fast as it can: no rate limit.
const analytics = analyticsServerPlugin({ process: true, rateLimit: false });

export default {
  // The repository root, so the SDK's sources and the dependencies are served as they are.
  rootDir: join(here, '..'),
  files: [join(here, 'test/browser/**/*.test.ts')],
  hostname: '127.0.0.1',
  port: Number(process.env.SDK_TEST_PORT ?? 18200),
  nodeResolve: { exportConditions: ['source', 'browser'] },
  concurrency: 1,
  testFramework: { config: { timeout: 60_000 } },
  testsFinishTimeout: 300_000,
  middleware: [analytics.middleware],
  plugins: [
    analytics,
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: join(here, '../tsconfig.base.json') }),
  ],
  browsers: [chromeLauncher({ launchOptions: chromiumLaunchOptions })],
};
