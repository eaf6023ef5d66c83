// The crash suite's Node side (test/browser/crash.test.ts): the API server as its own process, started the
// way operators start it (`tsx server/src/server.ts` with PORT and DATABASE_URL), which the page can have
// killed with SIGKILL and started again on the same port and database file, as web-test-runner commands:
//
// - `crash-org`: start the server if it is not running; a fresh org, its ingest token and the API's URL;
// - `crash-kill`: SIGKILL the server process and wait until it is gone;
// - `crash-start`: start it again (same port, same file) and wait until it listens;
// - `crash-events`: every stored event id of an org, read through the API;
// - `crash-backup`: copy the live database with SQLite's online backup API (better-sqlite3 `backup()`),
//   open the copy and check it: `PRAGMA integrity_check`, rollups equal to counts over the events, every
//   recorded idempotent response's events present; returns the findings and the org's event ids in it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(root, 'server/src/server.ts');
// better-sqlite3 is the server's dependency; resolve it from there.
const Database = createRequire(join(root, 'server/package.json'))('better-sqlite3');
const DAY_MS = 86_400_000;
/** This suite's ports; the server must come back on the same one, so port 0 would not do. */
const PORTS = [18600, 18699];

function freePort() {
  const tryPort = (port) =>
    new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  return (async () => {
    for (let port = PORTS[0]; port <= PORTS[1]; port++) if (await tryPort(port)) return port;
    throw new Error(`no free port in ${PORTS.join('–')}`);
  })();
}

const uuidOf = (blob) => {
  const h = Buffer.from(blob).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** Checks a copy of the database against itself: the file, the rollups and the idempotency records. */
function inspect(path, org) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const foreignKeys = db.pragma('foreign_key_check').length;
    const counts = new Map();
    const users = new Set();
    for (const e of db.prepare('SELECT org, ts, type, user FROM events').iterate()) {
      const day = Math.floor(e.ts / DAY_MS);
      const key = `${e.org}|${day}|${e.type}`;
      const c = counts.get(key) ?? { n: 0, last: -Infinity };
      counts.set(key, { n: c.n + 1, last: Math.max(c.last, e.ts) });
      if (e.user !== null) users.add(`${e.org}|${day}|${e.user}`);
    }
    const rollupMismatches = [];
    const rollups = db.prepare('SELECT org, day, type, n, last_ts FROM daily_counts').all();
    for (const r of rollups) {
      const c = counts.get(`${r.org}|${r.day}|${r.type}`);
      if (!c || c.n !== r.n || c.last !== r.last_ts) rollupMismatches.push({ rollup: r, events: c ?? null });
    }
    if (rollups.length !== counts.size)
      rollupMismatches.push({ rollups: rollups.length, groups: counts.size });
    const dailyUsers = db.prepare('SELECT org, day, user FROM daily_users').all();
    const userMismatches = dailyUsers.filter((u) => !users.has(`${u.org}|${u.day}|${u.user}`)).length;
    const usersMissing = users.size - (dailyUsers.length - userMismatches);
    // A completed idempotency record is a 202 the server may have sent: its events must all be there.
    const stored = new Set(db.prepare('SELECT event_id FROM events').pluck().all().map(uuidOf));
    let acknowledgedMissing = 0;
    let records = 0;
    for (const body of db.prepare('SELECT body FROM idempotency_keys').pluck().iterate()) {
      records++;
      for (const id of JSON.parse(body).event_ids) if (!stored.has(id)) acknowledgedMissing++;
    }
    const orgIds = db
      .prepare('SELECT e.event_id FROM events e JOIN orgs o ON o.id = e.org WHERE o.org_id = ?')
      .pluck()
      .all(org)
      .map(uuidOf);
    return {
      integrity,
      foreignKeys,
      events: stored.size,
      rollupMismatches: rollupMismatches.slice(0, 5),
      userMismatches,
      usersMissing,
      idempotencyRecords: records,
      acknowledgedMissing,
      orgIds,
    };
  } finally {
    db.close();
  }
}

export function crashServer() {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-crash-'));
  const dbPath = join(dir, 'analytics.db');
  let child;
  let exited;
  let port;
  let url;
  let orgs = 0;
  let backups = 0;
  let testing;
  const token = async (org, scope) => {
    testing ??= await import('@acme/analytics-server/testing');
    return testing.mintToken({ org, scope, ttl: '1h' });
  };

  async function start() {
    port ??= await freePort();
    const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${dbPath}`,
        ANALYTICS_CORS_ORIGINS: '*',
        ANALYTICS_RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    let out = '';
    await new Promise((resolve, reject) => {
      let pending = '';
      proc.stdout.on('data', (chunk) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (out.length < 20_000) out += `${line}\n`;
          if (line.includes('"msg":"listening"')) resolve();
        }
      });
      proc.stderr.on('data', (chunk) => {
        out += chunk.toString();
      });
      void exited.then(({ code, signal }) =>
        reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`)),
      );
    });
    url = `http://127.0.0.1:${port}`;
  }

  async function kill() {
    if (!child) return null;
    child.kill('SIGKILL');
    const how = await exited;
    child = undefined;
    return how;
  }

  async function events(org) {
    const auth = `Bearer ${await token(org, 'events:read')}`;
    const ids = [];
    let cursor;
    do {
      const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
      const res = await fetch(`${url}/api/v1/events?${query}`, { headers: { authorization: auth } });
      if (!res.ok) throw new Error(`reading events: ${res.status} ${await res.text()}`);
      const page = await res.json();
      ids.push(...page.data.map((e) => e.event_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return ids;
  }

  async function backup(org) {
    const target = join(dir, `backup-${++backups}.db`);
    // Opened read-write, as a backup tool would: after a crash the first connection replays the WAL.
    const source = new Database(dbPath, { fileMustExist: true });
    let steps = 0;
    try {
      // Small steps, so writes from the server process land between them (SQLite then restarts the copy);
      // after many restarts, one step takes the rest under a single read transaction.
      await source.backup(target, { progress: () => (++steps > 500 ? 0x7fffffff : 8) });
    } finally {
      source.close();
    }
    return { steps, ...inspect(target, org) };
  }

  const plugin = {
    name: 'sdk-crash-server',
    async serverStop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async executeCommand({ command, payload }) {
      switch (command) {
        case 'crash-org': {
          if (!child) await start();
          const org = `org_crash_${++orgs}_${Date.now()}`;
          return { org, token: await token(org, 'events:write'), url };
        }
        case 'crash-kill':
          return kill();
        case 'crash-start':
          if (!child) await start();
          return url;
        case 'crash-events':
          return events(payload.org);
        case 'crash-backup':
          return backup(payload.org);
        default:
          return undefined;
      }
    },
  };
  // A runner that dies must not leave the server behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  return plugin;
}
