import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AnalyticsProvider,
  BreakdownList,
  type FilterChangeEvent,
  FunnelChart,
  RetentionGrid,
  TrendChart,
} from '../src/index.js';
import { clientFor, fixture } from './helpers.js';

afterEach(cleanup);

describe('<TrendChart />, <BreakdownList />, <FunnelChart /> and <RetentionGrid />', () => {
  it('render their elements with the props set as properties and the provider’s client', () => {
    const client = clientFor(fixture.tokens.a);
    const onFilterChange = vi.fn<(event: FilterChangeEvent) => void>();
    const steps = [{ event_type: 'page_view' }, { event_type: 'signup', filter: ['country==DE'] }];
    const { container } = render(
      <AnalyticsProvider client={client}>
        <TrendChart metric="events,visitors" type="bar" interval="week" compare />
        <BreakdownList dimension="country" limit={5} onFilterChange={onFilterChange} />
        <FunnelChart steps={steps} windowSeconds={3600} />
        <RetentionGrid period="week" periods={4} />
      </AnalyticsProvider>,
    );
    const trend = container.querySelector('trend-chart')!;
    expect([trend.metric, trend.type, trend.interval, trend.compare, trend.client]).toEqual([
      'events,visitors',
      'bar',
      'week',
      true,
      client,
    ]);
    const list = container.querySelector('breakdown-list')!;
    expect([list.dimension, list.limit]).toEqual(['country', 5]);
    list.dispatchEvent(
      new CustomEvent('filter-change', { detail: { add: 'country==DE' }, bubbles: true, composed: true }),
    );
    expect(onFilterChange.mock.calls[0]?.[0].detail).toEqual({ add: 'country==DE' });
    const funnel = container.querySelector('funnel-chart')!;
    expect([funnel.steps, funnel.windowSeconds]).toEqual([steps, 3600]);
    const grid = container.querySelector('retention-grid')!;
    expect([grid.period, grid.periods, grid.client]).toEqual(['week', 4, client]);
  });
});
