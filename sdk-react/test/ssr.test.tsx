// @vitest-environment node
// Server rendering (as in a Next.js server component pass): no DOM, nothing fetched, markup that hydrates.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnalyticsProvider, EventsTable, useEvents, useMetrics } from '../src/index.js';
import { fixture, requestCount } from './helpers.js';

function Page() {
  const { events, loading } = useEvents({ limit: 5 });
  const { data } = useMetrics();
  return (
    <main>
      <p>{loading ? 'loading' : `${events.length} events`}</p>
      <p>{data ? 'summary' : 'no summary yet'}</p>
      <EventsTable eventType="signup" pageSize={5} />
    </main>
  );
}

describe('server rendering', () => {
  it('renders the initial state without a DOM and without requests', async () => {
    expect(typeof document).toBe('undefined');
    const before = (await requestCount('/api/v1/events')) + (await requestCount('/api/v1/metrics/summary'));
    const html = renderToString(
      <AnalyticsProvider baseUrl={fixture.url} apiKey={fixture.tokens.a}>
        <Page />
      </AnalyticsProvider>,
    );
    expect(html).toContain('<p>0 events</p>');
    expect(html).toContain('no summary yet');
    expect(html).toMatch(/<events-table[^>]*>/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = (await requestCount('/api/v1/events')) + (await requestCount('/api/v1/metrics/summary'));
    expect(after).toBe(before);
  });
});
