import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../vitest.shared.mjs';

export default defineConfig({
  ...sourceResolve,
  test: { include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] },
});
