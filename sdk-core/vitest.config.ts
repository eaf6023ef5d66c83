import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../vitest.shared.mjs';

export default defineConfig({
  ...sourceResolve,
  // test/browser runs in Chromium under web-test-runner, not here.
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', '**/node_modules/**'],
  },
});
