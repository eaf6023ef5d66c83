// Runs twice: with React, and with `react` resolved to `preact/compat` (see vitest.config.ts).
import type {
  AnalyticsApiError,
  AnalyticsClient,
  AnalyticsEvent,
  EventFilters,
  MetricsSummary,
} from '@acme/analytics-sdk';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { type ReactNode, StrictMode, useEffect } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AnalyticsProvider,
  type UseEventsResult,
  useAnalytics,
  useEvents,
  useEventTypes,
  useIdentify,
  useMetrics,
  useTrackEvent,
} from '../src/index.js';
import { PAGE_VIEWS, SIGNUPS } from './fixture.js';
import { clientFor, fixture, requestCount } from './helpers.js';

afterEach(cleanup);

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Renders a list of events and records every state it rendered, for assertions on the whole history. */
function EventsList({ filters, seen }: { filters: EventFilters; seen?: UseEventsResult[] }) {
  const state = useEvents(filters);
  seen?.push(state);
  const { events, loading, error, hasMore, loadMore, refresh } = state;
  return (
    <div>
      <p data-testid="status">
        {loading
          ? 'loading'
          : error
            ? `error ${(error as AnalyticsApiError).status}`
            : `${events.length} events`}
        {hasMore ? ', more' : ', end'}
      </p>
      <ul>
        {events.map((event) => (
          <li key={event.event_id} data-type={event.event_type} data-org={event.org_id}>
            {event.event_type} {String(event.properties.index)}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void loadMore()}>
        more
      </button>
      <button type="button" onClick={() => void refresh()}>
        refresh
      </button>
    </div>
  );
}

/** Reports the client it sees on every render. */
function ClientProbe({ onClient }: { onClient: (client: AnalyticsClient) => void }) {
  onClient(useAnalytics());
  return null;
}

function Orphan() {
  useAnalytics();
  return null;
}

function withClient(client: AnalyticsClient, children: ReactNode) {
  return <AnalyticsProvider client={client}>{children}</AnalyticsProvider>;
}

const items = () => screen.queryAllByRole('listitem');
const status = () => screen.getByTestId('status').textContent;

it('runs on the renderer its project names', async () => {
  const react = await import('react');
  const compat = await import('preact/compat');
  expect(react.useSyncExternalStore === compat.useSyncExternalStore).toBe(
    process.env.RENDERER === 'preact/compat',
  );
});

describe('AnalyticsProvider', () => {
  it('gives every component below it one client, even under StrictMode', async () => {
    let made = 0;
    const seen = new Set<AnalyticsClient>();
    const onClient = (client: AnalyticsClient) => void seen.add(client);
    render(
      <StrictMode>
        <AnalyticsProvider
          baseUrl={fixture.url}
          apiKey={fixture.tokens.w}
          persistence="memory"
          platform={{
            // Called once by every client constructed: counts the clients.
            online: () => {
              made++;
              return undefined;
            },
            locks: null,
          }}
        >
          <ClientProbe onClient={onClient} />
          <ClientProbe onClient={onClient} />
        </AnalyticsProvider>
      </StrictMode>,
    );
    await tick();
    expect(made).toBe(1);
    expect(seen.size).toBe(1);
    // The client survived StrictMode's unmount and remount: it still accepts events.
    await expect([...seen][0]!.trackEvent({ event_type: 'still_open' })).resolves.toBeUndefined();
  });

  it('shuts down the client it made once unmounted, and never one it was given', async () => {
    let owned: AnalyticsClient | undefined;
    const given = clientFor(fixture.tokens.w);
    const view = render(
      <>
        <AnalyticsProvider baseUrl={fixture.url} apiKey={fixture.tokens.w} persistence="memory">
          <ClientProbe
            onClient={(client) => {
              owned = client;
            }}
          />
        </AnalyticsProvider>
        {withClient(given, null)}
      </>,
    );
    view.unmount();
    await tick();
    await expect(owned!.trackEvent({ event_type: 'after_unmount' })).rejects.toMatchObject({
      code: 'closed',
    });
    await expect(given.trackEvent({ event_type: 'after_unmount' })).resolves.toBeUndefined();
    await given.shutdown();
  });

  it('useAnalytics() outside a provider says what is missing', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Orphan />)).toThrow(/AnalyticsProvider/);
    quiet.mockRestore();
  });
});

