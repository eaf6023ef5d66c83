import type { AnalyticsClient } from '@acme/analytics-sdk';
import { createContext } from '@lit/context';
import { signal } from '@preact/signals-core';

/** The client an `<analytics-provider>` hands to the components inside it. */
export const clientContext = createContext<AnalyticsClient | undefined>(Symbol.for('acme-analytics-client'));

/**
 * The page-wide fallback client (the one the script tag configures). A signal, so components that
 * rendered before it was set pick it up without a reload.
 */
export const defaultClient = signal<AnalyticsClient | undefined>(undefined);

/** Sets the client used by components that have neither a `.client` nor a provider above them. */
export function setDefaultClient(client: AnalyticsClient | undefined): void {
  defaultClient.value = client;
}
