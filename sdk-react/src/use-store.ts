'use client';
import { computed } from '@preact/signals-core';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { sameDeps } from './keys.js';
import { hold } from './release.js';

interface Disposable {
  dispose(): void;
}

interface Binding<S, V> {
  deps: readonly unknown[];
  store: S;
  subscribe: (onChange: () => void) => () => void;
  read: () => V;
}

function bind<S, V>(deps: readonly unknown[], create: () => S, select: (store: S) => V): Binding<S, V> {
  const store = create();
  // One computed per store: it hands React the same snapshot object until one of the signals it reads
  // changes, which is what useSyncExternalStore needs. Read without subscribers (render, SSR) it does not
  // subscribe to the store's signals, so the store starts fetching only once a component has mounted.
  const view = computed(() => select(store));
  return {
    deps,
    store,
    subscribe: (onChange) => view.subscribe(() => onChange()),
    read: () => view.value,
  };
}

function dispose(store: Disposable): void {
  store.dispose();
}

/**
 * The base of every hook: creates a core store once per `deps` (like `useMemo`, but never dropped by
 * React), subscribes to its signals through `useSyncExternalStore` and disposes of it once no mounted
 * component uses it. New deps mean a new store; the old one is disposed of and, as nothing reads it any
 * more, its late responses never reach the screen.
 */
export function useStore<S extends Disposable, V>(
  deps: readonly unknown[],
  create: () => S,
  select: (store: S) => V,
): [S, V] {
  const [binding, setBinding] = useState(() => bind(deps, create, select));
  let current = binding;
  if (!sameDeps(binding.deps, deps)) {
    // React's pattern for state derived from props: replace it during render, React renders again at once.
    current = bind(deps, create, select);
    setBinding(current);
  }
  const { store } = current;
  useEffect(() => hold(store, dispose), [store]);
  const value = useSyncExternalStore(current.subscribe, current.read, current.read);
  return [store, value];
}
