import { describe, expect, it } from 'vitest';
import { formatUuid, isUuid, uuidToBytes, uuidv7 } from '../../src/lib/ids.js';

describe('uuidv7', () => {
  it('makes RFC 9562 version-7 ids that carry their millisecond', () => {
    const now = Date.UTC(2026, 11, 5, 7, 30);
    const id = uuidv7(now);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7'); // version
    expect('89ab').toContain(id[19]); // variant 10xx
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('never repeats, and ids of one millisecond sort in creation order', () => {
    // 5,000 ids span many refills of the random pool; the same millisecond uses the 12-bit counter.
    const now = Date.UTC(2026, 11, 5);
    const ids = Array.from({ length: 1000 }, () => uuidv7(now));
    const later = Array.from({ length: 4000 }, (_, i) => uuidv7(now + 1 + Math.floor(i / 1000)));
    expect(new Set([...ids, ...later]).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    expect([...later].sort()).toEqual(later);
  });

  it('round-trips through 16 bytes', () => {
    const id = uuidv7();
    expect(uuidToBytes(id)).toHaveLength(16);
    expect(formatUuid(uuidToBytes(id))).toBe(id);
  });
});
