// Rollup options for @acme/analytics-sdk, gathered by the root rollup.config.mjs (and used alone by
// `npm run build -w sdk-core`). Paths are absolute so the build runs from any directory.
//
// - dist/index.js (+ map)  the package's ES module; its dependencies stay external for the app's bundler
// - dist/insights.js       `@acme/analytics-sdk/insights`, importing what it shares with the core from
//                          dist/index.js (src/insights.ts imports only the main entry's exports)
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
    input: { index: join(here, 'src/index.ts'), insights: join(here, 'src/insights.ts') },
    // The insights entry's `./index.js` stays an import of the sibling dist/index.js (as written), so the
    // core is bundled once rather than split into a third, shared chunk.
    external: (id, importer) =>
      externals.some((name) => id === name || id.startsWith(`${name}/`)) ||
      (id === './index.js' && !!importer?.endsWith('insights.ts')),
    makeAbsoluteExternalsRelative: false,
    plugins: [esbuild({ tsconfig: join(here, 'tsconfig.json'), target: 'es2022' }), declarations(here)],
    output: { dir: join(here, 'dist'), format: 'es', sourcemap: true, entryFileNames: '[name].js' },
  },
];
