/**
 * `npm run key` as an operator runs it (a child process) against the database of a running app: a key it
 * makes is accepted by the app, and one it revokes is refused within 5 s.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeEvents, orgId, stores, type TestApp } from '../helpers.js';

const CLI = new URL('../../src/cli/key.ts', import.meta.url).pathname;

function runCli(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe.each(stores)('npm run key ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('cli_key');

  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(() => t.close());

  const ingest = (key: string, origin = 'https://cli-shop.example') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(key), 'content-type': 'application/json', origin },
      payload: { events: makeEvents(1) },
    });

  it('creates, lists and revokes keys on the configured database', async () => {
    const made = await runCli(
      ['create', '--org', org, '--origin', 'https://cli-shop.example', '--name', 'cli', '--rate-limit', '60'],
      t.databaseUrl,
    );
    expect(made.code, made.err).toBe(0);
    const created = JSON.parse(made.out) as { id: string; key: string; rate_limit_per_minute: number };
    expect(created.key).toMatch(/^pk_[A-Za-z0-9]{32,}$/);
    expect(created.rate_limit_per_minute).toBe(60);
    expect(made.err).toContain('not shown again');
    expect((await ingest(created.key)).statusCode).toBe(202);
    expect((await ingest(created.key, 'https://other.example')).statusCode).toBe(403);

    const listed = await runCli(['list', '--org', org], t.databaseUrl);
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out).data).toEqual([
      expect.objectContaining({ id: created.id, name: 'cli', allowed_origins: ['https://cli-shop.example'] }),
    ]);
    expect(listed.out).not.toContain(created.key);

    const revoked = await runCli(['revoke', '--org', org, '--id', created.id], t.databaseUrl);
    expect(revoked.code, revoked.err).toBe(0);
    const revokedAt = Date.now();
    for (;;) {
      const started = Date.now();
      const res = await ingest(created.key);
      if (res.statusCode !== 202) {
        expect(res.statusCode).toBe(401);
        break;
      }
      expect(started - revokedAt).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    const again = await runCli(['revoke', '--org', `${org}_other`, '--id', created.id], t.databaseUrl);
    expect(again.code).toBe(1);
  }, 60_000);

  it('refuses bad input with a message and exit code 2', async () => {
    const noOrigin = await runCli(['create', '--org', org], t.databaseUrl);
    expect(noOrigin.code).toBe(2);
    expect(noOrigin.err).toContain('--origin');
    const badOrigin = await runCli(
      ['create', '--org', org, '--origin', 'https://shop.example/path'],
      t.databaseUrl,
    );
    expect(badOrigin.code).toBe(2);
    expect(badOrigin.err).toContain('--origin #0');
  }, 60_000);
});
