'use client';
import { useEffect } from 'react';

// How many mounted components hold each resource. StrictMode unmounts and remounts every effect once in
// development; releasing on the first unmount would hand the remounted component a dead client or store.
const holders = new WeakMap<object, number>();

/**
 * Calls `release(resource)` once no mounted component holds it any more. The check runs after the current
 * commit, so an unmount immediately followed by a remount (StrictMode, fast refresh) keeps the resource.
 */
export function useRelease<T extends object>(resource: T | null, release: (resource: T) => void): void {
  useEffect(() => {
    if (!resource) return;
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
  }, [resource, release]);
}
