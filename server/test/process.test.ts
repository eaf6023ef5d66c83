/**
 * The process entry as an operator runs it (`tsx src/server.ts`): readiness line, durability of a 202
 * across SIGKILL, graceful shutdown on SIGTERM, and refusing unsafe configuration.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventsPage } from '../src/contract.js';
import { DEV_JWT_SECRET, mintToken } from '../src/testing.js';

// Each test starts or signals real processes (tsx compiles on start): on a busy shared machine that takes
// longer than the default 5 s, without anything being wrong.
vi.setConfig({ testTimeout: 30_000 });

const ENTRY = new URL('../src/server.ts', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // 'close', not 'exit': only then has everything the process wrote been read from its pipes.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          resolve({ child, url: entry.url, output: () => out, exited });
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}

function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

async function allEventIds(url: string, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const res: Response = await fetch(`${url}/api/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await res.json()) as EventsPage;
    for (const e of page.data) ids.add(e.event_id);
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

function batch(n: number): { events: { event_id: string; event_type: string; user_id: string }[] } {
  return {
    events: Array.from({ length: n }, (_, i) => ({
      event_id: crypto.randomUUID(),
      event_type: 'crash_test',
      user_id: `u${i % 5}`,
    })),
  };
}

describe('server process', () => {
  let dir: string;
  let token: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'analytics-process-'));
    token = await mintToken({ org: 'org_crash', secret: DEV_JWT_SECRET, issuer: 'acme-analytics' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON "listening" line with its URL and answers /ready', async () => {
    const s = await start({ DATABASE_URL: `sqlite:${join(dir, 'ready.db')}` });
    try {
      expect((await fetch(`${s.url}/ready`)).status).toBe(200);
      const res = await fetch(`${s.url}/api/v1/events`, { headers: { 'x-request-id': 'req-log-check' } });
      expect(res.status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      // One JSON line per request with method, route, status, duration and request id.
      const lines = s
        .output()
        .split('\n')
        .filter((l) => l.includes('req-log-check'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        method: 'GET',
        route: '/api/v1/events',
        status: 401,
        request_id: 'req-log-check',
        duration_ms: expect.any(Number),
      });
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 30_000); // a process start under tsx on a busy machine can take seconds

  it('loses no acknowledged event when killed right after answering 202', async () => {
    const db = `sqlite:${join(dir, 'crash.db')}`;
    const s = await start({ DATABASE_URL: db });
    const acknowledged: string[] = [];
    let killed = false;
    // Several writers in parallel; the process is killed with SIGKILL the moment the 20th 202 arrives.
    const writer = async () => {
      while (!killed) {
        const body = batch(50);
        try {
          const res = await fetch(`${s.url}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          if (res.status === 202) {
            acknowledged.push(...body.events.map((e) => e.event_id));
            if (acknowledged.length >= 20 * 50 && !killed) {
              killed = true;
              s.child.kill('SIGKILL');
            }
          }
        } catch {
          return; // the connection died with the process
        }
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    expect(await s.exited).toBeNull(); // killed by a signal, no clean exit
    const again = await start({ DATABASE_URL: db });
    try {
      const stored = await allEventIds(again.url, token);
      expect(acknowledged.length).toBeGreaterThanOrEqual(1000);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  }, 60_000);

  it('finishes in-flight requests on SIGTERM, closes the database and exits 0', async () => {
    const db = `sqlite:${join(dir, 'graceful.db')}`;
    const s = await start({ DATABASE_URL: db });
    const bodies = Array.from({ length: 30 }, () => batch(100));
    const requests = bodies.map((body) =>
      fetch(`${s.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    s.child.kill('SIGTERM');
    const statuses = await Promise.all(requests);
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('"msg":"closed"');
    // Every request either completed or was refused; none was cut off after being accepted.
    for (const st of statuses) expect([202, 503, 0]).toContain(st);
    const again = await start({ DATABASE_URL: db });
    try {
      const stored = await allEventIds(again.url, token);
      bodies.forEach((body, i) => {
        if (statuses[i] === 202) for (const e of body.events) expect(stored.has(e.event_id)).toBe(true);
      });
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  }, 60_000);

  it('refuses to start in production with the default secret', async () => {
    const { code, output } = await run({
      NODE_ENV: 'production',
      DATABASE_URL: `sqlite:${join(dir, 'prod.db')}`,
    });
    expect(code).toBe(1);
    expect(output).toContain('ANALYTICS_JWT_SECRET');
  });

  it('fails clearly for an unusable DATABASE_URL without printing its password', async () => {
    const bad = await run({ DATABASE_URL: 'mysql://localhost/x' });
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('DATABASE_URL');
    const pg = await run({ DATABASE_URL: 'postgres://user:s3cret-pw@127.0.0.1:1/analytics' });
    expect(pg.code).toBe(1);
    expect(pg.output).toContain('startup failed');
    expect(pg.output).not.toContain('s3cret-pw');
  }, 30_000);
});
