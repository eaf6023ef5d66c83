// @vitest-environment node
// Server rendering (as in a Next.js server component pass): no DOM, nothing fetched, markup that hydrates.
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnalyticsProvider, EventsTable, useEvents, useFunnel, useMetrics, useTrends } from '../src/index.js';
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

function Insights() {
  const trends = useTrends({ metric: ['events'] });
  const funnel = useFunnel({
    steps: [{ event_type: 'page_view' }, { event_type: 'signup' }],
    window_seconds: 3600,
    start_date: '2026-01-01',
    end_date: '2026-01-31',
  });
  return (
    <p>
      {trends.data || funnel.data ? 'data' : 'no data yet'}
      {trends.loading || funnel.loading ? ', loading' : ''}
    </p>
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

  it('renders the insights hooks’ initial state without requests', async () => {
    const before = await requestCount('/api/v1/insights/trends');
    const html = renderToString(
      <AnalyticsProvider baseUrl={fixture.url} apiKey={fixture.tokens.a}>
        <Insights />
      </AnalyticsProvider>,
    );
    expect(html).toContain('<p>no data yet</p>');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await requestCount('/api/v1/insights/trends')).toBe(before);
  });
});
