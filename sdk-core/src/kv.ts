import { createStore, promisifyRequest } from 'idb-keyval';

/** One atomic read-write transaction over an ordered string-keyed store. */
export interface KvTx {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): void;
  del(key: string): void;
  /** Entries whose key starts with `prefix`, in key order. */
  list<T>(prefix: string): Promise<[string, T][]>;
}

/**
 * Runs `fn` as one transaction. Every queue operation is a single transaction, so several tabs (each its
 * own JavaScript realm, all sharing one IndexedDB database) can never interleave half-done changes.
 */
export type Kv = <T>(fn: (tx: KvTx) => Promise<T>) => Promise<T>;

/** The in-memory queue for Node, server rendering and storage trouble; transactions run one after another. */
export function memoryKv(): Kv {
  const data = new Map<string, unknown>();
  let chain: Promise<unknown> = Promise.resolve();
  const tx: KvTx = {
    get: async <T>(key: string) => data.get(key) as T | undefined,
    put: (key, value) => void data.set(key, value),
    del: (key) => void data.delete(key),
    list: async <T>(prefix: string) =>
      ([...data] as [string, T][]).filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)),
  };
  return (fn) => {
    const result = chain.then(() => fn(tx));
    chain = result.catch(() => {});
    return result;
  };
}

/**
 * IndexedDB through idb-keyval's store handle, one database per queue name. Requests are chained with
 * promises inside the transaction, which keeps it active (continuations run in the same microtask checkpoint).
 */
export function idbKv(name: string): Kv {
  const use = createStore(name, 'queue');
  // async: an `indexedDB.open` that throws (some private modes) becomes a rejection the client handles.
  return async (fn) =>
    use('readwrite', async (store) => {
      const done = promisifyRequest(store.transaction);
      // If fn fails, the abort rejects `done` too; that rejection is expected and handled by the caller's error.
      done.catch(() => {});
      const tx: KvTx = {
        get: (key) => promisifyRequest(store.get(key)),
        put: (key, value) => void store.put(value, key),
        del: (key) => void store.delete(key),
        list: async <T>(prefix: string) => {
          const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
          const [keys, values] = await Promise.all([
            promisifyRequest(store.getAllKeys(range)),
            promisifyRequest(store.getAll(range)),
          ]);
          return keys.map((k, i): [string, T] => [k as string, values[i] as T]);
        },
      };
      try {
        const result = await fn(tx);
        await done;
        return result;
      } catch (error) {
        try {
          store.transaction.abort();
        } catch {
          // Already finished or aborted.
        }
        throw error;
      }
    });
}
