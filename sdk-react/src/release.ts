// How many mounted components hold each resource. StrictMode unmounts and remounts every effect once in
// development (and fast refresh does the same in React and Preact); releasing on the first unmount would
// hand the remounted component a dead client or store.
const holders = new WeakMap<object, number>();

/**
 * Counts one more holder of `resource` (call it from an effect); the function it returns, the effect's
 * cleanup, counts one less and calls `release(resource)` once no mounted component holds it any more. The
 * check runs after the current commit, so an unmount immediately followed by a remount keeps the resource.
 */
export function hold<T extends object>(resource: T, release: (resource: T) => void): () => void {
  holders.set(resource, (holders.get(resource) ?? 0) + 1);
  return () => {
    holders.set(resource, (holders.get(resource) ?? 1) - 1);
    setTimeout(() => {
      if (holders.get(resource) === 0) {
        holders.delete(resource);
        release(resource);
      }
    }, 0);
  };
}
