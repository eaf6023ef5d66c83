'use client';
import {
  AnalyticsProvider,
  useAnalytics,
  useEvents,
  useEventTypes,
  useMetrics,
  useTrackEvent,
} from '@acme/analytics-react';
import {
  type AnalyticsEvent,
  createTokenFetcher,
  type EventsPage,
  type EventTypeCount,
  type MetricsSummary,
} from '@acme/analytics-sdk';
import dynamic from 'next/dynamic';
import { memo, type ReactNode, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { FirstView } from '../../lib/first-view';
import type { DemoOrg } from '../../lib/orgs';
import { PAGE_SIZE, SUMMARY } from './queries';

// Loaded when it is about to scroll into view (see dropin-table.tsx and NearView); until then a box of the
// table's final size holds its place, so nothing below it moves when it arrives.
const placeholder = <div className="dropin-placeholder" aria-hidden="true" />;
const DropInTable = dynamic(() => import('./dropin-table'), { ssr: false, loading: () => placeholder });

/**
 * Renders its children once the placeholder comes within 200px of the viewport: below the fold on a
 * phone, the drop-in table's script then loads when the reader scrolls towards it, not while the page is
 * still becoming interactive. On a screen tall enough to show it, that is at once.
 */
function NearView({ children }: { children: ReactNode }) {
  const [near, setNear] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = box.current;
    if (near || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setNear(true);
      },
      { rootMargin: '200px 0px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [near]);
  return near ? children : <div ref={box}>{placeholder}</div>;
}

const CARDS = [
  { metric: 'events', label: 'Events' },
  { metric: 'active_users', label: 'Active users' },
  { metric: 'events:purchase', label: 'Purchases' },
  { metric: 'events:signup', label: 'Sign-ups' },
] as const;
const PLACEHOLDER_ROWS = Array.from({ length: 12 }, (_, i) => i);

const number = new Intl.NumberFormat('en');
/**
 * Times in UTC, written out by hand: the server renders the first rows and the browser hydrates them, so the
 * text must not depend on either side's locale, time zone or ICU version.
 */
const utc = (timestamp: string) => `${new Date(timestamp).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export function Dashboard({
  apiUrl,
  orgs,
  initialOrg,
  userName,
  firstView,
}: {
  apiUrl: string;
  orgs: readonly DemoOrg[];
  initialOrg: string;
  userName: string;
  /** The first view of `initialOrg`, read on the server (lib/first-view.ts). */
  firstView?: FirstView | undefined;
}) {
  const [org, setOrg] = useState(initialOrg);
  // The server's first view belongs to the org the page opened on, and only until the reader switches away:
  // coming back later starts from the new client's own reads.
  const [switched, setSwitched] = useState(false);
  // The route handler signs a short-lived token for the chosen org; the signing secret stays on the server.
  const getToken = useMemo(() => createTokenFetcher(`/api/token?org=${encodeURIComponent(org)}`), [org]);

  const switchOrg = (next: string) => {
    setOrg(next);
    setSwitched(true);
    window.history.replaceState(null, '', `?org=${encodeURIComponent(next)}`);
  };

  return (
    <main>
      <header className="top">
        <h1>Analytics</h1>
        <label>
          Organisation{' '}
          <select id="org-switcher" value={org} onChange={(event) => switchOrg(event.target.value)}>
            {orgs.map((option) => (
              <option key={option.id} value={option.id}>
                {option.name} ({option.plan})
              </option>
            ))}
          </select>
        </label>
        <form method="post" action="/api/session" className="session">
          <span id="signed-in-as">{userName}</span>{' '}
          <button type="submit" name="signout" value="1">
            Sign out
          </button>
        </form>
      </header>
      {/* A new key per org: a new client with its own token, cache and queue (storageName), so nothing of
          the previous org (cached summaries, late responses, undelivered events) can reach the new one. */}
      <AnalyticsProvider key={org} baseUrl={apiUrl} getToken={getToken} storageName={`acme-demo ${org}`}>
        <OrgDashboard org={org} firstView={switched ? undefined : firstView} />
      </AnalyticsProvider>
    </main>
  );
}

/**
 * Each section shows its part of the server's first view until its hook has its own answer to the same query
 * (the hooks read in the browser as they would without it).
 */
function OrgDashboard({ org, firstView }: { org: string; firstView?: FirstView | undefined }) {
  const [eventType, setEventType] = useState('');
  const [selected, setSelected] = useState<AnalyticsEvent | null>(null);
  const events = useEvents({ event_type: eventType || undefined, limit: PAGE_SIZE });
  // The server read the unfiltered list only.
  const firstEvents = eventType ? undefined : firstView?.events;

  return (
    <div className="grid" data-org={org}>
      <MetricCards first={firstView?.summary} />
      <DailyChart first={firstView?.summary} />
      <section className="panel wide" aria-labelledby="recent-heading">
        <div className="toolbar">
          <h2 id="recent-heading">Recent events</h2>
          <EventTypeFilter value={eventType} onChange={setEventType} first={firstView?.eventTypes} />
          <SendTestEvent onDelivered={() => void events.refresh()} />
        </div>
        <RecentEvents {...events} first={firstEvents} />
      </section>
      <section className="panel wide" aria-labelledby="dropin-heading">
        <h2 id="dropin-heading">
          Drop-in <code>&lt;EventsTable /&gt;</code>
        </h2>
        <NearView>
          <DropInTable
            eventType={eventType || undefined}
            pageSize={PAGE_SIZE}
            onRowSelect={(event) => setSelected(event.detail)}
          />
        </NearView>
        {selected && (
          <p className="selected">
            Selected <code>{selected.event_type}</code> at {new Date(selected.timestamp).toLocaleString()}
          </p>
        )}
      </section>
    </div>
  );
}

function MetricCards({ first }: { first?: MetricsSummary | undefined }) {
  const { data: live, loading, error } = useMetrics(SUMMARY);
  // The server's answer until the hook has its own.
  const data = live ?? first;
  return (
    <section className="cards" aria-label="Last 30 days" aria-busy={loading}>
      {CARDS.map(({ metric, label }) => (
        <div className="card" key={metric} data-metric={metric}>
          <div className="label">{label}</div>
          <div className="value">
            {data ? number.format(data.totals[metric] ?? 0) : error ? '—' : <span className="skeleton" />}
          </div>
        </div>
      ))}
      {error && (
        <p role="alert" className="error">
          Could not load the summary: {error.message}
        </p>
      )}
    </section>
  );
}

function DailyChart({ first }: { first?: MetricsSummary | undefined }) {
  // Same params as the cards: served from the cache the cards filled, no second request.
  const { data: live } = useMetrics(SUMMARY);
  // Deferred: the bars redraw in a render the browser may interrupt, not in the task the answer arrives in.
  const data = useDeferredValue(live ?? first);
  return <Chart data={data} />;
}

const Chart = memo(function Chart({ data }: { data: MetricsSummary | undefined }) {
  const days = data?.daily ?? [];
  const max = Math.max(1, ...days.map((day) => day.values.events ?? 0));
  const width = 600;
  const height = 120;
  const bar = days.length ? width / days.length : width;
  return (
    <section className="panel wide" aria-labelledby="chart-heading">
      <h2 id="chart-heading">Events per day</h2>
      <svg
        id="daily-chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={
          data ? `Daily events from ${data.start_date} to ${data.end_date}` : 'Loading daily events'
        }
        preserveAspectRatio="none"
      >
        {days.map((day, index) => {
          const value = day.values.events ?? 0;
          const barHeight = (value / max) * (height - 4);
          return (
            <rect
              key={day.date}
              x={index * bar + 1}
              y={height - barHeight}
              width={Math.max(1, bar - 2)}
              height={barHeight}
            >
              <title>{`${day.date}: ${value} events`}</title>
            </rect>
          );
        })}
      </svg>
    </section>
  );
});

function EventTypeFilter({
  value,
  onChange,
  first,
}: {
  value: string;
  onChange: (eventType: string) => void;
  first?: EventTypeCount[] | undefined;
}) {
  const { data: live } = useEventTypes();
  const data = live ?? first;
  return (
    <label>
      Type{' '}
      <select id="event-type-filter" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">All types</option>
        {data?.map((type) => (
          <option key={type.event_type} value={type.event_type}>
            {type.event_type} ({type.count})
          </option>
        ))}
      </select>
    </label>
  );
}

function SendTestEvent({ onDelivered }: { onDelivered: () => void }) {
  const track = useTrackEvent();
  const client = useAnalytics();
  const [status, setStatus] = useState<'idle' | 'sending' | 'sent' | 'failed'>('idle');
  const send = async () => {
    setStatus('sending');
    try {
      await track({ event_type: 'test_event', user_id: 'demo-user', properties: { source: 'dashboard' } });
      // trackEvent resolves once the event is queued; flush resolves once the API has stored it.
      await client.flush();
      setStatus('sent');
      onDelivered();
    } catch {
      setStatus('failed');
    }
  };
  return (
    <span className="send">
      <button type="button" id="send-test-event" onClick={send} disabled={status === 'sending'}>
        Send test event
      </button>
      <span role="status" id="send-status">
        {status === 'sending'
          ? 'Sending…'
          : status === 'sent'
            ? 'Delivered'
            : status === 'failed'
              ? 'Failed'
              : ''}
      </span>
    </span>
  );
}

function RecentEvents({
  events: live,
  loading,
  error,
  hasMore: liveHasMore,
  loadMore,
  refresh,
  first,
}: ReturnType<typeof useEvents> & { first?: EventsPage | undefined }) {
  // The server's page until the list has loaded its own first page (or failed to).
  const initial = first && live.length === 0 && liveHasMore && !error ? first : undefined;
  const events = initial?.data ?? live;
  const hasMore = initial ? initial.has_more : liveHasMore;
  // Deferred: a new page renders in a render the browser may interrupt, not in the task it arrives in.
  const rows = useDeferredValue(events);
  const sentinel = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  // Infinite scroll: load the next page when the end of the list scrolls into view.
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !hasMore || loading || error) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void loadMore();
      },
      { root: scroller.current, rootMargin: '0px 0px 120px 0px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasMore, loading, error, loadMore]);

  return (
    <div className="scroller" ref={scroller} id="recent-events" aria-busy={loading}>
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">User</th>
            <th scope="col">Properties</th>
          </tr>
        </thead>
        <Rows events={rows} />
      </table>
      {/* Placeholder rows while the first page loads: the scroller's height is fixed, these only show
          where the rows will be. */}
      {events.length === 0 && (loading || hasMore) && !error && (
        <div className="placeholder-rows" aria-hidden="true">
          {PLACEHOLDER_ROWS.map((row) => (
            <span key={row} className="skeleton" />
          ))}
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error.message}{' '}
          <button type="button" onClick={() => void refresh()}>
            Retry
          </button>
        </p>
      )}
      {!loading && !error && events.length === 0 && <p className="empty">No events match.</p>}
      {loading && <p className="loading">Loading…</p>}
      <div ref={sentinel} />
      {hasMore && !loading && !error && (
        <button type="button" className="more" onClick={() => void loadMore()}>
          Load more
        </button>
      )}
    </div>
  );
}

const Rows = memo(function Rows({ events }: { events: readonly AnalyticsEvent[] }) {
  return (
    <tbody>
      {events.map((event) => (
        <tr
          key={event.event_id}
          data-event-id={event.event_id}
          data-org={event.org_id}
          data-type={event.event_type}
        >
          <td>
            <time dateTime={event.timestamp}>{utc(event.timestamp)}</time>
          </td>
          <td>
            <code>{event.event_type}</code>
          </td>
          <td>{event.user_id ?? '—'}</td>
          <td className="props">{JSON.stringify(event.properties)}</td>
        </tr>
      ))}
    </tbody>
  );
});
