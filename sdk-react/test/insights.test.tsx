// The insights hooks against the real API server (test/global-setup.ts), with the answers worked out from the
// fixture's events. Runs twice: with React, and with `react` resolved to `preact/compat` (vitest.config.ts).
import type { AnalyticsApiError, AnalyticsClient } from '@acme/analytics-sdk';
import type { TrendsQuery } from '@acme/analytics-sdk/insights';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { AnalyticsProvider, useBreakdown, useFunnel, useRetention, useTrends } from '../src/index.js';
import { orgAEvents } from './fixture.js';
import { clientFor, fixture, requestCount } from './helpers.js';

afterEach(cleanup);

// The fixture's events come from Node, whose User-Agent reads as a bot's: insights leave bots out unless asked.
const events = orgAEvents(Date.now());
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
// Every fixture event is within the last hour: yesterday and today hold them all, whatever the hour now.
const range = { start_date: day(-1), end_date: day(0), include_bots: true };
const users = (type: string) => new Set(events.filter((e) => e.event_type === type).map((e) => e.user_id));

function withClient(client: AnalyticsClient, children: ReactNode) {
  return <AnalyticsProvider client={client}>{children}</AnalyticsProvider>;
}

const text = (id: string) => screen.getByTestId(id).textContent;
const failed = (error: Error | null) => (error ? `error ${(error as AnalyticsApiError).status}` : null);

function Trend({ id, query }: { id: string; query: TrendsQuery }) {
  const { data, loading, error } = useTrends(query);
  return (
    <p data-testid={id}>
      {failed(error) ?? (data ? data.series.map((s) => `${s.metric} ${s.total}`).join(', ') : 'none')}
      {loading ? ' (loading)' : ''}
    </p>
  );
}

describe('useTrends()', () => {
  it('shows loading, then the series', async () => {
    render(
      withClient(
        clientFor(fixture.tokens.a),
        <Trend id="trend" query={{ ...range, metric: ['events', 'events:signup'] }} />,
      ),
    );
    expect(text('trend')).toBe('none (loading)');
    const signups = events.filter((e) => e.event_type === 'signup').length;
    await waitFor(() => expect(text('trend')).toBe(`events ${events.length}, events:signup ${signups}`));
  });

  it('serves two components asking the same query with one request', async () => {
    const before = await requestCount('/api/v1/insights/trends');
    render(
      withClient(
        clientFor(fixture.tokens.a),
        <>
          <Trend id="one" query={{ ...range, filter: ['event_type==signup', 'user_id!=nobody'] }} />
          <Trend
            id="two"
            query={{ filter: ['user_id!=nobody', 'event_type==signup'], tz: 'UTC', ...range }}
          />
        </>,
      ),
    );
    const signupUsers = `visitors ${users('signup').size}`;
    await waitFor(() => expect(text('one')).toBe(signupUsers));
    await waitFor(() => expect(text('two')).toBe(signupUsers));
    expect(await requestCount('/api/v1/insights/trends')).toBe(before + 1);
  });

  it('puts a bad filter’s 422 in `error`', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Trend id="bad" query={{ filter: ['shoe_size==42'] }} />));
    await waitFor(() => expect(text('bad')).toBe('error 422'));
  });
});

function TopTypes() {
  const { data } = useBreakdown({ ...range, dimension: 'event_type', metric: ['events'] });
  return <p data-testid="types">{data?.data.map((row) => `${row.value}:${row.values.events}`).join(' ')}</p>;
}

describe('useBreakdown()', () => {
  it('lists the dimension’s values by the first metric', async () => {
    render(withClient(clientFor(fixture.tokens.a), <TopTypes />));
    const count = (type: string) => events.filter((e) => e.event_type === type).length;
    await waitFor(() =>
      expect(text('types')).toBe(`page_view:${count('page_view')} signup:${count('signup')}`),
    );
  });
});

function Funnel() {
  const { data } = useFunnel({
    ...range,
    steps: [{ event_type: 'page_view' }, { event_type: 'signup' }],
    window_seconds: 3600,
  });
  return <p data-testid="funnel">{data?.steps.map((s) => `${s.event_type}:${s.visitors}`).join(' ')}</p>;
}

describe('useFunnel()', () => {
  it('counts the visitors through the steps', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Funnel />));
    // All within the hour: a user converts when one of its sign-ups follows one of its page views.
    const at = (e: (typeof events)[number]) => Date.parse(e.timestamp);
    const converted = [...users('page_view')].filter((user) => {
      const mine = events.filter((e) => e.user_id === user);
      const firstView = Math.min(...mine.filter((e) => e.event_type === 'page_view').map(at));
      return mine.some((e) => e.event_type === 'signup' && at(e) > firstView);
    });
    await waitFor(() =>
      expect(text('funnel')).toBe(`page_view:${users('page_view').size} signup:${converted.length}`),
    );
  });
});

function Retention() {
  const { data } = useRetention({
    ...range,
    start_event: 'page_view',
    return_event: 'page_view',
    periods: 1,
  });
  return (
    <p data-testid="retention">
      {data ? `${data.cohorts.reduce((n, c) => n + c.size, 0)} in cohorts` : 'none'}
      {data?.cohorts.every((c) => c.retained[0] === c.size) ? ', all back in their own period' : ''}
    </p>
  );
}

describe('useRetention()', () => {
  it('puts every visitor with a start event in one cohort', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Retention />));
    await waitFor(() =>
      expect(text('retention')).toBe(`${users('page_view').size} in cohorts, all back in their own period`),
    );
  });
});
