// Rollup options for @acme/analytics-react, gathered by the root rollup.config.mjs (and used alone by
// `npm run build -w sdk-react`). Paths are absolute so the build runs from any directory.
//
// - dist/index.js   the React entry, marked 'use client' as a whole (hooks and components run in the browser)
// - dist/preact.js  the Preact entry (`@acme/analytics-react/preact`)
// - dist/*.d.ts     declarations, by tsc (tsconfig.build.json), once the bundle is written
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';
import { declarations } from '../scripts/rollup-declarations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const externals = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

/**
 * Takes the 'use client' directive off each source file (a bundle cannot keep per-module directives; the
 * banner puts one back on the React entry), leaving the line in place so source maps stay aligned.
 */
function dropUseClient() {
  return {
    name: 'drop-use-client',
    transform(code, id) {
      if (!/\.tsx?$/.test(id) || !/^'use client';/.test(code)) return null;
      return { code: code.replace(/^'use client';/, ''), map: null };
    },
  };
}

export default [
  {
    input: { index: join(here, 'src/index.ts'), preact: join(here, 'src/preact.ts') },
    external: (id) => externals.some((name) => id === name || id.startsWith(`${name}/`)),
    plugins: [
      dropUseClient(),
      esbuild({ tsconfig: join(here, 'tsconfig.build.json'), target: 'es2022' }),
      declarations(here),
    ],
    output: {
      dir: join(here, 'dist'),
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: 'shared/[name]-[hash].js',
      banner: (chunk) => (chunk.isEntry && chunk.name === 'index' ? "'use client';" : ''),
    },
  },
];
