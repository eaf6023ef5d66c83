/** When to send: `fire` once `flushAt` events were stored, or `flushInterval` ms after the first of them. */
export interface Scheduler {
  /** `count` more events were stored. */
  added(count: number): void;
  /** Starts counting (and timing) anew: a send began, or the client shut down. */
  reset(): void;
}

export function createScheduler(flushAt = 20, flushInterval = 1000, fire: () => void): Scheduler {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let count = 0;
  return {
    added(n) {
      count += n;
      if (count >= flushAt) fire();
      else timer ??= setTimeout(fire, flushInterval);
    },
    reset() {
      clearTimeout(timer);
      timer = undefined;
      count = 0;
    },
  };
}
