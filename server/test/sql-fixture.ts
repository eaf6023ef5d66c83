/**
 * What both SQL deliverable tests (SQLite and PostgreSQL) read: the statements of sql/queries.sql by dialect,
 * the sample files, and the answers T1.1 and T1.2 must give, computed here from those files without the
 * server's code so the expected values are independent of what they test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const DAY = 86_400_000;

/** Each `-- @<dialect> <name>` statement of sql/queries.sql, without its comment lines. */
export function statements(dialect: string): Map<string, string> {
  const text = readFileSync(join(ROOT, 'sql/queries.sql'), 'utf8');
  const out = new Map<string, string>();
  const re = /^-- @(\w+) (\S+)\n([\s\S]*?)(?=^-- @|(?![\s\S]))/gm;
  for (const m of text.matchAll(re)) {
    if (m[1] !== dialect) continue;
    const sql = m[3]!
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n')
      .trim();
    out.set(m[2]!, sql);
  }
  return out;
}

export function csv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(ROOT, 'sample_data', file), 'utf8')
    .trim()
    .split(/\r?\n/);
  const cols = head!.split(',');
  return rows.map((r) => {
    const cells = r.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

export const rawEvents = readFileSync(join(ROOT, 'sample_data/events.ndjson'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { org_id: string; user_id?: string | null; timestamp: string });
export const orgs = csv('organizations.csv');

/**
 * The sample as both tests seed it: as if today were three and a half days after the newest sample event
 * (so the timestamp shift is exercised), with each event's shifted time `ts`.
 */
const newest = Math.max(...rawEvents.map((e) => Date.parse(e.timestamp)));
export const now = newest + 3.5 * DAY;
export const events = rawEvents.map((e) => ({ ...e, ts: Date.parse(e.timestamp) + (now - newest) }));

/** T1.1's answer: the five orgs with the most events in the 30 days before `now`, with name and plan. */
export function expectedTopOrgs(): { org_id: string; name: string; plan: string; events: number }[] {
  const counts = new Map<string, number>();
  for (const e of events)
    if (e.ts >= now - 30 * DAY && e.ts <= now) counts.set(e.org_id, (counts.get(e.org_id) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([org_id, n]) => {
      const o = orgs.find((x) => x.org_id === org_id)!;
      return { org_id, name: o.name!, plan: o.plan!, events: n };
    });
}

export const date = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);

/**
 * T1.2's answer: distinct users per org and UTC day, every org and every day from `startDay` to `endDay`
 * (day numbers) included, zeros too, ordered by org then day.
 */
export function expectedDau(
  startDay: number,
  endDay: number,
): { org_id: string; date: string; dau: number }[] {
  const expected: { org_id: string; date: string; dau: number }[] = [];
  for (const o of [...orgs].sort((a, b) => (a.org_id! < b.org_id! ? -1 : 1))) {
    for (let d = startDay; d <= endDay; d++) {
      const users = new Set(
        events
          .filter((e) => e.org_id === o.org_id && e.user_id && Math.floor(e.ts / DAY) === d)
          .map((e) => e.user_id),
      );
      expected.push({ org_id: o.org_id!, date: date(d), dau: users.size });
    }
  }
  return expected;
}
