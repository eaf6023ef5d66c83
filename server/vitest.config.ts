import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../vitest.shared.mjs';

export default defineConfig({
  ...sourceResolve,
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Every response of every app a test builds is checked against the app's /openapi.json.
    setupFiles: ['test/openapi/setup.ts'],
    globalSetup: ['test/openapi/global-setup.ts'],
  },
});
