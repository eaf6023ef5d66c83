import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, filterHash } from '../../src/lib/cursor.js';

const key = { ts: 1_714_564_800_123, eventId: '01900000-0000-7000-8000-0000000000ab' };

describe('cursors', () => {
  const hash = filterHash({ eventTypes: ['b', 'a'], fromTs: 1 });

  it('round-trip the position for the same secret, org and filters', () => {
    const c = encodeCursor('s', 'org_a', hash, key);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('s', 'org_a', hash, c)).toEqual(key);
  });

  it('ignore the order of repeated event types', () => {
    expect(filterHash({ eventTypes: ['a', 'b', 'a'], fromTs: 1 })).toBe(hash);
  });

  it('reject another org, other filters, another secret and any edited character', () => {
    const c = encodeCursor('s', 'org_a', hash, key);
    expect(decodeCursor('s', 'org_b', hash, c)).toBeNull();
    expect(decodeCursor('s', 'org_a', filterHash({ eventTypes: ['a'] }), c)).toBeNull();
    expect(decodeCursor('other', 'org_a', hash, c)).toBeNull();
    for (let i = 0; i < c.length; i++) {
      const edited = c.slice(0, i) + (c[i] === 'A' ? 'B' : 'A') + c.slice(i + 1);
      expect(decodeCursor('s', 'org_a', hash, edited), `position ${i}`).toBeNull();
    }
    expect(decodeCursor('s', 'org_a', hash, `${c}A`)).toBeNull();
    expect(decodeCursor('s', 'org_a', hash, '!!!')).toBeNull();
  });
});
