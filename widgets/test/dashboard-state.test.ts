import type { AnalyticsDashboard } from '../src/analytics-dashboard.js';
import { DashboardStateController } from '../src/dashboard-state.js';
import type { DateRangePicker } from '../src/date-range-picker.js';
import type { EventsTable } from '../src/events-table.js';
import { addDays, periods, today } from '../src/format.js';
import type { MetricsCard } from '../src/metrics-card.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import {
  cleanup,
  client,
  expected,
  type Fixture,
  make,
  mount,
  requests,
  scope,
  shadow,
  text,
} from './support/env.js';

const value = (card: MetricsCard) =>
  waitFor(() => text(shadow(card).querySelector('[part="value"]')), `${card.metric} value`);

function parts(dashboard: AnalyticsDashboard) {
  const root = shadow(dashboard);
  return {
    picker: root.querySelector('date-range-picker') as DateRangePicker,
    card: root.querySelector('metrics-card') as MetricsCard,
    table: root.querySelector('events-table') as EventsTable,
  };
}

function choose(picker: DateRangePicker, range: string) {
  const select = shadow(picker).querySelector('select')!;
  select.value = range;
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Query parameters of every request through a scope to a path, in order. */
async function queries(name: string, path: string): Promise<URLSearchParams[]> {
  return (await requests(name))
    .filter((r) => r.method === 'GET' && r.path.startsWith(path))
    .map((r) => new URL(r.path, location.origin).searchParams);
}

async function lastQuery(name: string, path: string): Promise<URLSearchParams> {
  const found = (await queries(name, path)).at(-1);
  assert(found, `no request to ${path}`);
  return found;
}

/** The acme fixtures on UTC days `start`…`end` that `keep` accepts. */
const within = (start: string, end: string, keep: (f: Fixture) => boolean = () => true) =>
  expected('acme', (f) => f.timestamp.slice(0, 10) >= start && f.timestamp.slice(0, 10) <= end && keep(f));

function dashboard(attributes: Record<string, string> = {}, via?: string): AnalyticsDashboard {
  return mount(
    make(
      'analytics-dashboard',
      { metrics: 'events', 'page-size': '200', locale: 'en', ...attributes },
      { client: client('acme', { via }) },
    ),
  );
}

describe('the dashboard state', () => {
  const address = location.href;
  afterEach(() => {
    history.replaceState(history.state, '', address);
    cleanup();
  });

  describe('<analytics-dashboard>', () => {
    it('makes the cards and the table follow the range its picker sets', async () => {
      const name = scope('shared-range');
      const element = dashboard({ range: '30d' }, name);
      await element.updateComplete;
      const { picker, card, table } = parts(element);
      await value(card);
      equal(shadow(picker).querySelector('select')?.value, '30d', 'the picker shows the dashboard’s range');

      choose(picker, '7d');
      const end = today('UTC');
      const start = addDays(end, -6);
      const want = within(start, end);
      await waitFor(
        () =>
          table.events.length === want.length &&
          text(shadow(card).querySelector('[part="value"]')) === String(want.length),
        'a week',
      );
      equal(element.range, '7d', 'the dashboard’s property follows');
      const events = await lastQuery(name, '/api/v1/events');
      equal(events.get('start_date'), start);
      equal(events.get('end_date'), end);
      const starts = (await queries(name, '/api/v1/metrics/summary')).map((q) => q.get('start_date'));
      assert(
        starts.includes(start) && starts.includes(addDays(start, -7)),
        `this week and the one before: ${starts}`,
      );
    });

    it('drops the comparison when the picker turns it off', async () => {
      const element = dashboard({ range: '7d' });
      await element.updateComplete;
      const { picker, card } = parts(element);
      await waitFor(() => shadow(card).querySelector('[part~="change"]'), 'a change line');
      equal(shadow(picker).querySelector<HTMLInputElement>('input[type=checkbox]')?.checked, true);
      shadow(picker).querySelector<HTMLInputElement>('input[type=checkbox]')!.click();
      await waitFor(() => !shadow(card).querySelector('[part~="change"]'), 'no change line');
      equal(element.compare, false);
      await value(card);
    });

    it('narrows every element by a filter-change from an element inside it, and widens again', async () => {
      const name = scope('shared-filter');
      const element = dashboard({ range: '30d' }, name);
      // Slotted in, as a breakdown list will be: it follows the state and may change it.
      const child = element.appendChild(make('div'));
      await element.updateComplete;
      const { card, table } = parts(element);
      const all = expected('acme');
      await waitFor(() => table.events.length === all.length, 'every event');

      child.dispatchEvent(
        new CustomEvent('filter-change', {
          detail: { add: 'prop.plan==pro' },
          bubbles: true,
          composed: true,
        }),
      );
      const pro = expected('acme', (f) => f.properties.plan === 'pro');
      await waitFor(
        () =>
          table.events.length === pro.length &&
          text(shadow(card).querySelector('[part="value"]')) === String(pro.length),
        'only the pro plan',
      );
      deepEqual(element.filters, ['prop.plan==pro']);
      deepEqual((await lastQuery(name, '/api/v1/events')).getAll('filter'), ['prop.plan==pro']);
      deepEqual((await lastQuery(name, '/api/v1/metrics/summary')).getAll('filter'), ['prop.plan==pro']);

      // The table's own filters still apply with the shared ones.
      table.eventType = 'signup';
      await waitFor(
        () =>
          table.events.length ===
          expected('acme', (f) => f.properties.plan === 'pro' && f.event_type === 'signup').length,
        'pro sign-ups',
      );
      table.eventType = undefined;

      element.removeFilter('prop.plan==pro');
      await waitFor(() => table.events.length === all.length, 'every event again');
      deepEqual(element.state.filters, []);
    });

    it('shows a custom range given as attributes', async () => {
      const end = addDays(today('UTC'), -2);
      const start = addDays(end, -3);
      const element = dashboard({ range: 'custom', 'start-date': start, 'end-date': end });
      await element.updateComplete;
      const { picker, card, table } = parts(element);
      const want = within(start, end);
      await waitFor(
        () =>
          table.events.length === want.length &&
          text(shadow(card).querySelector('[part="value"]')) === String(want.length),
        'four days',
      );
      await picker.updateComplete;
      deepEqual(
        [...shadow(picker).querySelectorAll<HTMLInputElement>('input[type=date]')].map((i) => i.value),
        [start, end],
      );
      await expectAccessible(element, 'custom range');
    });

    it('counts the table’s days in the shared time zone', async () => {
      const name = scope('shared-tz');
      const tz = 'America/New_York';
      const element = dashboard({ range: '7d', 'time-zone': tz }, name);
      await element.updateComplete;
      await waitFor(() => parts(element).table.events.length > 0, 'events');
      const query = await lastQuery(name, '/api/v1/events');
      const wall = new Intl.DateTimeFormat('en-CA', {
        timeZone: tz,
        dateStyle: 'short',
        timeStyle: 'short',
        hourCycle: 'h23',
      });
      const { start, end } = periods('7d', undefined, undefined, tz).current;
      equal(wall.format(new Date(query.get('start_date')!)), `${start}, 00:00`);
      equal(
        wall.format(new Date(query.get('end_date')!)),
        `${addDays(end, 1)}, 00:00`,
        'the end is exclusive',
      );
    });
  });

  describe('sync-url', () => {
    it('starts from the query string and keeps it up to date, other parameters untouched', async () => {
      const url = new URL(address);
      url.searchParams.set('keep', 'me');
      url.searchParams.set('range', '7d');
      url.searchParams.set('compare', '0');
      url.searchParams.append('filter', 'prop.plan==free');
      history.replaceState(history.state, '', url);
      const entries = history.length;
      const element = dashboard({ 'sync-url': '' });
      await element.updateComplete;
      deepEqual(element.state, { range: '7d', compare: false, tz: 'UTC', filters: ['prop.plan==free'] });
      const { picker, table } = parts(element);
      const end = today('UTC');
      const want = within(addDays(end, -6), end, (f) => f.properties.plan === 'free');
      await waitFor(() => table.events.length === want.length, 'free plan, one week');
      equal(location.href, url.href, 'loading does not rewrite the address');

      choose(picker, '90d');
      element.addFilter('event_type==signup');
      await waitFor(() => new URLSearchParams(location.search).get('range') === '90d', 'the address follows');
      const query = new URLSearchParams(location.search);
      equal(query.get('keep'), 'me');
      equal(query.get('compare'), '0');
      deepEqual(query.getAll('filter'), ['prop.plan==free', 'event_type==signup']);
      equal(history.length, entries, 'replaced, not pushed');
    });

    it('writes the dates of a custom range', async () => {
      const element = dashboard({ 'sync-url': '' });
      await element.updateComplete;
      const { picker } = parts(element);
      await picker.updateComplete;
      choose(picker, 'custom');
      await waitFor(
        () => new URLSearchParams(location.search).get('range') === 'custom',
        'custom in the address',
      );
      const query = new URLSearchParams(location.search);
      const end = today('UTC');
      equal(query.get('start_date'), addDays(end, -29));
      equal(query.get('end_date'), end);
      equal(query.get('compare'), '1');
    });
  });

  describe('DashboardStateController', () => {
    it('shares a state from a plain container', async () => {
      const box = mount(make('div'));
      const state = new DashboardStateController(box, { range: '7d', filters: ['event_type==signup'] });
      const picker = make('date-range-picker', { locale: 'en' });
      const card = make('metrics-card', { metric: 'events', range: '90d' }, { client: client('acme') });
      const table = make('events-table', { 'page-size': '200' }, { client: client('acme') });
      box.append(picker, card, table);
      const end = today('UTC');
      const signups = (start: string) => within(start, end, (f) => f.event_type === 'signup');
      const week = signups(addDays(end, -6));
      await waitFor(
        () =>
          table.events.length === week.length &&
          text(shadow(card).querySelector('[part="value"]')) === String(week.length),
        'a week of sign-ups',
      );
      await picker.updateComplete;
      equal(shadow(picker).querySelector('select')?.value, '7d');

      choose(picker, 'today');
      equal(state.value.range, 'today');
      await waitFor(() => table.events.length === signups(end).length, 'today’s sign-ups');
      state.removeFilter('event_type==signup');
      await waitFor(() => table.events.length === within(end, end).length, 'today’s events');
    });

    it('leaves an element outside any container to its own attributes', async () => {
      const card = mount(
        make('metrics-card', { metric: 'events', range: '7d', locale: 'en' }, { client: client('acme') }),
      );
      const end = today('UTC');
      equal(await value(card), String(within(addDays(end, -6), end).length));
    });
  });

  describe('periods()', () => {
    it('reads today, <n>d and 12m', () => {
      deepEqual(periods('today', undefined, '2026-03-31').current, {
        start: '2026-03-31',
        end: '2026-03-31',
        days: 1,
      });
      deepEqual(periods('7d', undefined, '2026-03-31').previous, {
        start: '2026-03-18',
        end: '2026-03-24',
        days: 7,
      });
      deepEqual(periods('12m', undefined, '2026-03-31').current, {
        start: '2025-04-01',
        end: '2026-03-31',
        days: 365,
      });
      deepEqual(periods('12m', undefined, '2028-02-29').current, {
        start: '2027-03-01',
        end: '2028-02-29',
        days: 366,
      });
      equal(periods('nonsense', undefined, '2026-03-31').current.days, 30);
    });
  });
});
