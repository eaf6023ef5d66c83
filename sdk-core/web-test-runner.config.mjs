// The browser suite: real headless Chromium (Debian's), real IndexedDB and Web Locks, against the real API
// server, which the tests stop and start through server commands (test/browser/server-plugin.mjs).
// Run through `npm test` (scripts/test.mjs), which loads tsx and the `source` condition so the server's
// TypeScript test entry can be imported here.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { crashServer } from './crash-server-plugin.mjs';
import { apiServer } from './test/browser/server-plugin.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const api = apiServer();

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
  middleware: [api.middleware],
  plugins: [
    api.plugin,
    crashServer(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: join(here, '../tsconfig.base.json') }),
  ],
  browsers: [chromeLauncher({ launchOptions: chromiumLaunchOptions })],
};