describe('useEvents()', () => {
  it('shows loading, then the newest page of the org’s events', async () => {
    const seen: UseEventsResult[] = [];
    render(withClient(clientFor(fixture.tokens.a), <EventsList filters={{ limit: 20 }} seen={seen} />));
    await waitFor(() => expect(status()).toBe('20 events, more'));
    expect(seen.some((state) => state.loading && state.events.length === 0)).toBe(true);
    // Newest first: the fixture's index 0 is the newest event.
    expect(items()[0]!.textContent).toBe('page_view 0');
    expect(items().every((item) => item.dataset.org === fixture.orgA)).toBe(true);
  });

  it('loads the next pages with loadMore, one request per page however often it is called', async () => {
    const before = await requestCount('/api/v1/events');
    render(withClient(clientFor(fixture.tokens.a), <EventsList filters={{ limit: 20 }} />));
    await waitFor(() => expect(status()).toBe('20 events, more'));
    const more = screen.getByText('more');
    fireEvent.click(more);
    fireEvent.click(more);
    fireEvent.click(more);
    await waitFor(() => expect(status()).toBe('40 events, more'));
    fireEvent.click(more);
    await waitFor(() => expect(status()).toBe(`${PAGE_VIEWS + SIGNUPS} events, end`));
    expect(await requestCount('/api/v1/events')).toBe(before + 3);
    const indexes = items().map((item) => Number(item.textContent!.split(' ')[1]));
    expect(indexes).toEqual([...indexes.keys()]);
  });

  it('starts a new list when the filters change, showing nothing of the previous one', async () => {
    const client = clientFor(fixture.tokens.a);
    const seen: UseEventsResult[] = [];
    const view = render(withClient(client, <EventsList filters={{ limit: 20 }} seen={seen} />));
    await waitFor(() => expect(status()).toBe('20 events, more'));
    const switchedAt = seen.length;
    view.rerender(
      withClient(client, <EventsList filters={{ limit: 20, event_type: 'signup' }} seen={seen} />),
    );
    await waitFor(() => expect(status()).toBe(`${SIGNUPS} events, end`));
    expect(items().every((item) => item.dataset.type === 'signup')).toBe(true);
    const after = seen.slice(switchedAt + 1);
    expect(after.every((state) => state.events.every((event) => event.event_type === 'signup'))).toBe(true);
  });

  it('drops the response of filters that changed while it was in flight', async () => {
    const client = clientFor(fixture.tokens.a);
    const seen: UseEventsResult[] = [];
    const view = render(withClient(client, <EventsList filters={{ event_type: 'page_view' }} seen={seen} />));
    // The page_view request is in flight: change the filters before it can answer.
    expect(status()).toBe('loading, more');
    const switchedAt = seen.length;
    view.rerender(withClient(client, <EventsList filters={{ event_type: 'signup' }} seen={seen} />));
    await waitFor(() => expect(status()).toBe(`${SIGNUPS} events, end`));
    // Let any late answer to the old request arrive; it must change nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(status()).toBe(`${SIGNUPS} events, end`);
    const shown = seen.slice(switchedAt).flatMap((state) => state.events);
    expect(shown.filter((event: AnalyticsEvent) => event.event_type !== 'signup')).toEqual([]);
  });

  it('puts an API error in `error` (a token without events:read gets 403)', async () => {
    render(withClient(clientFor(fixture.tokens.writeOnly), <EventsList filters={{}} />));
    await waitFor(() => expect(status()).toBe('error 403, more'));
    expect(items()).toHaveLength(0);
  });

  it('refresh() reloads the list from the first page', async () => {
    render(withClient(clientFor(fixture.tokens.a), <EventsList filters={{ limit: 10 }} />));
    await waitFor(() => expect(status()).toBe('10 events, more'));
    fireEvent.click(screen.getByText('more'));
    await waitFor(() => expect(status()).toBe('20 events, more'));
    fireEvent.click(screen.getByText('refresh'));
    await waitFor(() => expect(status()).toBe('10 events, more'));
    expect(items()[0]!.textContent).toBe('page_view 0');
  });

  it('shows only the token’s org', async () => {
    render(withClient(clientFor(fixture.tokens.b), <EventsList filters={{}} />));
    await waitFor(() => expect(status()).toBe('5 events, end'));
    expect(
      items().every((item) => item.dataset.org === fixture.orgB && item.dataset.type === 'purchase'),
    ).toBe(true);
  });
});

