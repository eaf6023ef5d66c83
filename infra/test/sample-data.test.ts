// sample_data/ is what the server seeds, the SQL tests compute against and the README describes; this
// suite keeps it to the brief's shape and proves the committed files are exactly what the generator makes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const dir = join(repo, 'sample_data');
const FILES = ['organizations.csv', 'users.csv', 'user_orgs.csv', 'events.ndjson', 'metrics.csv'];

/** The files hold no quoted fields (the generator keeps commas and quotes out), so a split is exact. */
function csv(name: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = readFileSync(join(dir, name), 'utf8').trimEnd().split('\n');
  const header = head!.split(',');
  return {
    header,
    rows: lines.map((line) => {
      const cells = line.split(',');
      expect(cells, `${name}: ${line}`).toHaveLength(header.length);
      return Object.fromEntries(header.map((h, i) => [h, cells[i]!]));
    }),
  };
}

interface SampleEvent {
  event_id: string;
  org_id: string;
  user_id: string | null;
  event_type: string;
  properties: Record<string, unknown>;
  timestamp: string;
}
const events = (): SampleEvent[] =>
  readFileSync(join(dir, 'events.ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SampleEvent);

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('scripts/make-sample-data.mjs', () => {
  const out = mkdtempSync(join(tmpdir(), 'sample-data-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates the committed files byte for byte', () => {
    execFileSync(process.execPath, [join(repo, 'scripts', 'make-sample-data.mjs'), '--out', out], {
      stdio: 'pipe',
    });
    for (const file of FILES) {
      expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(dir, file), 'utf8'));
    }
  });

  it('makes different data from a different seed', () => {
    const other = join(out, 'other');
    execFileSync(
      process.execPath,
      [join(repo, 'scripts', 'make-sample-data.mjs'), '--out', other, '--seed', '8'],
      {
        stdio: 'pipe',
      },
    );
    expect(readFileSync(join(other, 'events.ndjson'), 'utf8')).not.toBe(
      readFileSync(join(dir, 'events.ndjson'), 'utf8'),
    );
  });
});

describe('sample_data/', () => {
  it('has the brief’s columns, in order', () => {
    expect(csv('organizations.csv').header).toEqual(['org_id', 'name', 'plan', 'created_at']);
    expect(csv('users.csv').header).toEqual(['user_id', 'email', 'name', 'role', 'created_at', 'updated_at']);
    expect(csv('user_orgs.csv').header).toEqual(['user_id', 'org_id', 'role', 'joined_at']);
    expect(csv('metrics.csv').header).toEqual(['org_id', 'date', 'metric_name', 'value']);
    for (const event of events()) {
      expect(Object.keys(event).slice(0, 6)).toEqual([
        'event_id',
        'org_id',
        'user_id',
        'event_type',
        'properties',
        'timestamp',
      ]);
      // Then, optionally, the API's v1.1 visitor fields and the request facts the seeder derives columns from.
      for (const extra of Object.keys(event).slice(6)) {
        expect(['anonymous_id', 'session_id', 'context', 'user_agent', 'country']).toContain(extra);
      }
    }
  });

  it('has 3+ organisations on different plans and 20+ users, some in two of them', () => {
    const orgs = csv('organizations.csv').rows;
    expect(orgs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(orgs.map((o) => o.plan)).size).toBeGreaterThanOrEqual(3);
    const users = csv('users.csv').rows;
    expect(users.length).toBeGreaterThanOrEqual(20);
    const memberships = csv('user_orgs.csv').rows;
    const perUser = new Map<string, number>();
    for (const m of memberships) perUser.set(m.user_id!, (perUser.get(m.user_id!) ?? 0) + 1);
    expect([...perUser.values()].filter((n) => n >= 2).length).toBeGreaterThanOrEqual(2);
    const userIds = new Set(users.map((u) => u.user_id));
    const orgIds = new Set(orgs.map((o) => o.org_id));
    for (const m of memberships) {
      expect(userIds.has(m.user_id!)).toBe(true);
      expect(orgIds.has(m.org_id!)).toBe(true);
    }
  });

  it('has 500+ events of 6+ types over 60 days, each by a member of its organisation', () => {
    const all = events();
    expect(all.length).toBeGreaterThanOrEqual(500);
    expect(new Set(all.map((e) => e.event_type)).size).toBeGreaterThanOrEqual(6);
    const days = new Set(all.map((e) => e.timestamp.slice(0, 10)));
    const times = all.map((e) => Date.parse(e.timestamp));
    const spanDays = (Math.max(...times) - Math.min(...times)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(58);
    expect(spanDays).toBeLessThanOrEqual(60);
    expect(days.size).toBeGreaterThan(50);
    const members = new Set(csv('user_orgs.csv').rows.map((m) => `${m.org_id}/${m.user_id}`));
    for (const e of all) {
      if (e.user_id !== null) expect(members.has(`${e.org_id}/${e.user_id}`), e.event_id).toBe(true);
      expect(e.event_type).toMatch(/^[A-Za-z0-9_.:$-]{1,128}$/);
    }
  });

  it('uses RFC 3339 UTC timestamps and UUIDv7 ids that carry those timestamps', () => {
    const all = events();
    expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
    for (const e of all) {
      expect(e.timestamp).toMatch(RFC3339_UTC);
      expect(e.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = Number.parseInt(e.event_id.replaceAll('-', '').slice(0, 12), 16);
      expect(ms, e.event_id).toBe(Date.parse(e.timestamp));
    }
    for (const name of ['organizations.csv', 'users.csv', 'user_orgs.csv']) {
      for (const row of csv(name).rows) {
        for (const [key, value] of Object.entries(row))
          if (key.endsWith('_at')) expect(value).toMatch(RFC3339_UTC);
      }
    }
  });

  it('includes unicode text and one hostile string that every renderer must escape', () => {
    const text = readFileSync(join(dir, 'events.ndjson'), 'utf8');
    expect(text).toMatch(/[^\p{ASCII}]/u);
    expect(text.split('<img src=x onerror=alert(1)>').length - 1).toBe(1);
    expect(readFileSync(join(dir, 'users.csv'), 'utf8')).toMatch(/[^\p{ASCII}]/u);
  });

  it('has every metric for every organisation on every day of the range, and revenue that matches purchases', () => {
    const rows = csv('metrics.csv').rows;
    const orgs = csv('organizations.csv').rows.map((o) => o.org_id!);
    const names = new Set(rows.map((r) => r.metric_name));
    const dates = new Set(rows.map((r) => r.date));
    expect(dates.size).toBe(60);
    expect(rows).toHaveLength(orgs.length * dates.size * names.size);
    for (const r of rows) expect(Number.isFinite(Number(r.value))).toBe(true);

    const revenue = new Map<string, number>();
    for (const e of events()) {
      if (e.event_type !== 'purchase') continue;
      const key = `${e.org_id}/${e.timestamp.slice(0, 10)}`;
      revenue.set(key, (revenue.get(key) ?? 0) + (e.properties.amount as number));
    }
    for (const r of rows.filter((row) => row.metric_name === 'revenue_usd')) {
      expect(Number(r.value), `${r.org_id} ${r.date}`).toBeCloseTo(
        revenue.get(`${r.org_id}/${r.date}`) ?? 0,
        2,
      );
    }
  });
});
