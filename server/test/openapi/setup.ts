/**
 * Test setup for every server test file (vitest `setupFiles`): each app the file builds has its responses
 * checked against its `/openapi.json`, and a test whose requests got an undocumented or non-conforming
 * response fails, naming each one. The counts go to the report `global-setup.ts` prints at the end.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, inject } from 'vitest';
import { stats, takeViolations, validateNewApps } from './validate-responses.js';

const stop = validateNewApps();

function assertNoViolations(): void {
  const found = takeViolations();
  if (found.length === 0) return;
  const lines = found.map((v) => `  ${v.request} → ${v.status}: ${v.problem}`);
  throw new Error(`Responses that do not conform to /openapi.json:\n${lines.join('\n')}`);
}

afterEach(assertNoViolations);

afterAll(() => {
  stop();
  const dir = inject('openapiReportDir');
  if (dir) appendFileSync(join(dir, 'counts'), `${stats.validated} ${stats.hidden}\n`);
  assertNoViolations();
});
