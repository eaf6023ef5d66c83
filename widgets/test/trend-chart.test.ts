import { sendKeys } from '@web/test-runner-commands';
import { DashboardStateController } from '../src/dashboard-state.js';
import { addDays, today } from '../src/format.js';
import type { TrendChart } from '../src/trend-chart.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import {
  cleanup,
  client,
  deepActive,
  env,
  type Fixture,
  make,
  mount,
  type Org,
  shadow,
  text,
} from './support/env.js';

// The suite's fixtures are ingested by a script, whose User-Agent flags them as bot traffic, which the
// insights leave out unless asked.
function chart(org: Org, attributes: Record<string, string>, parent?: Element): TrendChart {
  return mount(
    make('trend-chart', { locale: 'en-US', 'include-bots': '', ...attributes }, { client: client(org) }),
    parent,
  );
}

/** The UTC days `start`…`end`. */
function days(start: string, end: string): string[] {
  const out = [start];
  while (out.at(-1)! < end) out.push(addDays(out.at(-1)!, 1));
  return out;
}

/** An org's fixtures per UTC day of `list`. */
function perDay(org: Org, list: string[], keep: (f: Fixture) => boolean = () => true): number[] {
  return list.map(
    (day) => env.fixtures.filter((f) => f.org_id === org && f.timestamp.startsWith(day) && keep(f)).length,
  );
}

const dayLabel = (locale: string, day: string) =>
  new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));

/** The hidden data table, once loaded: its header cells and its rows' cells, as text. */
async function table(element: TrendChart): Promise<{ head: string[]; rows: string[][] }> {
  const found = await waitFor(() => shadow(element).querySelector('table'), 'data table');
  return {
    head: [...found.querySelectorAll('thead th')].map(text),
    rows: [...found.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map(text)),
  };
}

const plot = (element: TrendChart) => shadow(element).querySelector<HTMLElement>('[part="plot"]')!;
const live = (element: TrendChart) => text(shadow(element).querySelector('[aria-live]'));

