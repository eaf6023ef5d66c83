// Helpers for a workspace's own `npm test` script: run its steps one after another in its folder, each
// with Node itself and a package's bin file, and stop at the first that fails.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `scriptUrl`: the calling script's `import.meta.url`; the workspace is the folder above it. */
export function workspaceSteps(scriptUrl) {
  const here = join(dirname(fileURLToPath(scriptUrl)), '..');
  const require = createRequire(scriptUrl);

  /** Run `node ...args` in the workspace; exit the process if it fails. */
  function run(args, label) {
    console.log(`\n› ${label}`);
    const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: here });
    if (result.status !== 0) {
      console.error(`${label} failed (${result.status ?? result.signal})`);
      process.exit(1);
    }
  }

  // Package roots by their entry points (not every package exports its package.json).
  const root = (pkg, entry = pkg) => {
    let dir = dirname(require.resolve(entry));
    while (!dir.endsWith(join('node_modules', pkg))) dir = dirname(dir);
    return dir;
  };

  /** A file of a package (its bin script), found from where the workspace resolves the package. */
  const bin = (pkg, file, entry) => join(root(pkg, entry), file);

  return { run, bin };
}
