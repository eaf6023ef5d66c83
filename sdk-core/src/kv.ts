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

/** The result of an IndexedDB request, or the completion of a transaction (as idb-keyval's `promisifyRequest`). */
const done = <T>(request: IDBRequest<T> | IDBTransaction): Promise<T> =>
  new Promise((resolve, reject) => {
    const r = request as IDBRequest<T> & { oncomplete: unknown; onabort: unknown };
    r.oncomplete = r.onsuccess = () => resolve(r.result);
    r.onabort = r.onerror = () => reject(r.error);
  });

/**
 * IndexedDB, one database per queue name, opened once (again after the browser closed it). Requests are chained
 * with promises inside the transaction, which keeps it active (continuations run in the same microtask checkpoint).
 */
export function idbKv(name: string): Kv {
  let db: Promise<IDBDatabase> | undefined;
  // async: an `indexedDB.open` that throws (some private modes) becomes a rejection the client handles.
  return async (fn) => {
    if (!db) {
      const open = indexedDB.open(name);
      open.onupgradeneeded = () => open.result.createObjectStore('queue');
      db = done(open);
      // The browser may close the connection (Safari does): open it again on the next use, as after a failed open.
      db.then(
        (d) => {
          d.onclose = () => {
            db = undefined;
          };
        },
        () => {
          db = undefined;
        },
      );
    }
    const store = (await db).transaction('queue', 'readwrite').objectStore('queue');
    const result = fn({
      get: (key) => done(store.get(key)),
      put: (key, value) => void store.put(value, key),
      del: (key) => void store.delete(key),
      list: async <T>(prefix: string) => {
        const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
        const [keys, values] = await Promise.all([done(store.getAllKeys(range)), done(store.getAll(range))]);
        return keys.map((k, i): [string, T] => [k as string, values[i] as T]);
      },
    });
    // A failed operation aborts the transaction, so none of its writes land (the abort is then expected).
    result.catch(() => {
      try {
        store.transaction.abort();
      } catch {
        // Already finished or aborted.
      }
    });
    // Resolved once the transaction committed; rejected with the operation's error first, if any.
    return Promise.all([result, done(store.transaction)]).then(([r]) => r);
  };
}
