// The `preact` entry: hooks that hand back the core's stores, whose signals Preact renders directly.
import type { AnalyticsClient, EventsStore, MetricsStore } from '@acme/analytics-sdk';
import { useComputed } from '@preact/signals';
import { waitFor } from '@testing-library/dom';
import { type ComponentChild, h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnalyticsProvider,
  useAnalytics,
  useEvents,
  useMetrics,
  useTrackEvent,
  useTrends,
} from '../src/preact.js';
import { orgAEvents, PAGE_VIEWS, SIGNUPS } from './fixture.js';
import { clientFor, fixture, requestCount } from './helpers.js';

let root: HTMLElement;
afterEach(() => {
  render(null, root);
  root.remove();
});

function mount(vnode: ComponentChild) {
  root = document.createElement('div');
  document.body.append(root);
  act(() => render(vnode, root));
  return root;
}

/** Hands its store out and counts its own renders. */
function SignupList({ onRender }: { onRender: (store: EventsStore) => void }) {
  const events = useEvents({ event_type: 'signup', limit: 5 });
  onRender(events);
  const label = useComputed(() => (events.loading.value ? 'loading' : `${events.items.value.length} events`));
  // A signal passed as a child becomes a text node bound to it: the component itself never renders again.
  return h('p', null, label);
}

function Total({ onRender }: { onRender: (store: MetricsStore) => void }) {
  const store = useMetrics({ metrics: ['events'] });
  onRender(store);
  return h('p', null, store.data.value ? `events ${store.data.value.totals.events}` : 'none');
}

function Signups({ id }: { id: string }) {
  // The fixture's events come from Node, whose User-Agent reads as a bot's: insights leave bots out unless asked.
  const trends = useTrends({ metric: ['events:signup'], include_bots: true });
  return h('p', { id }, trends.data.value ? `signups ${trends.data.value.series[0]!.total}` : 'none');
}

function ClientProbe({ onClient }: { onClient: (client: AnalyticsClient, track: unknown) => void }) {
  onClient(useAnalytics(), useTrackEvent());
  return null;
}

describe('@acme/analytics-react/preact', () => {
  it('AnalyticsProvider makes one client from its options and shuts it down once unmounted', async () => {
    const seen = new Set<AnalyticsClient>();
    const tracks = new Set<unknown>();
    const onClient = (client: AnalyticsClient) => void seen.add(client);
    const onFirst = (client: AnalyticsClient, track: unknown) => {
      onClient(client);
      tracks.add(track);
    };
    const props = { baseUrl: fixture.url, apiKey: fixture.tokens.w, persistence: 'memory' as const };
    const tree = () =>
      h(AnalyticsProvider, props, h(ClientProbe, { onClient: onFirst }), h(ClientProbe, { onClient }));
    const el = mount(tree());
    act(() => render(tree(), el));
    expect(seen.size).toBe(1);
    expect(tracks.size).toBe(1);
    const [client] = seen;
    act(() => render(null, el));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(client!.trackEvent({ event_type: 'after_unmount' })).rejects.toMatchObject({
      code: 'closed',
    });
  });

  it('AnalyticsProvider never shuts down a client it was given', async () => {
    const given = clientFor(fixture.tokens.w);
    const el = mount(h(AnalyticsProvider, { client: given }, h(ClientProbe, { onClient: () => {} })));
    act(() => render(null, el));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(given.trackEvent({ event_type: 'after_unmount' })).resolves.toBeUndefined();
    await given.shutdown();
  });

  it('useEvents() returns the store; its signals render in place without re-rendering the component', async () => {
    let store: EventsStore | undefined;
    let renders = 0;
    const onRender = (events: EventsStore) => {
      store = events;
      renders++;
    };
    const client = clientFor(fixture.tokens.a);
    const el = mount(h(AnalyticsProvider, { client }, h(SignupList, { onRender })));
    await waitFor(() => expect(el.textContent).toBe('5 events'));
    expect(store!.items.value.every((event) => event.event_type === 'signup')).toBe(true);
    await act(() => store!.loadMore());
    await waitFor(() => expect(el.textContent).toBe('10 events'));
    expect(renders).toBe(1);
  });

  it('useMetrics() returns the client’s cached store', async () => {
    let store: MetricsStore | undefined;
    const onRender = (metrics: MetricsStore) => {
      store = metrics;
    };
    const el = mount(h(AnalyticsProvider, { client: clientFor(fixture.tokens.a) }, h(Total, { onRender })));
    await waitFor(() => expect(el.textContent).toBe(`events ${PAGE_VIEWS + SIGNUPS}`));
    expect(store!.loading.value).toBe(false);
  });

  it('useTrends() returns the insight store, shared by components asking the same query', async () => {
    const signups = orgAEvents(Date.now()).filter((e) => e.event_type === 'signup').length;
    const before = await requestCount('/api/v1/insights/trends');
    const el = mount(
      h(
        AnalyticsProvider,
        { client: clientFor(fixture.tokens.a) },
        h(Signups, { id: 'one' }),
        h(Signups, { id: 'two' }),
      ),
    );
    await waitFor(() => expect(el.textContent).toBe(`signups ${signups}`.repeat(2)));
    expect(await requestCount('/api/v1/insights/trends')).toBe(before + 1);
  });
});
