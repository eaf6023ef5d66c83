import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../vitest.shared.mjs';

// React itself, then the same hook tests again with `react` resolved to `preact/compat`, which proves the
// bindings work for Preact apps that use the React entry.
const preactCompat = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react-dom\/test-utils$/, replacement: 'preact/test-utils' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
  // Its CommonJS build `require`s react-dom, which no alias reaches; its ES build imports it.
  {
    find: /^@testing-library\/react$/,
    replacement: fileURLToPath(
      new URL('../node_modules/@testing-library/react/dist/@testing-library/react.esm.js', import.meta.url),
    ),
  },
];

export default defineConfig({
  ...sourceResolve,
  test: {
    environment: 'happy-dom',
    // The API runs outside the test environment (plain Node globals), one server for every file.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 15_000,
    // Tests count requests at a shared server: one file at a time keeps the counts their own.
    fileParallelism: false,
    // Vite resolves @preact/signals-core for the browser; an externalised package importing it through Node
    // would get a second copy whose effects never see the core's signals. Inlined, it shares Vite's copy.
    server: { deps: { inline: ['@lit-labs/preact-signals'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'react',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          env: { RENDERER: 'react' },
        },
      },
      {
        extends: true,
        resolve: { alias: preactCompat },
        test: {
          name: 'preact-compat',
          include: ['test/hooks.test.tsx', 'test/insights.test.tsx'],
          env: { RENDERER: 'preact/compat' },
          // Transformed by Vite so that their own `react` imports follow the alias too.
          server: { deps: { inline: ['@lit-labs/preact-signals', '@testing-library/react'] } },
        },
      },
    ],
  },
});
