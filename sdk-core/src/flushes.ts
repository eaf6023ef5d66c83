import type { Batch } from './queue.js';
import { uuidv7 } from './uuid.js';

interface Waiter {
  mark: string;
  resolve(): void;
  reject(error: unknown): void;
  error?: unknown;
}

/**
 * The pending `flush()` calls. Each is marked with a UUIDv7 when called; chunk and batch ids are UUIDv7s too
 * and batches go oldest first, so a flush is answered once the delivery loop finds the oldest batch left
 * younger than its mark (or none), and rejected if one of the batches it waited for was refused.
 */
export interface Flushes {
  /** A new flush, settled once everything queued before the call is answered. */
  add(): Promise<void>;
  /** A step of the loop looked at the queue up to `horizon` and found `batch` (or nothing) oldest. */
  seen(horizon: string, batch: Batch | undefined): void;
  /** `batch` failed with `error`: the flushes waiting for it will reject; with `now`, at once. */
  fail(batch: Batch, error: unknown, now?: boolean): void;
  /** Rejects every pending flush. */
  close(error: unknown): void;
}

export function createFlushes(): Flushes {
  let waiters: Waiter[] = [];
  const answer = (keep: (w: Waiter) => boolean): void => {
    waiters = waiters.filter((w) => {
      if (keep(w)) return true;
      if (w.error) w.reject(w.error);
      else w.resolve();
      return false;
    });
  };
  return {
    add: () => new Promise((resolve, reject) => waiters.push({ mark: uuidv7(), resolve, reject })),
    // Judged only by a step that looked that far: a flush may have come after this one began.
    seen: (horizon, batch) => answer((w) => w.mark > horizon || (!!batch && batch.id <= w.mark)),
    fail(batch, error, now) {
      for (const w of waiters) if (batch.id <= w.mark) w.error ??= error;
      if (now) answer((w) => batch.id > w.mark);
    },
    close(error) {
      for (const w of waiters) w.reject(error);
      waiters = [];
    },
  };
}
