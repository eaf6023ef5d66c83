/**
 * What both SQL deliverable tests (SQLite and PostgreSQL) read: the statements of sql/queries.sql by dialect,
 * and the sample files, parsed here without the server's code so the expected values are independent.
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