function Summary({ id, metrics = ['events', 'active_users'] }: { id: string; metrics?: string[] }) {
  const { data, loading, error } = useMetrics({ metrics });
  return (
    <p data-testid={id}>
      {data
        ? `events ${data.totals.events}`
        : error
          ? `error ${(error as AnalyticsApiError).status}`
          : 'none'}
      {loading ? ' (loading)' : ''}
    </p>
  );
}

function SummaryProbe({ onRender }: { onRender: (data: MetricsSummary | undefined) => void }) {
  onRender(useMetrics({ metrics: ['events', 'active_users'] }).data);
  return null;
}

describe('useMetrics()', () => {
  it('shows loading, then the summary', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Summary id="one" />));
    expect(screen.getByTestId('one').textContent).toBe('none (loading)');
    await waitFor(() => expect(screen.getByTestId('one').textContent).toBe(`events ${PAGE_VIEWS + SIGNUPS}`));
  });

  it('serves two components asking the same params with one request', async () => {
    const before = await requestCount('/api/v1/metrics/summary');
    render(
      withClient(
        clientFor(fixture.tokens.a),
        <>
          <Summary id="one" metrics={['events', 'active_users']} />
          <Summary id="two" metrics={['active_users', 'events']} />
        </>,
      ),
    );
    const done = `events ${PAGE_VIEWS + SIGNUPS}`;
    await waitFor(() => expect(screen.getByTestId('one').textContent).toBe(done));
    await waitFor(() => expect(screen.getByTestId('two').textContent).toBe(done));
    expect(await requestCount('/api/v1/metrics/summary')).toBe(before + 1);
  });

  it('shows cached data at once to a component mounted later', async () => {
    const client = clientFor(fixture.tokens.a);
    const first = render(withClient(client, <Summary id="one" />));
    await waitFor(() => expect(screen.getByTestId('one').textContent).toBe(`events ${PAGE_VIEWS + SIGNUPS}`));
    first.unmount();
    let firstRender: string | undefined;
    render(
      withClient(
        client,
        <SummaryProbe
          onRender={(data) => {
            firstRender ??= data ? `events ${data.totals.events}` : 'none';
          }}
        />,
      ),
    );
    expect(firstRender).toBe(`events ${PAGE_VIEWS + SIGNUPS}`);
  });

  it('puts an API error in `error` (an unknown metric gets 422)', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Summary id="bad" metrics={['no_such_metric']} />));
    await waitFor(() => expect(screen.getByTestId('bad').textContent).toBe('error 422'));
  });
});

function Types() {
  const { data } = useEventTypes();
  return <p data-testid="types">{data?.map((type) => `${type.event_type}:${type.count}`).join(' ')}</p>;
}

