// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { optedOut, saveConsent } from '../src/consent.js';
import { memoryKv } from '../src/kv.js';
import { add, getConsent, next } from '../src/queue.js';
import type { Store } from '../src/storage.js';

const queue = (): Store => memoryKv();

afterEach(() => {
  window.localStorage.clear();
  Reflect.deleteProperty(navigator, 'doNotTrack');
});

describe('optedOut()', () => {
  it('is false without a recorded choice, and Do Not Track counts only when respected', async () => {
    expect(await optedOut(queue())).toBe(false);
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    expect(await optedOut(queue())).toBe(false);
    expect(await optedOut(queue(), true)).toBe(true);
  });

  it('follows the recorded choice over Do Not Track', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    const store = queue();
    await saveConsent(store, 'in');
    expect(await optedOut(store, true)).toBe(false);
  });

  it('reads the queue’s record where the site has none (storage blocked or cleared)', async () => {
    const store = queue();
    await saveConsent(store, 'out');
    window.localStorage.clear();
    expect(await store(getConsent)).toBe('out');
    expect(await optedOut(store)).toBe(true);
  });
});

describe('saveConsent()', () => {
  it('records the choice site-wide, so another queue (another tenant) sees it', async () => {
    await saveConsent(queue(), 'out');
    expect(await optedOut(queue())).toBe(true);
    await saveConsent(queue(), 'in');
    expect(await optedOut(queue())).toBe(false);
  });

  it('opting out deletes the queued events', async () => {
    const store = queue();
    await store((tx) => add(tx, [['0190a000-0000-7000-8000-000000000000', { e: ['{}'], b: 3 }]], 100));
    await saveConsent(store, 'out');
    expect((await store((tx) => next(tx, 'z')))[0]).toBeUndefined();
  });
});
