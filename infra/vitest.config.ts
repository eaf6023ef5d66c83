import { defineConfig } from 'vitest/config';

// Run from the repository root as `vitest run --root infra` (part of `npm test`).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The HCL parser is Go compiled to WebAssembly: the first parse of a run takes a moment.
    testTimeout: 30_000,
  },
});