describe('useEventTypes()', () => {
  it('lists the org’s event types, most frequent first', async () => {
    render(withClient(clientFor(fixture.tokens.a), <Types />));
    await waitFor(() =>
      expect(screen.getByTestId('types').textContent).toBe(`page_view:${PAGE_VIEWS} signup:${SIGNUPS}`),
    );
  });
});

function TrackProbe({ n, onTrack }: { n: number; onTrack: (track: unknown) => void }) {
  onTrack(useTrackEvent());
  return <p>{n}</p>;
}

/** Tracks one event on mount, then flushes it (delivered) and calls `onSent`. */
function Sender({ marker, onSent }: { marker: string; onSent: () => void }) {
  const track = useTrackEvent();
  const client = useAnalytics();
  useEffect(() => {
    void track({ event_type: 'react_test', properties: { index: marker } })
      .then(() => client.flush())
      .then(onSent);
  }, [track, client, marker, onSent]);
  return null;
}

describe('useTrackEvent()', () => {
  it('returns the same function on every render', () => {
    const tracks = new Set<unknown>();
    const onTrack = (track: unknown) => void tracks.add(track);
    const client = clientFor(fixture.tokens.w);
    const view = render(withClient(client, <TrackProbe n={1} onTrack={onTrack} />));
    view.rerender(withClient(client, <TrackProbe n={2} onTrack={onTrack} />));
    view.rerender(withClient(client, <TrackProbe n={3} onTrack={onTrack} />));
    expect(tracks.size).toBe(1);
  });

  it('tracks an event that a list then shows', async () => {
    const client = clientFor(fixture.tokens.w);
    const marker = `m${Date.now()}`;
    let sent!: () => void;
    const delivered = new Promise<void>((resolve) => {
      sent = resolve;
    });
    render(withClient(client, <Sender marker={marker} onSent={sent} />));
    await delivered;
    render(withClient(client, <EventsList filters={{ event_type: 'react_test' }} />));
    await waitFor(() => expect(items().map((item) => item.textContent)).toContain(`react_test ${marker}`));
  });
});

function Identify({ user }: { user: string | null }) {
  useIdentify(user, { plan: 'pro' });
  return null;
}

describe('useIdentify()', () => {
  it('identifies through the core once per user, and the API links the anonymous id to the user', async () => {
    const client = clientFor(fixture.tokens.w);
    const user = `u${Date.now()}`;
    const view = render(withClient(client, <Identify user={null} />));
    view.rerender(withClient(client, <Identify user={user} />));
    view.rerender(withClient(client, <Identify user={user} />));
    await client.trackEvent({ event_type: 'react_identified' });
    await client.flush();
    const { data } = await client.getEventsPage({ user_id: user });
    const identify = data.filter((e) => e.event_type === '$identify');
    expect(identify).toHaveLength(1);
    expect(identify[0]).toMatchObject({ user_id: user, properties: { plan: 'pro' } });
    expect(identify[0]!.anonymous_id).toBeTruthy();
    const tracked = data.find((e) => e.event_type === 'react_identified');
    expect(tracked).toMatchObject({ user_id: user, anonymous_id: identify[0]!.anonymous_id });
  });
});

describe('under StrictMode', () => {
  it('loads, pages and shares the summary as without it', async () => {
    const before = await requestCount('/api/v1/metrics/summary');
    render(
      <StrictMode>
        {withClient(
          clientFor(fixture.tokens.a),
          <>
            <EventsList filters={{ limit: 20 }} />
            <Summary id="one" />
            <Summary id="two" />
          </>,
        )}
      </StrictMode>,
    );
    await waitFor(() => expect(status()).toBe('20 events, more'));
    await act(async () => {
      fireEvent.click(screen.getByText('more'));
    });
    await waitFor(() => expect(status()).toBe('40 events, more'));
    await waitFor(() => expect(screen.getByTestId('two').textContent).toBe(`events ${PAGE_VIEWS + SIGNUPS}`));
    expect(await requestCount('/api/v1/metrics/summary')).toBe(before + 1);
  });
});
