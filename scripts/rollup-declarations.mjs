// The rollup plugin every workspace build uses to emit its `.d.ts` files: esbuild strips types without
// checking them, so once the bundle is written, tsc runs the package's tsconfig.build.json (which checks
// the types and writes the declarations), and a type error fails the build.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** `packageDir`: the workspace folder holding tsconfig.build.json. */
export function declarations(packageDir) {
  return {
    name: 'declarations',
    writeBundle() {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const result = spawnSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.build.json')], {
        stdio: 'inherit',
      });
      if (result.status !== 0) throw new Error(`tsc could not write the declarations of ${packageDir}`);
    },
  };
}
