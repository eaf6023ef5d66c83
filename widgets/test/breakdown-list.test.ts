import { sendKeys } from '@web/test-runner-commands';
import type { BreakdownList } from '../src/breakdown-list.js';
import { DashboardStateController, type FilterChangeDetail } from '../src/dashboard-state.js';
import { addDays, today } from '../src/format.js';
import type { MetricsCard } from '../src/metrics-card.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, env, type Fixture, make, mount, type Org, shadow, text } from './support/env.js';

// The suite's fixtures are ingested by a script, whose User-Agent flags them as bot traffic, which the
// insights leave out unless asked.
function list(org: Org, attributes: Record<string, string>, parent?: Element): BreakdownList {
  return mount(
    make(
      'breakdown-list',
      { locale: 'en-US', 'include-bots': '', metric: 'events', ...attributes },
      { client: client(org) },
    ),
    parent,
  );
}

/** The org's fixtures since `start` (UTC day), counted by a key, most first, then by key. */
function ranked(org: Org, start: string, key: (f: Fixture) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const f of env.fixtures.filter((f) => f.org_id === org && f.timestamp.slice(0, 10) >= start)) {
    counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The rows shown, once there are `n`: [name, value]. */
async function rows(element: BreakdownList, n?: number): Promise<string[][]> {
  return waitFor(
    () => {
      const found = [...shadow(element).querySelectorAll('li .row')].map((row) => [
        text(row.querySelector('.name')),
        text(row.querySelector('.value')),
      ]);
      return found.length && (n === undefined || found.length === n) ? found : null;
    },
    `${n ?? 'some'} rows`,
  );
}

const start = (days: number) => addDays(today('UTC'), -(days - 1));

describe('<breakdown-list>', () => {
  afterEach(cleanup);

  it('lists the top values with their counts and bars as long as their share', async () => {
    const expected = ranked('acme', start(30), (f) => f.event_type);
    const element = list('acme', { dimension: 'event_type' });
    deepEqual(
      await rows(element),
      expected.map(([type, n]) => [type, String(n)]),
    );
    const total = expected.reduce((sum, [, n]) => sum + n, 0);
    const bar = shadow(element).querySelector<HTMLElement>('[part="bar"]')!;
    equal(Number.parseFloat(bar.style.width), Number(((expected[0]![1] / total) * 100).toFixed(1)));
    equal(text(shadow(element).querySelector('[part="label"]')), 'Events by event_type');
    await expectAccessible(element, 'light');
    element.theme = 'dark';
    await element.updateComplete;
    await expectAccessible(element, 'dark');
  });

  it('shows more values by cursor', async () => {
    const expected = ranked('acme', start(30), (f) => String(f.properties.path));
    const element = list('acme', { dimension: 'prop.path', limit: '5' });
    deepEqual(
      (await rows(element, 5)).map(([name]) => name),
      expected.slice(0, 5).map(([path]) => path),
    );
    const more = shadow(element).querySelector<HTMLButtonElement>('[part="more-button"]')!;
    equal(text(more), 'Show more');
    more.click();
    deepEqual(
      (await rows(element, 10)).map(([name]) => name),
      expected.slice(0, 10).map(([path]) => path),
    );
  });

  it('filters every element of its dashboard by the value clicked or chosen with Enter', async () => {
    const host = mount(document.createElement('div'));
    const state = new DashboardStateController(host, { range: '7d' });
    const element = list('acme', { dimension: 'event_type' }, host);
    const card = mount(
      make('metrics-card', { locale: 'en-US', metric: 'events' }, { client: client('acme') }),
      host,
    ) as MetricsCard;
    const count = (type?: string) =>
      env.fixtures.filter(
        (f) =>
          f.org_id === 'acme' && f.timestamp.slice(0, 10) >= start(7) && (!type || f.event_type === type),
      ).length;
    const value = () => text(shadow(card).querySelector('[part="value"]'));
    await waitFor(() => value() === String(count()), 'unfiltered total');
    await rows(element);
    const heard: FilterChangeDetail[] = [];
    host.addEventListener('filter-change', (e) => heard.push(e.detail));
    const button = (type: string) =>
      [...shadow(element).querySelectorAll<HTMLButtonElement>('button.row')].find(
        (b) => text(b.querySelector('.name')) === type,
      )!;
    button('signup').click();
    deepEqual(heard, [{ add: 'event_type==signup' }]);
    deepEqual(state.value.filters, ['event_type==signup']);
    await waitFor(() => value() === String(count('signup')), 'the card filtered to signups');
    // The list follows the filter too: only signup is left.
    deepEqual(await rows(element, 1), [['signup', String(count('signup'))]]);
    state.set({ filters: [] });
    await rows(element, 3);
    button('purchase').focus();
    await sendKeys({ press: 'Enter' });
    deepEqual(state.value.filters, ['event_type==purchase']);
    await waitFor(() => value() === String(count('purchase')), 'the card filtered to purchases');
  });

  it('speaks German', async () => {
    const element = list('acme', { dimension: 'prop.path', limit: '3', locale: 'de' });
    await rows(element, 3);
    equal(text(shadow(element).querySelector('[part="label"]')), 'Ereignisse nach prop.path');
    equal(text(shadow(element).querySelector('[part="more-button"]')), 'Mehr anzeigen');
  });

  it('shows a dimension value as text, never as HTML', async () => {
    delete (window as { __xss?: number }).__xss;
    const element = list('initech', { dimension: 'prop.comment' });
    const shown = await rows(element);
    assert(
      shown.some(([name]) => name === '<img src=x onerror="window.__xss = (window.__xss || 0) + 1">'),
      JSON.stringify(shown),
    );
    equal(shadow(element).querySelector('img'), null);
    equal((window as { __xss?: number }).__xss, undefined);
  });

  it('keeps the room of its rows while loading, and says when there is nothing', async () => {
    const element = list('hooli', { dimension: 'path', limit: '5' });
    await element.updateComplete;
    const height = () => shadow(element).querySelector('[part="box"]')!.getBoundingClientRect().height;
    const loading = height();
    assert(shadow(element).querySelectorAll('.skeleton').length === 5, 'five placeholders');
    await waitFor(
      () => text(shadow(element).querySelector('.empty')) === 'No data for this period.',
      'empty',
    );
    assert(height() <= loading, `${height()} > ${loading}`);
    await expectAccessible(element, 'empty');
  });
});
