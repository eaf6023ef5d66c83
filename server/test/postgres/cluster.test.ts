/**
 * `npm run server -- --workers N` as an operator runs it: N processes on one port sharing PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/testing.js';
import { countRows, events, freshSchema, openPg, post, type Schema, skip } from './fixture.js';

// Each test starts or signals real processes (tsx compiles on start): on a busy shared machine that takes
// longer than the default 5 s, without anything being wrong.
vi.setConfig({ testTimeout: 30_000 });

const ENTRY = new URL('../../src/cluster.ts', import.meta.url).pathname;

interface Line {
  msg?: string;
  url?: string;
  pid?: number;
  workers?: number;
}

function launch(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const lines: Line[] = [];
  const waiters: { test: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  const take = (chunk: Buffer) => {
    out += chunk.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      const line = JSON.parse(part) as Line;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (test: (l: Line) => boolean) =>
    new Promise<Line>((resolve, reject) => {
      const hit = lines.find(test);
      if (hit) return resolve(hit);
      waiters.push({ test, resolve });
      void exited.then((code) => reject(new Error(`exited (${code}); output: ${JSON.stringify(lines)}`)));
    });
  return { child, lines, exited, waitFor };
}

/** Resolves once `test` holds, checking at every turn of the event loop's timers. */
function until(test: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (test() ? resolve() : setTimeout(check, 20));
    check();
  });
}

describe.skipIf(skip)('npm run server -- --workers 2', () => {
  let schema: Schema;
  let cluster: ReturnType<typeof launch>;
  let url: string;
  let primaryPid: number;

  beforeAll(async () => {
    schema = await freshSchema();
    cluster = launch(['--workers', '2'], { DATABASE_URL: schema.url, ANALYTICS_RATE_LIMIT_PER_MINUTE: '0' });
    const ready = await cluster.waitFor((l) => l.msg === 'listening' && l.workers === 2);
    url = ready.url!;
    primaryPid = ready.pid!;
  }, 60_000);

  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) {
      cluster.child.kill('SIGKILL');
      await cluster.exited;
    }
    await schema?.dispose();
  });

  it('runs two worker processes listening on the one announced port', async () => {
    // A worker logs its own line just after the primary has seen it listen: wait for both lines.
    await until(
      () => cluster.lines.filter((l) => l.msg === 'listening' && l.workers === undefined).length >= 2,
    );
    const workers = cluster.lines.filter((l) => l.msg === 'listening' && l.workers === undefined);
    expect(new Set(workers.map((l) => l.pid)).size).toBe(2);
    for (const w of workers) expect(w.url).toBe(url);
    expect(workers.map((l) => l.pid)).not.toContain(primaryPid);
  });

  it('stores a batch once when the same key is sent many times at once', async () => {
    const token = await mintToken({ org: 'org_cluster', scope: 'events:write' });
    const body = { events: events(10, { withIds: false }) };
    const results = await Promise.all(
      Array.from({ length: 16 }, () => post(url, token, body, { 'idempotency-key': 'cluster-key' })),
    );
    for (const r of results) expect([202, 409]).toContain(r.status);
    const ok = results.filter((r) => r.status === 202);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body)).size).toBe(1);
    const store = await openPg(schema.url);
    try {
      expect(await countRows(store, 'events', 'org_cluster')).toBe(10);
    } finally {
      await store.close();
    }
  });

  it('replaces a worker that dies', async () => {
    const workers = () => cluster.lines.filter((l) => l.msg === 'listening' && l.workers === undefined);
    const victim = workers()[0]!.pid!;
    const before = workers().length;
    process.kill(victim, 'SIGKILL');
    await cluster.waitFor((l) => l.msg === 'worker exited; starting a replacement');
    await until(() => workers().length > before);
    const replacement = workers()[before]!;
    expect(replacement.pid).not.toBe(victim);
    expect(replacement.url).toBe(url);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
  });

  it('stops every worker gracefully on SIGTERM to the primary', async () => {
    cluster.child.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    // Both workers alive at the time (the replacement included) finish and close.
    const closed = cluster.lines.filter((l) => l.msg === 'closed');
    expect(closed).toHaveLength(2);
    expect(cluster.lines.some((l) => l.msg?.startsWith('second signal'))).toBe(false);
  });
});

describe('npm run server -- --workers 2 with SQLite', () => {
  it('refuses to start several processes on the single-process store', async () => {
    const run = launch(['--workers', '2'], { DATABASE_URL: 'sqlite::memory:' });
    expect(await run.exited).toBe(1);
    expect(run.lines.some((l) => /postgres/.test(l.msg ?? ''))).toBe(true);
  });

  it('refuses a worker count that is not a positive integer', async () => {
    const run = launch(['--workers', 'many'], {});
    expect(await run.exited).toBe(1);
    expect(run.lines.some((l) => /--workers/.test(l.msg ?? ''))).toBe(true);
  });
});
