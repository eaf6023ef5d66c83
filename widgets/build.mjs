// Rollup options for @acme/analytics-widgets, gathered by the root rollup.config.mjs (and used alone by
// this package's test and bench scripts). Paths are absolute so the build runs from any directory.
//
// - dist/analytics.js      the drop-in script tag: an IIFE with Lit, the SDK and every element inside
// - dist/tracker.js        the tracking-only script tag: an IIFE with the SDK core and no Lit
// - dist/sdk.json          the bundles' version and Subresource Integrity hashes, which the API reads to
//                          serve them under versioned, immutable paths (`/sdk/<version>/<file>`)
// - dist/analytics.esm.js  the same as a self-contained ES module, for `<script type="module">`
// - dist/index.js, dist/define.js   the package's ES modules for bundlers (dependencies left external),
//                          with their .d.ts files
// - custom-elements.json   the custom elements manifest, from the components' JSDoc
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import { declarations } from '../scripts/rollup-declarations.mjs';
import { minifyLiterals } from './scripts/minify-literals.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const src = (file) => join(here, 'src', file);
const dist = (file) => join(here, 'dist', file);

const plugins = () => [
  // `source` resolves the SDK core to its TypeScript, so no build order between packages matters.
  nodeResolve({ browser: true, exportConditions: ['source'] }),
  minifyLiterals(),
  esbuild({ tsconfig: join(here, 'tsconfig.json'), target: 'es2022', minify: true, legalComments: 'none' }),
];

const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const externals = Object.keys(pkg.dependencies ?? {});
const isExternal = (id) => externals.some((name) => id === name || id.startsWith(`${name}/`));

/** Writes custom-elements.json from the sources' JSDoc (@tagname, @fires, @slot, @csspart, @cssprop). */
function customElementsManifest() {
  return {
    name: 'custom-elements-manifest',
    async writeBundle() {
      // The analyzer's own TypeScript: syntax kinds differ between TypeScript versions.
      const { create, ts } = await import('@custom-elements-manifest/analyzer');
      const { litPlugin } = await import(
        '@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js'
      );
      const files = [
        'context',
        'widget-element',
        'analytics-element',
        'insight-element',
        'analytics-provider',
      ]
        .concat([
          'events-table',
          'metrics-card',
          'event-type-select',
          'date-range-picker',
          'analytics-dashboard',
        ])
        .concat([
          'trend-chart',
          'breakdown-list',
          'funnel-chart',
          'retention-grid',
          'dashboard-state',
          'messages',
          'index',
        ])
        .map((name) => src(`${name}.ts`));
      const modules = files.map((file) =>
        ts.createSourceFile(relative(here, file), readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true),
      );
      const manifest = create({ modules, plugins: litPlugin(), context: { dev: false } });
      writeFileSync(join(here, 'custom-elements.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    },
  };
}

/** The files a page loads from the API's `/sdk/` path; each has an integrity hash in sdk.json. */
const SCRIPTS = ['analytics.js', 'analytics.esm.js', 'tracker.js'];

/** Rewrites dist/sdk.json from the scripts built so far (each script build runs it once written). */
function sdkManifest() {
  return {
    name: 'sdk-manifest',
    writeBundle() {
      const integrity = {};
      for (const name of SCRIPTS.filter((file) => existsSync(dist(file)))) {
        integrity[name] = `sha384-${createHash('sha384')
          .update(readFileSync(dist(name)))
          .digest('base64')}`;
      }
      writeFileSync(dist('sdk.json'), `${JSON.stringify({ version: pkg.version, integrity }, null, 2)}\n`);
    },
  };
}

export default [
  {
    input: src('script-tag.ts'),
    output: { file: dist('analytics.js'), format: 'iife', sourcemap: true },
    plugins: [...plugins(), sdkManifest()],
  },
  {
    input: src('tracker.ts'),
    output: { file: dist('tracker.js'), format: 'iife', sourcemap: true },
    plugins: [...plugins(), sdkManifest()],
  },
  {
    input: src('script-tag.ts'),
    output: { file: dist('analytics.esm.js'), format: 'es', sourcemap: true },
    plugins: [...plugins(), sdkManifest()],
  },
  {
    input: { index: src('index.ts'), define: src('define.ts') },
    external: isExternal,
    output: { dir: join(here, 'dist'), format: 'es', sourcemap: true, chunkFileNames: '[name]-[hash].js' },
    plugins: [...plugins(), declarations(here), customElementsManifest()],
  },
];
