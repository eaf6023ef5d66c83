import type { AnalyticsEvent } from '@acme/analytics-sdk';
import { sendKeys } from '@web/test-runner-commands';
import type { EventsTable } from '../src/events-table.js';
import { assert, deepEqual, equal, frames, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import {
  cleanup,
  client,
  deepActive,
  env,
  expected,
  fault,
  make,
  mount,
  type Org,
  release,
  requests,
  rows,
  scope,
  shadow,
  text,
} from './support/env.js';

function table(org: Org, attributes: Record<string, string> = {}, via?: string): EventsTable {
  return mount(
    make(
      'events-table',
      { locale: 'en-US', 'time-zone': 'UTC', ...attributes },
      { client: client(org, { via }) },
    ),
  );
}

const loaded = (element: EventsTable, n: number) =>
  waitFor(() => element.events.length >= n && rows(element).length > 0, `${n} events loaded`);

const eventRequests = async (name: string) =>
  (await requests(name)).filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/events'));

function scroller(element: EventsTable): HTMLElement {
  const el = shadow(element).querySelector<HTMLElement>('.scroller');
  assert(el, 'no scroller');
  return el;
}

describe('<events-table>', () => {
  afterEach(async () => {
    await release();
    cleanup();
  });

  describe('rendering', () => {
    it('shows the newest events first, from the real API', async () => {
      const element = table('acme', { 'page-size': '20' });
      await loaded(element, 20);
      const want = expected('acme').slice(0, 5);
      const first = rows(element).slice(0, 5);
      deepEqual(
        first.map((row) => text(row.cells[1])),
        want.map((f) => f.event_type),
        'types in order',
      );
      deepEqual(
        first.map((row) => row.querySelector('time')?.getAttribute('datetime')),
        want.map((f) => f.timestamp),
        'timestamps in order',
      );
      // Times go through Intl in the given locale and zone.
      const format = new Intl.DateTimeFormat('en-US', {
        dateStyle: 'medium',
        timeStyle: 'medium',
        timeZone: 'UTC',
      });
      equal(text(first[0]?.cells[0]), format.format(new Date(want[0]!.timestamp)));
      // Anonymous events say so; properties are summarised on one line.
      const anonymous = expected('acme').findIndex((f) => !f.user_id);
      assert(anonymous >= 0 && anonymous < 20);
      const row = rows(element).find((r) => r.dataset.index === String(anonymous));
      equal(text(row?.cells[2]), 'anonymous');
      assert(text(first[0]?.cells[3]).startsWith(`path: ${want[0]!.properties.path}`), 'properties summary');
    });

    it('uses treegrid semantics with row and column counts a screen reader can follow', async () => {
      const element = table('globex', { 'page-size': '50' });
      await loaded(element, 8);
      const grid = shadow(element).querySelector('table');
      equal(grid?.getAttribute('role'), 'treegrid');
      equal(grid?.getAttribute('aria-label'), 'Events');
      // Everything loaded: the header row plus 8 events.
      await waitFor(() => grid?.getAttribute('aria-rowcount') === '9', 'aria-rowcount');
      deepEqual(
        [...shadow(element).querySelectorAll('th')].map((th) => th.getAttribute('scope')),
        ['col', 'col', 'col', 'col'],
      );
      deepEqual(
        rows(element).map((r) => r.getAttribute('aria-rowindex')),
        ['2', '3', '4', '5', '6', '7', '8', '9'],
      );
      assert(text(shadow(element).querySelector('[role="status"]')).includes('8 events shown, all loaded'));
      await expectAccessible(element, 'loaded');
    });

    it('renders only a window of rows, not every loaded one', async () => {
      const element = table('acme', { 'page-size': '120' });
      await loaded(element, 120);
      const rendered = rows(element).length;
      assert(rendered < 60, `rendered ${rendered} of 120 rows`);
      // Scrolling to the end renders the last rows (and not the first any more).
      const el = scroller(element);
      el.scrollTop = el.scrollHeight;
      await waitFor(() => rows(element).some((r) => r.dataset.index === '119'), 'last row rendered');
      assert(!rows(element).some((r) => r.dataset.index === '0'), 'first row left the DOM');
    });
  });

  describe('infinite scroll', () => {
    it('loads the next page when the sentinel shows, and never a page twice', async () => {
      const name = scope('scroll');
      const element = table('acme', { 'page-size': '20' }, name);
      await loaded(element, 20);
      await frames(3);
      equal((await eventRequests(name)).length, 1, 'only the first page before scrolling');

      // Scroll to the end repeatedly, faster than pages arrive: each page is still fetched once.
      for (let page = 2; page <= 6; page++) {
        const el = scroller(element);
        el.scrollTop = el.scrollHeight;
        el.dispatchEvent(new Event('scroll'));
        await frames(1);
        el.scrollTop = el.scrollHeight;
        await waitFor(() => element.events.length >= Math.min(120, page * 20), `page ${page}`);
      }
      await waitFor(
        () => text(shadow(element).querySelector('.footer')).includes('All 120 events loaded'),
        'end',
      );
      const log = await eventRequests(name);
      const cursors = log.map((r) => new URL(r.path, location.origin).searchParams.get('cursor'));
      equal(cursors.length, 6, `six pages for 120 events (${JSON.stringify(log)})`);
      equal(new Set(cursors).size, cursors.length, 'no cursor requested twice');
      equal(cursors[0], null, 'first page has no cursor');
      deepEqual(
        element.events.map((e) => e.event_id),
        expected('acme').map((f) => f.event_id),
        'every event once, in order',
      );
    });

    it('has a "Load more" button that loads the next page', async () => {
      const name = scope('more');
      const element = table('acme', { 'page-size': '30' }, name);
      await loaded(element, 30);
      const button = shadow(element).querySelector<HTMLButtonElement>('[part="load-more"]');
      assert(button, 'no Load more button');
      equal(text(button), 'Load more');
      button.click();
      button.click(); // a second click while the page is in flight changes nothing
      await loaded(element, 60);
      await frames(2);
      equal((await eventRequests(name)).length, 2, 'two pages requested');
    });
  });

  describe('filters', () => {
    it('sends the attributes as query filters', async () => {
      const name = scope('filters');
      const user = 'acme-user-3';
      const element = table('acme', { 'event-type': 'signup', 'user-id': user, 'page-size': '10' }, name);
      const want = expected('acme', (f) => f.event_type === 'signup' && f.user_id === user);
      await waitFor(() => element.events.length === want.length && want.length > 0, 'filtered events');
      const [request] = await eventRequests(name);
      const params = new URL(request!.path, location.origin).searchParams;
      equal(params.get('event_type'), 'signup');
      equal(params.get('user_id'), user);
      equal(params.get('limit'), '10');
      deepEqual(
        element.events.map((e) => e.event_id),
        want.map((f) => f.event_id),
      );
    });

    it('queries again when a filter changes', async () => {
      const name = scope('refilter');
      const element = table('acme', { 'page-size': '50' }, name);
      await loaded(element, 50);
      const day = expected('acme')[40]!.timestamp.slice(0, 10);
      element.eventType = 'purchase';
      element.startDate = day;
      element.endDate = day;
      const want = expected('acme', (f) => f.event_type === 'purchase' && f.timestamp.startsWith(day));
      await waitFor(
        () =>
          element.events.length === want.length && element.events.every((e) => e.event_type === 'purchase'),
        'purchases of one day',
      );
      const last = (await eventRequests(name)).at(-1)!;
      const params = new URL(last.path, location.origin).searchParams;
      equal(params.get('event_type'), 'purchase');
      equal(params.get('start_date'), day);
      equal(params.get('end_date'), day);
      equal(rows(element).length, want.length);
    });

    it('accepts several event types, comma-separated', async () => {
      const element = table('acme', { 'event-type': 'signup,purchase', 'page-size': '200' });
      const want = expected('acme', (f) => f.event_type === 'signup' || f.event_type === 'purchase');
      await waitFor(() => element.events.length === want.length, 'two types');
      assert(element.events.every((e) => e.event_type !== 'page_view'));
    });
  });

  describe('states', () => {
    it('shows a skeleton while the first page loads', async () => {
      const name = scope('loading');
      await fault(name, { hold: true, count: 1 });
      const element = table('acme', {}, name);
      await waitFor(() => shadow(element).querySelector('[part="skeleton"]'), 'skeleton');
      equal(text(shadow(element).querySelector('[role="status"]')), 'Loading events…');
      await expectAccessible(element, 'loading');
      await release();
      await loaded(element, 50);
      equal(shadow(element).querySelector('[part="skeleton"]'), null);
    });

    it('shows an error with a retry button on a server error, and recovers', async () => {
      const name = scope('500');
      await fault(name, { status: 500, count: 1000 });
      const element = table('acme', { 'page-size': '10' }, name);
      const errors: Error[] = [];
      element.addEventListener('load-error', (event) => errors.push(event.detail.error));
      const alert = await waitFor(
        () => shadow(element).querySelector('[role="alert"]'),
        'error state',
        30_000,
      );
      assert(text(alert).includes('The analytics service had a problem.'), text(alert));
      equal(errors.length, 1, 'one load-error event');
      equal((errors[0] as Error & { status?: number }).status, 500);
      await expectAccessible(element, 'error');

      await fault(name, { count: 0 });
      shadow(element).querySelector<HTMLButtonElement>('[part="retry-button"]')!.click();
      await loaded(element, 10);
      equal(shadow(element).querySelector('[role="alert"]'), null);
    });

    it('keeps loaded rows when a later page fails, and retries that page', async () => {
      const name = scope('500-later');
      // A first page taller than the viewport, so nothing loads until asked.
      const element = table('acme', { 'page-size': '20' }, name);
      await loaded(element, 20);
      await frames(3);
      equal((await eventRequests(name)).length, 1, 'one page so far');
      await fault(name, { status: 503, count: 1000 });
      void element.loadMore();
      await waitFor(() => shadow(element).querySelector('[part="retry-button"]'), 'retry button');
      equal(element.events.length, 20, 'first page still shown');
      equal(rows(element).length > 0, true, 'rows still rendered');
      await expectAccessible(element, 'error after rows');
      await fault(name, { count: 0 });
      shadow(element).querySelector<HTMLButtonElement>('[part="retry-button"]')!.click();
      await loaded(element, 40);
      deepEqual(
        element.events.map((e) => e.event_id),
        expected('acme')
          .slice(0, 40)
          .map((f) => f.event_id),
      );
    });

    it('says when the token is refused (a real 401)', async () => {
      const element = mount(
        make(
          'events-table',
          {},
          { client: client('acme', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature' }) },
        ),
      );
      const errors: Error[] = [];
      element.addEventListener('load-error', (event) => errors.push(event.detail.error));
      const alert = await waitFor(() => shadow(element).querySelector('[role="alert"]'), 'error state');
      assert(text(alert).includes('The access token is missing, invalid or expired.'), text(alert));
      equal((errors[0] as Error & { status?: number }).status, 401);
      await expectAccessible(element, '401');
    });

    it('shows an empty state when nothing matches', async () => {
      const element = table('hooli');
      const empty = await waitFor(() => shadow(element).querySelector('[part="empty"]'), 'empty state');
      equal(text(empty), 'No events match these filters.');
      await expectAccessible(element, 'empty');
    });
  });

  describe('untrusted properties', () => {
    it('renders HTML in properties as text and runs nothing', async () => {
      const win = window as Window & { __xss?: number };
      delete win.__xss;
      const element = table('initech');
      await loaded(element, 2);
      const probe = rows(element).find((r) => text(r.cells[1]) === 'xss_probe');
      assert(probe, 'probe row');
      equal(text(probe.cells[2]), '<b>mallory</b>', 'user id as text');
      assert(text(probe.cells[3]).includes('<img src=x onerror='), 'summary shows the markup as text');
      probe.click();
      const pre = await waitFor(
        () => shadow(element).querySelector('pre[part="properties"]'),
        'expanded row',
      );
      assert(text(pre).includes('<script>window.__xss'), 'full properties as text');
      equal(shadow(element).querySelectorAll('img, script, b').length, 0, 'no element made from the data');
      await frames(3);
      equal(win.__xss, undefined, 'no script ran');
    });
  });

  describe('selection and keyboard', () => {
    it('expands a clicked row to its full properties and fires row-select', async () => {
      const element = table('globex');
      await loaded(element, 8);
      const selected: AnalyticsEvent[] = [];
      element.addEventListener('row-select', (event) => selected.push(event.detail));
      const row = rows(element)[2]!;
      row.click();
      await element.updateComplete;
      equal(selected[0]?.event_id, expected('globex')[2]!.event_id);
      equal(row.getAttribute('aria-expanded'), 'true');
      equal(row.getAttribute('aria-selected'), 'true');
      const pre = shadow(element).querySelector('pre[part="properties"]');
      deepEqual(JSON.parse(text(pre)), expected('globex')[2]!.properties);
      await expectAccessible(element, 'expanded');
      row.click();
      await element.updateComplete;
      equal(row.getAttribute('aria-expanded'), 'false');
    });

    it('moves between rows with the arrow keys, Home and End, and selects with Enter', async () => {
      const before = mount(make('button', {}, { textContent: 'before' }));
      const element = table('acme', { 'page-size': '50' });
      await loaded(element, 50);
      const selected: AnalyticsEvent[] = [];
      element.addEventListener('row-select', (event) => selected.push(event.detail));
      before.focus();
      await sendKeys({ press: 'Tab' });
      const index = () => (deepActive() as HTMLElement | null)?.dataset.index;
      equal(index(), '0', 'Tab lands on the first row');
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'ArrowDown' });
      await waitFor(() => index() === '2', 'second ArrowDown');
      await sendKeys({ press: 'ArrowUp' });
      await waitFor(() => index() === '1', 'ArrowUp');
      await sendKeys({ press: 'Enter' });
      equal(selected.at(-1)?.event_id, expected('acme')[1]!.event_id);
      await sendKeys({ press: 'End' });
      await waitFor(() => index() === '49', 'End scrolls to and focuses the last loaded row');
      // That brought the end of the list into view: the next page loads by itself.
      await loaded(element, 100);
      await sendKeys({ press: 'Home' });
      await waitFor(() => index() === '0', 'Home');
      await sendKeys({ press: 'PageDown' });
      await waitFor(() => Number(index()) > 3, 'PageDown');
      await sendKeys({ press: ' ' });
      await element.updateComplete;
      equal((deepActive() as HTMLElement).getAttribute('aria-expanded'), 'true', 'Space expands');
      await sendKeys({ press: 'ArrowLeft' });
      await element.updateComplete;
      equal((deepActive() as HTMLElement).getAttribute('aria-expanded'), 'false', 'ArrowLeft collapses');
      // Tab leaves the grid for the Load more button: one tab stop for the whole table.
      await sendKeys({ press: 'Tab' });
      equal(deepActive()?.getAttribute('part'), 'load-more', deepActive()?.outerHTML.slice(0, 80));
      await sendKeys({ press: 'Enter' });
      await loaded(element, 120);
      // The button goes away with the last page; focus stays in the table's footer, not on <body>.
      await waitFor(() => text(deepActive()).includes('All 120 events loaded'), 'focus kept in the footer');
    });
  });

  describe('client resolution', () => {
    it('reads from its provider when it has no client of its own', async () => {
      const provider = mount(
        make('analytics-provider', { 'base-url': env.apiUrl, 'api-key': env.tokens.globex }),
      );
      const element = make('events-table');
      provider.append(element);
      await waitFor(() => element.events.length === 8, 'globex events through the provider');
    });
  });
});
