import { describe, expect, it } from 'vitest';
import { createFlushes } from '../src/flushes.js';
import type { Batch } from '../src/queue.js';
import { uuidv7 } from '../src/uuid.js';

const batch = (id = uuidv7()): Batch => ({ id, k: uuidv7(), e: [], b: 0 });
const state = (p: Promise<void>) => {
  let s = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  return () => s;
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createFlushes()', () => {
  it('answers a flush once a step past its mark finds the oldest batch younger, or none', async () => {
    const f = createFlushes();
    const older = batch();
    const first = state(f.add());
    const younger = batch();
    f.seen(uuidv7(), older);
    await settle();
    expect(first()).toBe('pending');
    f.seen(uuidv7(), younger);
    await settle();
    expect(first()).toBe('resolved');
  });

  it('leaves a flush that came after the step began to a later step', async () => {
    const f = createFlushes();
    const horizon = uuidv7();
    const late = state(f.add());
    f.seen(horizon, undefined);
    await settle();
    expect(late()).toBe('pending');
    f.seen(uuidv7(), undefined);
    await settle();
    expect(late()).toBe('resolved');
  });

  it('rejects the flushes that waited for a refused batch once they are answered, or at once when told', async () => {
    const f = createFlushes();
    const b = batch();
    const waited = f.add().catch((e: unknown) => e);
    f.fail(b, 'refused');
    f.seen(uuidv7(), undefined);
    expect(await waited).toBe('refused');

    const c = batch();
    const now = f.add().catch((e: unknown) => e);
    f.fail(c, 'gave up', true);
    expect(await now).toBe('gave up');
  });

  it('does not blame a batch on flushes made before it', async () => {
    const f = createFlushes();
    const before = state(f.add());
    const b = batch();
    f.fail(b, 'refused', true);
    await settle();
    expect(before()).toBe('pending');
  });

  it('close() rejects every pending flush', async () => {
    const f = createFlushes();
    const a = f.add().catch((e: unknown) => e);
    const b = f.add().catch((e: unknown) => e);
    f.close('closed');
    expect([await a, await b]).toEqual(['closed', 'closed']);
  });
});
