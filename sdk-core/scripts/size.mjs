// Bundles the size-budget entries (size/*.js, importing the built dist/index.js) the way an app's bundler
// would: minified ES2022, dependencies included, tree-shaken. size-limit then measures them gzipped.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function bundleSizeEntries() {
  await build({
    entryPoints: ['track', 'all'].map((name) => join(here, 'size', `${name}.js`)),
    outdir: join(here, 'dist', 'size'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleSizeEntries();
