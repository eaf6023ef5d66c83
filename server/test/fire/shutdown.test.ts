/**
 * Closing under the conditions a shutdown meets: nothing else left to keep the process alive. A close that
 * does not hold the process open is cut short silently (the process just ends), so this runs in a child.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const STORE = new URL('../../src/store/sqlite/index.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'analytics-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(source: string): Promise<{ code: number | null; output: string }> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, source);
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('SQLite store .close()', () => {
  it('finishes when nothing else keeps the process alive: right after opening, and after a write', {
    timeout: 60_000,
  }, async () => {
    for (const write of [false, true]) {
      const script = `
        import { createStore } from ${JSON.stringify(STORE)};
        const store = await createStore(${JSON.stringify(`sqlite:${join(dir, `close-${write}.db`)}`)});
        await store.migrate();
        if (${write}) {
          await store.ingest({
            orgId: 'org_close',
            events: [{ eventId: crypto.randomUUID(), eventType: 'x', userId: 'u', ts: Date.now(), properties: {}, schemaVersion: 1 }],
            receivedAt: Date.now(),
          });
        }
        await store.close();
        console.log('closed');
      `;
      // A top-level await left pending when the event loop empties ends the process with code 13.
      const { code, output } = await runScript(script);
      expect(output, `write: ${write}`).toContain('closed');
      expect(code, `write: ${write}`).toBe(0);
    }
  });
});
