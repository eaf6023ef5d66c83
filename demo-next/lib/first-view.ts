/**
 * The dashboard's first view, read on the server while the page renders: the summary, the event types and
 * the newest events of the org the page opens on. They are in the HTML, so the figures and rows are painted
 * with the document instead of after the scripts, a token fetch and three requests from the browser. The
 * hooks then take over in the browser as before.
 */
import {
  AnalyticsClient,
  type EventsPage,
  type EventTypeCount,
  type MetricsSummary,
} from '@acme/analytics-sdk';
import { PAGE_SIZE, SUMMARY } from '../app/dashboard/queries';
import { signDashboardToken } from './tokens';
import type { DemoUser } from './users';

/** A part missing failed or was late: its section loads in the browser. */
export interface FirstView {
  summary?: MetricsSummary | undefined;
  eventTypes?: EventTypeCount[] | undefined;
  events?: EventsPage | undefined;
}

/**
 * Past this the page stops waiting and the browser loads that part itself (as it would have anyway), so a
 * slow API never holds the page.
 */
const WAIT_MS = 1500;

/**
 * Reads the first view of `org` with a token signed here for the signed-in user, through the SDK as the
 * browser does (a memory-only client: nothing is queued or stored on the server). A part that fails or is
 * late is left out: the section then loads in the browser and shows its own error if it must.
 */
export async function loadFirstView(user: DemoUser, org: string, secret: string): Promise<FirstView> {
  // The API's address from this server; it differs from the browser's where the two reach it by other names
  // (containers).
  const baseUrl =
    process.env.ANALYTICS_API_INTERNAL_URL ?? process.env.ANALYTICS_API_URL ?? 'http://localhost:8787';
  const token = signDashboardToken(user, org, secret);
  const client = new AnalyticsClient({
    baseUrl,
    getToken: async () => (await token) ?? '',
    persistence: 'memory',
    // The browser retries what fails here; the page does not wait for retries.
    retry: { reads: 0 },
    timeout: WAIT_MS,
    onError: () => {},
  });
  const signal = AbortSignal.timeout(WAIT_MS);
  const settle = <T>(read: Promise<T>): Promise<T | undefined> => read.catch(() => undefined);
  try {
    const [summary, eventTypes, events] = await Promise.all([
      settle(client.getMetricsSummary(SUMMARY, { signal })),
      settle(client.getEventTypes({ signal })),
      settle(client.getEventsPage({ limit: PAGE_SIZE }, { signal })),
    ]);
    return { summary, eventTypes, events };
  } finally {
    void client.shutdown({ timeout: 0 }).catch(() => {});
  }
}
