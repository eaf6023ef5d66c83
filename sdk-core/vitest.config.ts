import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../vitest.shared.mjs';

export default defineConfig({
  ...sourceResolve,
  // test/browser runs in Chromium under web-test-runner, not here.
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    // *.test-d.ts hold type tests (the wire types against the server's schemas): tsc checks them with the
    // test project's tsconfig, and a type that no longer matches fails the run like any other test.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
  },
});
