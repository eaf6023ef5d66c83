import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/index.js';

describe('uuidv7()', () => {
  it('makes RFC 9562 version 7 ids carrying the current time', () => {
    const before = Date.now();
    const id = uuidv7();
    expect(id).toMatch(/^[\da-f]{8}-[\da-f]{4}-7[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
    const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('sorts in the order the ids were made, even many within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, uuidv7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
