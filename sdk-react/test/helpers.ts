import { AnalyticsClient, type AnalyticsClientOptions } from '@acme/analytics-sdk';
import { inject } from 'vitest';

export const fixture = inject('fixture');

/** A client of the test server: memory queue, no read retries (errors show at once), no cross-tab locks. */
export function clientFor(token: string, options: Partial<AnalyticsClientOptions> = {}): AnalyticsClient {
  return new AnalyticsClient({
    baseUrl: fixture.url,
    apiKey: token,
    persistence: 'memory',
    flushInterval: 20,
    retry: { reads: 0 },
    platform: { locks: null },
    onError: () => {},
    ...options,
  });
}

/** How many GET requests the server has answered on `route`, from its Prometheus counters. */
export async function requestCount(route: string): Promise<number> {
  const text = await (await fetch(`${fixture.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith('http_requests_total{') &&
      line.includes(`route="${route}"`) &&
      line.includes('method="GET"')
    ) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}
