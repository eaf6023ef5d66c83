import type { MetricsParams } from '@acme/analytics-sdk';

// What the dashboard asks for, shared by the page (which reads the first view on the server) and the
// components (whose hooks then read the same queries): equal params, equal requests and equal answers.

/** Module constants, so every component asking for the summary asks with equal params and the client's
 * cache answers them all from one request. */
export const SUMMARY: MetricsParams = {
  metrics: ['events', 'active_users', 'events:purchase', 'events:signup'],
};
export const PAGE_SIZE = 20;
