import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../src/scheduler.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createScheduler()', () => {
  it('fires once flushAt events were added, without waiting for the interval', () => {
    const fire = vi.fn();
    const s = createScheduler(3, 1000, fire);
    s.added(2);
    expect(fire).not.toHaveBeenCalled();
    s.added(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('fires flushInterval ms after the first event of a round, not after the latest', () => {
    const fire = vi.fn();
    const s = createScheduler(20, 1000, fire);
    s.added(1);
    vi.advanceTimersByTime(600);
    s.added(1);
    vi.advanceTimersByTime(399);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('starts counting and timing anew after reset()', () => {
    const fire = vi.fn();
    const s = createScheduler(3, 1000, fire);
    s.added(2);
    s.reset();
    vi.advanceTimersByTime(5000);
    s.added(2);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('defaults to 20 events or 1000 ms', () => {
    const fire = vi.fn();
    const s = createScheduler(undefined, undefined, fire);
    s.added(19);
    vi.advanceTimersByTime(999);
    expect(fire).not.toHaveBeenCalled();
    s.added(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});
