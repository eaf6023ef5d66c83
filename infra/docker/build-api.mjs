// Bundles the API for its container image: ESM files in server/dist: server.mjs, sqlite-writer.mjs, the
// entry of the SQLite store's writer thread (the store looks for it beside the bundle), and migrate.mjs,
// the migrate command the migration jobs run. The workspace's own
// TypeScript (the server and anything it imports from sdk-core) is compiled in; the server's npm
// dependencies stay external and are installed beside it with `npm ci --omit=dev`, because some are
// native (better-sqlite3) and others read files next to their own sources (swagger-ui's assets).
// Running the bundle needs neither tsx nor TypeScript, so neither ships in the image.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..', '..');
const server = JSON.parse(readFileSync(join(root, 'server', 'package.json'), 'utf8'));
const external = Object.keys({ ...server.dependencies, ...server.optionalDependencies });

const outfile = process.argv[2] ?? 'server/dist/server.mjs';
const entryPoints = [
  { in: 'server/src/server.ts', out: basename(outfile, '.mjs') },
  { in: 'server/src/store/sqlite/writer-worker.ts', out: 'sqlite-writer' },
  // What the migration jobs run (infra/terraform/azure/jobs.tf, the chart's migrate Job): migrations and
  // partitions as the owner role, then exit.
  { in: 'server/src/cli/migrate.ts', out: 'migrate' },
];
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: dirname(outfile),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Workspace packages resolve to their TypeScript sources, as in the tests.
  conditions: ['source'],
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: 'linked',
  // Bundled CommonJS helpers may still call require(); give the ESM output one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'info',
  metafile: true,
});
const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.includes('node_modules'));
console.log(`bundled ${inputs.length} workspace modules; external: ${external.join(', ')}`);
