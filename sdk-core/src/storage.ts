import type { Seen } from './delivery.js';
import { AnalyticsError } from './errors.js';
import { idbKv, type Kv, type KvTx, memoryKv } from './kv.js';
import type { AnalyticsPlatform } from './options.js';

/** Runs one queue operation (see `queue.ts`) on the client's store, as one transaction. */
export type Store = <T>(op: (tx: KvTx) => Promise<T>) => Promise<T>;

export interface Storage {
  store: Store;
  /** Moves the queue to the IndexedDB database `name` (until then, and without it, it lives in memory). */
  open(name: string): void;
  /** Runs `fn` holding the queue's cross-tab lock, where the queue is shared and Web Locks exist. */
  lock<T>(fn: () => Promise<T>): Promise<T>;
  /** What this page last saw of the queue's counter (`delivery.ts`): forgotten when the queue moves to memory. */
  seen: Seen;
}

/** The queue's storage: memory, or IndexedDB that falls back to memory for good the first time it fails. */
export function createStorage(report: (error: AnalyticsError) => void, platform: AnalyticsPlatform): Storage {
  let kv = memoryKv();
  let idb: Kv | undefined;
  let lockName = '';
  const self: Storage = {
    seen: { p: {} },
    store: (op) => {
      const used = kv;
      return used(op).catch((error: unknown) => {
        if (used !== idb) throw error;
        if (kv === used) {
          kv = memoryKv();
          // A new install, not the old one wiped: that one's events wait in IndexedDB for the next page.
          self.seen.c = undefined;
          report(new AnalyticsError('IndexedDB failed: memory queue', 'storage_unavailable', error));
        }
        return kv(op);
      });
    },
    open(name) {
      lockName = `acme-analytics:${name}`;
      kv = idb = idbKv(name);
    },
    lock(fn) {
      const { locks = typeof navigator === 'undefined' ? undefined : navigator.locks } = platform;
      // The memory queue is this page's alone: nothing to share.
      return locks && kv === idb ? locks.request(lockName, fn) : fn();
    },
  };
  return self;
}
