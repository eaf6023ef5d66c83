// Rollup options for @acme/analytics-sdk, gathered by the root rollup.config.mjs (and used alone by
// `npm run build -w sdk-core`). Paths are absolute so the build runs from any directory.
//
// - dist/index.js (+ map)  the package's ES module; its dependencies stay external for the app's bundler
// - dist/**/*.d.ts         declarations, by tsc (tsconfig.build.json), once the bundle is written
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';
import { declarations } from '../scripts/rollup-declarations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const externals = Object.keys(pkg.dependencies ?? {});

export default [
  {
    input: join(here, 'src/index.ts'),
    external: (id) => externals.some((name) => id === name || id.startsWith(`${name}/`)),
    plugins: [esbuild({ tsconfig: join(here, 'tsconfig.json'), target: 'es2022' }), declarations(here)],
    output: { file: join(here, 'dist/index.js'), format: 'es', sourcemap: true },
  },
];
