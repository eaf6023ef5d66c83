/**
 * The prose that describes the API stays true to it: docs/api.md lists exactly the error registry's codes
 * with their statuses, and the documents' relative links lead to files of the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../src/lib/errors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOCS = ['docs/api.md', 'server/README.md', 'server/test/fire/README.md'];

describe('docs/api.md', () => {
  it('lists every problem code of the error registry with its status, and no other', () => {
    const text = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    const rows = [...text.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
    const registry = Object.entries(ERRORS).map(([code, e]) => [code, e.status]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(registry));
    expect(rows).toHaveLength(registry.length);
  });
});

describe.each(DOCS)('%s', (doc) => {
  it('links only to files inside the repository that exist', () => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // an absolute URL
      const path = join(ROOT, dirname(doc), target!);
      expect(relative(ROOT, path).startsWith('..'), `${doc} → ${target}`).toBe(false);
      expect(existsSync(path), `${doc} → ${target}`).toBe(true);
    }
  });
});
