/**
 * Sums what each test file's response checks saw (`setup.ts`) and prints it once at the end of the run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each test file appends its counts of checked responses. */
    openapiReportDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-openapi-report-'));
  project.provide('openapiReportDir', dir);
  return () => {
    let validated = 0;
    let hidden = 0;
    let text = '';
    try {
      text = readFileSync(join(dir, 'counts'), 'utf8');
    } catch {}
    for (const line of text.split('\n').filter(Boolean)) {
      const [v, h] = line.split(' ').map(Number);
      validated += v ?? 0;
      hidden += h ?? 0;
    }
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `OpenAPI: ${validated} responses checked against /openapi.json` +
        (hidden > 0 ? ` (${hidden} more from undocumented pages: /docs, /redoc, CORS preflights)` : ''),
    );
  };
}
