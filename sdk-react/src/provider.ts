'use client';
import {
  AnalyticsClient,
  type AnalyticsClientOptions,
  type EventPayload,
  type JsonObject,
} from '@acme/analytics-sdk';
import { hold } from './release.js';

/**
 * What the provider needs of a renderer: React and Preact each hand over their own hooks, so the provider
 * is written once (below) and each entry is a few lines of binding.
 */
export interface Renderer<Context, Children, Node> {
  createContext(value: AnalyticsClient | null): Context;
  useContext(context: Context): AnalyticsClient | null;
  useRef<T>(value: T): { current: T };
  useEffect(effect: () => (() => void) | undefined, deps: readonly unknown[]): void;
  useCallback<F extends (...args: never[]) => unknown>(callback: F, deps: readonly unknown[]): F;
  /** Renders `children` with `client` as the context's value. */
  provide(context: Context, client: AnalyticsClient, children: Children | undefined): Node;
}

export type ProviderProps<Children> = { children?: Children } & (
  | { client: AnalyticsClient }
  | (AnalyticsClientOptions & { client?: undefined })
);

function shutdown(client: AnalyticsClient): void {
  // Delivers what is queued; what cannot be sent stays in the persistent queue for the next page.
  void client.shutdown().catch(() => {});
}

/** The provider, its context and the hooks that read it, for one renderer. */
export function bindProvider<Context, Children, Node>(renderer: Renderer<Context, Children, Node>) {
  const { createContext, useContext, useRef, useEffect, useCallback, provide } = renderer;

  /** The client of the nearest `AnalyticsProvider`, or null outside of one. */
  const AnalyticsContext = createContext(null);

  /**
   * Gives the components below it one `AnalyticsClient`: either the `client` you pass (you own it), or one
   * made from the options on the first render and shut down when the provider unmounts. Later changes to
   * the options are ignored, as with any initial state: give the provider a new `key` to start a new
   * client (for instance per tenant).
   */
  // biome-ignore lint/correctness/noComponentHookFactories: bound once per renderer at module level, never in a render
  function AnalyticsProvider(props: ProviderProps<Children>): Node {
    const { children, client: given, ...options } = props;
    // A ref rather than state: StrictMode calls state initialisers twice and would build a second client
    // (with its own queue and timers) only to drop it; a ref initialised once is kept.
    const owned = useRef<AnalyticsClient | null>(null);
    if (!given && owned.current === null)
      owned.current = new AnalyticsClient(options as AnalyticsClientOptions);
    const mine = owned.current;
    useEffect(() => (mine ? hold(mine, shutdown) : undefined), [mine]);
    return provide(AnalyticsContext, given ?? mine!, children);
  }

  /** The client of the nearest `AnalyticsProvider`; throws outside of one. */
  // biome-ignore lint/correctness/noComponentHookFactories: bound once per renderer at module level, never in a render
  function useAnalytics(): AnalyticsClient {
    const client = useContext(AnalyticsContext);
    if (!client) throw new Error('useAnalytics() needs an <AnalyticsProvider> above this component');
    return client;
  }

  /** A stable function (same identity for the provider's lifetime) that queues an event for delivery. */
  // biome-ignore lint/correctness/noComponentHookFactories: bound once per renderer at module level, never in a render
  function useTrackEvent(): (event: EventPayload) => Promise<void> {
    const client = useAnalytics();
    return useCallback((event: EventPayload) => client.trackEvent(event), [client]);
  }

  /**
   * Names the signed-in user to the client (`client.identify(userId, traits)`) whenever `userId` changes to
   * a user; `null` or `undefined` (not signed in, or not known yet) does nothing. The core decides the rest:
   * the same user again sends nothing, and sign-out is `useAnalytics().reset()`. Traits are read when the
   * user changes.
   */
  // biome-ignore lint/correctness/noComponentHookFactories: bound once per renderer at module level, never in a render
  function useIdentify(userId: string | null | undefined, traits?: JsonObject): void {
    const client = useAnalytics();
    const latest = useRef(traits);
    latest.current = traits;
    useEffect(() => {
      if (userId) void client.identify(userId, latest.current).catch(() => {});
      return undefined;
    }, [client, userId]);
  }

  return { AnalyticsContext, AnalyticsProvider, useAnalytics, useTrackEvent, useIdentify };
}
