// `npm run lint`'s OpenAPI step: the document the server publishes at `/openapi.json`, held to Redocly's
// `recommended` rules (redocly.yaml; no rule turned off, no ignore file). The app is built in this process
// from its sources, as the tests build it, on a throwaway SQLite database, and the document it serves is
// linted. Redocly exits 0 on warnings, so the exit code here counts both: any problem fails the lint.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { root } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'analytics-openapi-'));
try {
  process.exitCode = await lint(await writeDocument(join(dir, 'openapi.json')));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Builds the app, asks it for `/openapi.json` and writes the document (indented, so lines mean something). */
async function writeDocument(file) {
  const { buildApp } = await tsImport(join(root, 'server/src/app.ts'), import.meta.url);
  const { loadConfig } = await tsImport(join(root, 'server/src/config.ts'), import.meta.url);
  // The document depends on the routes only, not on this shell's environment: start from an empty one,
  // with the settings that add routes (`/metrics` on the API port), so every route is linted.
  const env = { ANALYTICS_METRICS_TOKEN: 'lint-openapi-metrics-token' };
  const config = loadConfig(env, { databaseUrl: `sqlite:${join(dir, 'lint.db')}`, seed: 'none' });
  const app = await buildApp({ config, logger: false });
  try {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
    writeFileSync(file, `${JSON.stringify(res.json(), null, 2)}\n`);
    return file;
  } finally {
    await app.close();
  }
}

/** Runs `redocly lint` on the file and prints each problem; returns the exit code for this step. */
async function lint(file) {
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    ['lint', file, '--config', join(root, 'redocly.yaml'), '--lint-config', 'error', '--format', 'json'],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    // Not a report: Redocly itself failed (bad config, crash). Show what it said.
    process.stderr.write(result.stdout + result.stderr);
    console.error(`lint-openapi: redocly exited with ${result.status ?? result.error ?? result.signal}`);
    return 1;
  }
  const { errors, warnings } = report.totals;
  for (const p of report.problems) {
    const where = p.location?.[0]?.pointer ?? '';
    console.error(`${p.severity.padEnd(7)} ${p.ruleId}  ${where}\n        ${p.message}`);
  }
  if (errors + warnings > 0) {
    console.error(
      `lint-openapi: /openapi.json has ${errors} error(s) and ${warnings} warning(s) under Redocly's ` +
        'recommended rules (each is described at https://redocly.com/docs/cli/rules)',
    );
    return 1;
  }
  console.log("lint-openapi: /openapi.json passes Redocly's recommended rules");
  return 0;
}
