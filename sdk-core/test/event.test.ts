import { describe, expect, it } from 'vitest';
import { serialize } from '../src/event.js';
import { byteLength, chunk } from '../src/queue.js';

describe('serialize()', () => {
  it('fills in event_id and timestamp, counts the bytes as a batch body will, and notes an own org_id', () => {
    const [json, bytes, own] = serialize({ event_type: 'a', properties: { a: 'é' } });
    const event = JSON.parse(json);
    expect(event).toMatchObject({ event_type: 'a', properties: { a: 'é' } });
    expect(event.event_id).toMatch(/^[\da-f-]{36}$/);
    expect(Date.parse(event.timestamp)).not.toBeNaN();
    expect(bytes).toBe(new TextEncoder().encode(json).length + 1);
    expect(own).toBe(false);
    expect(serialize({ event_type: 'a', org_id: 'org_a' })[2]).toBe(true);
  });

  it('refuses properties over 32 KiB, as the API does', () => {
    const props = (n: number) => ({ event_type: 'a', properties: { p: 'x'.repeat(n) } });
    // {"p":"…"} is 8 bytes around the string.
    expect(() => serialize(props(32_768 - 8))).not.toThrow();
    expect(() => serialize(props(32_768 - 7))).toThrow(/32 KiB/);
  });
});

describe('chunk()', () => {
  it('stamps the tenant on events without their own org_id and splits at 100 events', () => {
    const events = Array.from({ length: 150 }, (_, i) =>
      serialize({ event_type: 'a', ...(i === 0 ? { org_id: 'own' } : {}) }),
    );
    const chunks = chunk(events, 'org_a');
    expect(chunks.map(([, c]) => c.e.length)).toEqual([100, 50]);
    const orgs = chunks.flatMap(([, c]) => c.e.map((e) => JSON.parse(e).org_id));
    expect(orgs[0]).toBe('own');
    expect(new Set(orgs.slice(1))).toEqual(new Set(['org_a']));
    for (const [, c] of chunks) expect(c.b).toBe(c.e.reduce((s, e) => s + byteLength(e), 0));
    expect(chunks[0]![0] < chunks[1]![0]).toBe(true);
  });
});
