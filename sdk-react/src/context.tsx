'use client';
import { AnalyticsClient, type AnalyticsClientOptions } from '@acme/analytics-sdk';
import { createContext, type ReactNode, useContext, useRef } from 'react';
import { useRelease } from './release.js';

/** The client of the nearest `AnalyticsProvider`, or null outside of one. */
export const AnalyticsContext = createContext<AnalyticsClient | null>(null);

export type AnalyticsProviderProps = { children?: ReactNode } & (
  | { client: AnalyticsClient }
  | (AnalyticsClientOptions & { client?: undefined })
);

/**
 * Gives the components below it one `AnalyticsClient`: either the `client` you pass (you own it), or one
 * made from the options on the first render and shut down when the provider unmounts. Later changes to the
 * options are ignored, as with any initial state: give the provider a new `key` to start a new client
 * (for instance per tenant).
 */
export function AnalyticsProvider(props: AnalyticsProviderProps) {
  const { children, client: given, ...options } = props;
  // A ref rather than `useState(() => ...)`: StrictMode calls state initialisers twice and would build a
  // second client (with its own queue and timers) only to drop it; a ref initialised once is kept.
  const owned = useRef<AnalyticsClient | null>(null);
  if (!given && owned.current === null)
    owned.current = new AnalyticsClient(options as AnalyticsClientOptions);
  const client = given ?? owned.current!;
  useRelease(owned.current, shutdown);
  return <AnalyticsContext.Provider value={client}>{children}</AnalyticsContext.Provider>;
}

function shutdown(client: AnalyticsClient): void {
  // Delivers what is queued; what cannot be sent stays in the persistent queue for the next page.
  void client.shutdown().catch(() => {});
}

/** The client of the nearest `AnalyticsProvider`; throws outside of one. */
export function useAnalytics(): AnalyticsClient {
  const client = useContext(AnalyticsContext);
  if (!client) throw new Error('useAnalytics() needs an <AnalyticsProvider> above this component');
  return client;
}
