// Bundles the size-budget entries (size/*.js, importing the built dist/index.js) the way an app's bundler
// would: minified ES2022, dependencies included, tree-shaken. size-limit then measures them gzipped.
//
// Run directly (`node scripts/size.mjs`), it also rebuilds dist/index.js when a source file is newer and
// prints each entry's minified and min+gzip bytes (gzip level 9, as size-limit measures) against its budget:
// the quick check while changing the source.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function bundleSizeEntries() {
  await build({
    entryPoints: ['track', 'all', 'insights'].map((name) => join(here, 'size', `${name}.js`)),
    outdir: join(here, 'dist', 'size'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** Newest modification time of the files under `dir`. */
const newest = (dir) =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
  );

function buildIfStale() {
  const dist = join(here, 'dist', 'index.js');
  let built = 0;
  try {
    built = statSync(dist).mtimeMs;
  } catch {
    // Never built.
  }
  if (built >= newest(join(here, 'src'))) return;
  const rollup = join(
    dirname(createRequire(import.meta.url).resolve('rollup/package.json')),
    'dist/bin/rollup',
  );
  const result = spawnSync(process.execPath, [rollup, '-c', 'build.mjs', '--silent'], {
    cwd: here,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildIfStale();
  await bundleSizeEntries();
  const checks = JSON.parse(readFileSync(join(here, '.size-limit.json'), 'utf8'));
  for (const { name, path, limit } of checks) {
    const code = readFileSync(join(here, path));
    const gzip = gzipSync(code, { level: 9 }).length;
    console.log(`${String(gzip).padStart(5)} B min+gzip (${code.length} B min, budget ${limit})  ${name}`);
  }
}
