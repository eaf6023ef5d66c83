import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnection } from '../src/connection.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A platform `online` hook the test drives. */
function hook() {
  let set: (online: boolean) => void = () => {};
  let listening = false;
  return {
    online: (s: (online: boolean) => void) => {
      set = s;
      listening = true;
      return () => {
        listening = false;
      };
    },
    set: (online: boolean) => set(online),
    listening: () => listening,
  };
}

describe('createConnection()', () => {
  it('follows the hook, and runs `back` each time the connection comes back', () => {
    const h = hook();
    const back = vi.fn();
    const c = createConnection(h.online, back);
    expect(c.online).toBe(true);
    h.set(false);
    expect(c.online).toBe(false);
    expect(back).not.toHaveBeenCalled();
    h.set(true);
    expect(c.online).toBe(true);
    expect(back).toHaveBeenCalledTimes(1);
  });

  it('sleep(ms) ends after ms, or at once when the connection comes back', async () => {
    const h = hook();
    const c = createConnection(h.online, () => {});
    let done = false;
    c.sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);

    done = false;
    c.sleep(60_000).then(() => (done = true));
    h.set(false);
    h.set(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('sleep() without ms waits until woken, by off() too', async () => {
    const c = createConnection(hook().online, () => {});
    let done = false;
    c.sleep().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(done).toBe(false);
    c.off();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('off() stops listening', () => {
    const h = hook();
    const c = createConnection(h.online, () => {});
    expect(h.listening()).toBe(true);
    c.off();
    expect(h.listening()).toBe(false);
  });
});
