// `npm run lint`: Biome (format and lint rules), the package boundaries (dependency-cruiser with
// .dependency-cruiser.cjs), then the server's OpenAPI document (Redocly's recommended rules, see
// lint-openapi.mjs). All always run, so one run reports every kind of problem; the exit code fails if any
// found one.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
const steps = [
  ['biome', bin('biome'), ['check', '.']],
  ['package boundaries', bin('depcruise'), ['--config', '.dependency-cruiser.cjs', '.']],
  ['OpenAPI document', process.execPath, [join(root, 'scripts', 'lint-openapi.mjs')]],
];
let failed = false;
for (const [label, command, args] of steps) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`lint: ${label} failed (${result.status ?? result.error ?? result.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
