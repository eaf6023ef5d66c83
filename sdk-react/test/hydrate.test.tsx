// The markup the server rendered hydrates in the browser without mismatches, then the data loads.
import { act, waitFor } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { AnalyticsProvider, EventsTable, useEvents } from '../src/index.js';
import { fixture } from './helpers.js';

function Page({ baseUrl, token }: { baseUrl: string; token: string }) {
  return (
    <AnalyticsProvider baseUrl={baseUrl} apiKey={token} persistence="memory">
      <Count />
      <EventsTable eventType="signup" pageSize={5} />
    </AnalyticsProvider>
  );
}

function Count() {
  const { events, loading } = useEvents({ limit: 5 });
  return <p id="count">{loading ? 'loading' : `${events.length} events`}</p>;
}

describe('hydration', () => {
  it('hydrates server markup without errors, then loads', async () => {
    const page = <Page baseUrl={fixture.url} token={fixture.tokens.a} />;
    const container = document.createElement('div');
    container.innerHTML = renderToString(page);
    document.body.append(container);
    const errors = vi.spyOn(console, 'error');
    const recoverable: unknown[] = [];
    const root = await act(async () =>
      hydrateRoot(container, page, { onRecoverableError: (error) => recoverable.push(error) }),
    );
    await waitFor(() => expect(container.querySelector('#count')!.textContent).toBe('5 events'));
    const table = container.querySelector('events-table')!;
    await waitFor(() => expect(table.shadowRoot?.querySelectorAll('tr.row').length).toBe(5));
    expect(recoverable).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    act(() => root.unmount());
    container.remove();
  });
});
