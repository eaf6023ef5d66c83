import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { AnalyticsDashboard } from '../src/analytics-dashboard.js';
import type { EventsTable } from '../src/events-table.js';
import { assert, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, deepActive, expected, make, mount, shadow, text } from './support/env.js';

function parts(dashboard: AnalyticsDashboard) {
  const root = shadow(dashboard);
  return {
    cards: [...root.querySelectorAll('metrics-card')],
    select: root.querySelector('event-type-select')!,
    table: root.querySelector('events-table') as EventsTable,
  };
}

async function ready(dashboard: AnalyticsDashboard) {
  await dashboard.updateComplete;
  const { cards, table, select } = parts(dashboard);
  await waitFor(
    () =>
      table.events.length > 0 &&
      cards.every((c) => shadow(c).querySelector('[part="value"]')) &&
      shadow(select).querySelectorAll('option').length > 1,
    'dashboard loaded',
  );
  return parts(dashboard);
}

describe('<analytics-dashboard>', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    cleanup();
  });

  it('shows a card per metric, the filter and the table', async () => {
    const dashboard = mount(
      make(
        'analytics-dashboard',
        { metrics: 'events,active_users,events:signup', range: '7d', locale: 'en-US' },
        {
          client: client('acme'),
        },
      ),
    );
    const { cards, table } = await ready(dashboard);
    equal(cards.length, 3);
    equal(text(shadow(cards[2]!).querySelector('[part="label"]')), 'signup events');
    equal(table.events.length, 50);
    await expectAccessible(dashboard, 'light');
  });

  it('filters the table from its menu', async () => {
    const dashboard = mount(make('analytics-dashboard', { 'page-size': '100' }, { client: client('acme') }));
    const { select, table } = await ready(dashboard);
    const inner = shadow(select).querySelector('select')!;
    inner.value = 'signup';
    inner.dispatchEvent(new Event('change', { bubbles: true }));
    const want = expected('acme', (f) => f.event_type === 'signup');
    await waitFor(
      () => table.events.length === want.length && table.eventType === 'signup',
      'filtered table',
    );
  });

  it('is accessible in the dark colour scheme too', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const dashboard = mount(make('analytics-dashboard', {}, { client: client('globex') }));
    const { table } = await ready(dashboard);
    // The dark palette is in force (not the light one).
    const frame = shadow(table).querySelector('[part="frame"]')!;
    equal(getComputedStyle(frame).backgroundColor, 'rgb(17, 24, 39)');
    await expectAccessible(dashboard, 'dark');
  });

  it('lets a keyboard-only user reach every control in order', async () => {
    const before = mount(make('button', {}, { textContent: 'before' }));
    const dashboard = mount(make('analytics-dashboard', { 'page-size': '20' }, { client: client('acme') }));
    await ready(dashboard);
    before.focus();
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) {
      await sendKeys({ press: 'Tab' });
      const active = deepActive() as HTMLElement | null;
      const host = (active?.getRootNode() as ShadowRoot | Document | null) ?? null;
      const where = host && 'host' in host ? `${host.host.localName} ` : '';
      reached.push(`${where}${active?.getAttribute('part') ?? active?.localName ?? 'none'}`);
    }
    // The range menu and the comparison switch, the event-type menu, the table (one tab stop for all
    // rows), "Load more", then out of the dashboard.
    equal(reached[0], 'date-range-picker select');
    equal(reached[1], 'date-range-picker checkbox');
    equal(reached[2], 'event-type-select select');
    assert(reached[3]?.startsWith('events-table row'), `fourth stop: ${reached[3]}`);
    equal(reached[4], 'events-table load-more');
    equal(reached[5], 'body', 'focus left the dashboard');
  });
});