describe('<trend-chart>', () => {
  afterEach(cleanup);

  it('draws a point per day with the counts of the fixtures, in a table for screen readers', async () => {
    const end = today('UTC');
    const list = days(addDays(end, -6), end);
    const counts = perDay('acme', list);
    assert(
      counts.some((n) => n > 0),
      'fixtures in the range',
    );
    const element = chart('acme', { metric: 'events', range: '7d' });
    const { head, rows } = await table(element);
    deepEqual(head, ['Time', 'Events']);
    deepEqual(
      rows,
      list.map((day, i) => [dayLabel('en-US', day), String(counts[i])]),
    );
    equal(text(shadow(element).querySelector('[part="label"]')), 'Events');
    equal(text(shadow(element).querySelector('[part="legend"]')), 'Events');
    // One line through seven points.
    const line = shadow(element).querySelector('svg g.s0 path')!.getAttribute('d')!;
    equal(line.match(/[ML]/g)?.length, 7);
    await expectAccessible(element, 'light');
    element.theme = 'dark';
    await element.updateComplete;
    await expectAccessible(element, 'dark');
  });

  it('moves between points with the arrow keys, showing and announcing the values', async () => {
    const end = today('UTC');
    const list = days(addDays(end, -6), end);
    const counts = perDay('acme', list);
    const element = chart('acme', { metric: 'events', range: '7d' });
    await table(element);
    // The plot is the chart's one tab stop (keyboard focus, as a user would give it).
    await sendKeys({ press: 'Tab' });
    equal(deepActive(), plot(element));
    await element.updateComplete;
    // Focus starts on the latest bucket.
    equal(live(element), `${dayLabel('en-US', list[6]!)}: Events ${counts[6]}`);
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await element.updateComplete;
    equal(live(element), `${dayLabel('en-US', list[4]!)}: Events ${counts[4]}`);
    const tooltip = shadow(element).querySelector('[part="tooltip"]');
    equal(text(tooltip?.querySelector('.value')), String(counts[4]));
    await sendKeys({ press: 'Home' });
    await element.updateComplete;
    assert(live(element).startsWith(dayLabel('en-US', list[0]!)), live(element));
    await sendKeys({ press: 'Escape' });
    await element.updateComplete;
    equal(shadow(element).querySelector('[part="tooltip"]'), null);
    await expectAccessible(element, 'focused');
  });

  it('follows the pointer', async () => {
    const element = chart('acme', { metric: 'events', range: '7d' });
    await table(element);
    const box = plot(element).getBoundingClientRect();
    // The last of seven equal bands, right of the y axis labels.
    plot(element).dispatchEvent(
      new PointerEvent('pointermove', { clientX: box.right - 10, clientY: box.top + 20, bubbles: true }),
    );
    await element.updateComplete;
    const end = today('UTC');
    assert(text(shadow(element).querySelector('[part="tooltip"]')).startsWith(dayLabel('en-US', end)));
    plot(element).dispatchEvent(new PointerEvent('pointerleave'));
    await element.updateComplete;
    equal(shadow(element).querySelector('[part="tooltip"]'), null);
  });

  it('speaks German with German dates and numbers', async () => {
    const end = today('UTC');
    const list = days(addDays(end, -6), end);
    const element = chart('acme', { metric: 'events,events:signup', range: '7d', locale: 'de-DE' });
    const { head, rows } = await table(element);
    deepEqual(head, ['Zeit', 'Ereignisse', 'Ereignisse: signup']);
    equal(rows[0]![0], dayLabel('de-DE', list[0]!));
    equal(rows[0]![2], String(perDay('acme', list, (f) => f.event_type === 'signup')[0]));
    const tick = [...shadow(element).querySelectorAll('.axis text')].map(text);
    const first = new Intl.DateTimeFormat('de-DE', {
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${list[0]}T00:00:00Z`));
    assert(tick.includes(first), `${first} in ${tick.join('|')}`);
  });

  it('breaks one metric down by a dimension, top values first, then Other', async () => {
    const end = today('UTC');
    const list = days(addDays(end, -13), end);
    const element = chart('acme', { metric: 'events', range: '14d', breakdown: 'event_type', limit: '2' });
    const { head, rows } = await table(element);
    const totals = new Map<string, number>();
    for (const f of env.fixtures.filter((f) => f.org_id === 'acme' && f.timestamp.slice(0, 10) >= list[0]!)) {
      totals.set(f.event_type, (totals.get(f.event_type) ?? 0) + 1);
    }
    const top = [...totals].sort((a, b) => b[1] - a[1]).map(([type]) => type);
    deepEqual(head, ['Time', top[0], top[1], 'Other']);
    const byType = (type: string) => perDay('acme', list, (f) => f.event_type === type);
    const other = perDay('acme', list, (f) => !top.slice(0, 2).includes(f.event_type));
    deepEqual(
      rows.map((r) => r.slice(1).map(Number)),
      list.map((_, i) => [byType(top[0]!)[i], byType(top[1]!)[i], other[i]]),
    );
    equal(text(shadow(element).querySelector('[part="label"]')), 'Events by event_type');
  });

  it('shows a dimension value as text, never as HTML', async () => {
    delete (window as { __xss?: number }).__xss;
    const element = chart('initech', { metric: 'events', range: '7d', breakdown: 'prop.comment' });
    await table(element);
    const legend = shadow(element).querySelector('[part="legend"]')!;
    assert(text(legend).includes('<img src=x onerror='), text(legend));
    equal(legend.querySelector('img'), null);
    equal(shadow(element).querySelector('table img'), null);
    plot(element).focus();
    await element.updateComplete;
    equal(shadow(element).querySelector('[part="tooltip"] img'), null);
    equal((window as { __xss?: number }).__xss, undefined);
  });

  it('follows a dashboard: its range, filters, and the previous period dashed', async () => {
    const host = mount(document.createElement('div'));
    const state = new DashboardStateController(host, {
      range: '7d',
      compare: true,
      filters: ['event_type==signup'],
    });
    const element = chart('acme', { metric: 'events', range: '90d' }, host);
    const end = today('UTC');
    const list = days(addDays(end, -6), end);
    const before = days(addDays(end, -13), addDays(end, -7));
    const signup = (f: Fixture) => f.event_type === 'signup';
    const { head, rows } = await table(element);
    deepEqual(head, ['Time', 'Events', 'Events (previous period)']);
    deepEqual(
      rows.map((r) => r.slice(1).map(Number)),
      list.map((_, i) => [perDay('acme', list, signup)[i], perDay('acme', before, signup)[i]]),
    );
    assert(shadow(element).querySelector('path[stroke-dasharray]'), 'dashed previous period');
    assert(text(shadow(element).querySelector('[part="legend"]')).includes('previous period'));
    state.set({ filters: ['event_type==purchase'], compare: false });
    await waitFor(async () => {
      const now = await table(element);
      return (
        now.head.length === 2 &&
        JSON.stringify(now.rows.map((r) => Number(r[1]))) ===
          JSON.stringify(perDay('acme', list, (f) => f.event_type === 'purchase'))
      );
    }, 'purchase counts without comparison');
  });

  it('draws bars or an area, and redraws to its container width', async () => {
    const box = mount(document.createElement('div'));
    box.style.width = '400px';
    const element = chart('acme', { metric: 'events', range: '7d', type: 'bar' }, box);
    await table(element);
    equal(shadow(element).querySelectorAll('g.s0 rect').length, 7);
    const width = () => Number(shadow(element).querySelector('svg')!.getAttribute('width'));
    const narrow = width();
    assert(narrow < 400, `${narrow}`);
    box.style.width = '800px';
    await waitFor(() => width() > narrow + 300, 'wider plot');
    element.type = 'area';
    await element.updateComplete;
    assert(shadow(element).querySelector('g.s0 path[fill-opacity]'), 'area');
  });

  it('keeps its height while loading and says so when there is no data', async () => {
    const element = chart('hooli', { metric: 'events', range: '7d' });
    await element.updateComplete;
    const height = () => shadow(element).querySelector('.plot-box')!.getBoundingClientRect().height;
    equal(height(), 240);
    await waitFor(
      () => text(shadow(element).querySelector('.message')) === 'No data for this period.',
      'empty',
    );
    equal(height(), 240);
    await expectAccessible(element, 'empty');
  });
});
