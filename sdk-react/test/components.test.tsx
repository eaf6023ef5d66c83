import type { AnalyticsClient } from '@acme/analytics-sdk';
import { cleanup, render, waitFor } from '@testing-library/react';
import { createRef } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AnalyticsProvider,
  EventsTable,
  type EventsTableElement,
  EventTypeSelect,
  MetricsCard,
  type RowSelectEvent,
} from '../src/index.js';
import { SIGNUPS } from './fixture.js';
import { clientFor, fixture } from './helpers.js';

afterEach(cleanup);

const rows = (table: Element) => [...(table.shadowRoot?.querySelectorAll('tbody tr[data-id], tr.row') ?? [])];

describe('<EventsTable />', () => {
  it('drops in with its props, the provider’s client, and typed row-select callbacks', async () => {
    const client = clientFor(fixture.tokens.a);
    const ref = createRef<EventsTableElement>();
    const onRowSelect = vi.fn((event: RowSelectEvent) => event.detail.event_type);
    const { container } = render(
      <AnalyticsProvider client={client}>
        <EventsTable ref={ref} eventType="signup" pageSize={5} label="Sign-ups" onRowSelect={onRowSelect} />
      </AnalyticsProvider>,
    );
    const table = container.querySelector('events-table')!;
    expect(customElements.get('events-table')).toBeDefined();
    expect(ref.current).toBe(table);
    expect(table.client).toBe(client);
    expect(table.eventType).toBe('signup');
    expect(table.pageSize).toBe(5);
    // Real rows from the server, only of the type asked for.
    await waitFor(() => expect(rows(table).length).toBeGreaterThan(0));
    expect(rows(table).length).toBeLessThanOrEqual(SIGNUPS);
    (rows(table)[0] as HTMLElement).click();
    expect(onRowSelect).toHaveBeenCalledTimes(1);
    expect(onRowSelect.mock.results[0]!.value).toBe('signup');
  });

  it('prefers a `client` prop over the provider’s', async () => {
    const provided = clientFor(fixture.tokens.a);
    const own: AnalyticsClient = clientFor(fixture.tokens.b);
    const { container } = render(
      <AnalyticsProvider client={provided}>
        <EventsTable client={own} />
      </AnalyticsProvider>,
    );
    const table = container.querySelector('events-table')!;
    expect(table.client).toBe(own);
    // Org B's rows: the element reads through the client it was given.
    await waitFor(() => expect(rows(table).length).toBe(5));
  });
});

describe('<MetricsCard /> and <EventTypeSelect />', () => {
  it('render their elements with the props set as properties', async () => {
    const client = clientFor(fixture.tokens.a);
    const onChange = vi.fn();
    const { container } = render(
      <AnalyticsProvider client={client}>
        <MetricsCard metric="events:signup" range="7d" label="Sign-ups" />
        <EventTypeSelect value="signup" onChange={onChange} />
      </AnalyticsProvider>,
    );
    const card = container.querySelector('metrics-card')!;
    expect([card.metric, card.range, card.label, card.client]).toEqual([
      'events:signup',
      '7d',
      'Sign-ups',
      client,
    ]);
    const select = container.querySelector('event-type-select')!;
    expect(select.value).toBe('signup');
    select.dispatchEvent(new Event('change', { bubbles: true }));
    expect(onChange).toHaveBeenCalledTimes(1);
    // Both show what the server sent before the test ends.
    await waitFor(() => expect(select.shadowRoot?.textContent).toContain('signup'));
    await waitFor(() => expect(card.shadowRoot?.textContent).toMatch(/\d/));
  });
});
