import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken, spawnServerProcess } from '../../src/testing.js';
import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET } from '../../src/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'analytics-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each start compiles the server with tsx in a new process: seconds, not milliseconds.
describe('spawnServerProcess()', { timeout: 60_000 }, () => {
  it('runs the process entry: a SIGKILL ends it, a restart on the same port and file has the data', async () => {
    const databaseUrl = `sqlite:${join(dir, 'analytics.db')}`;
    const token = await mintToken({ org: 'org_spawn', secret: DEV_JWT_SECRET, issuer: DEFAULT_JWT_ISSUER });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const first = await spawnServerProcess({ databaseUrl, rateLimit: false });
    const event_id = crypto.randomUUID();
    const posted = await fetch(`${first.url}/api/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ events: [{ event_id, event_type: 'spawned' }] }),
    });
    expect(posted.status).toBe(202);
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();

    const second = await spawnServerProcess({ databaseUrl, port: first.port });
    expect(second.url).toBe(first.url);
    expect(second.pid).not.toBe(first.pid);
    const page = (await (await fetch(`${second.url}/api/v1/events`, { headers })).json()) as {
      data: { event_id: string }[];
    };
    expect(page.data.map((e) => e.event_id)).toEqual([event_id]);
    // SIGTERM: the graceful shutdown, which exits 0.
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('rejects with what the process printed when it cannot start', async () => {
    await expect(spawnServerProcess({ databaseUrl: 'mysql://nowhere' })).rejects.toThrow(/startup failed/);
  });

  it('refuses a rate-limit window the process cannot be given', async () => {
    await expect(
      spawnServerProcess({ databaseUrl: 'sqlite::memory:', rateLimit: { max: 5, timeWindowMs: 1000 } }),
    ).rejects.toThrow(/60000/);
  });
});
