import { emulateMedia } from '@web/test-runner-commands';
import type { AnalyticsDashboard } from '../src/analytics-dashboard.js';
import type { EventsTable } from '../src/events-table.js';
import { equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, make, mount, shadow } from './support/env.js';

const LIGHT = 'rgb(255, 255, 255)';
const DARK = 'rgb(17, 24, 39)';

/** A loaded dashboard: every element it holds, with data. */
async function dashboard(attributes: Record<string, string>): Promise<AnalyticsDashboard> {
  const element = mount(
    make('analytics-dashboard', { 'page-size': '20', ...attributes }, { client: client('acme') }),
  );
  await element.updateComplete;
  const root = shadow(element);
  await waitFor(
    () =>
      (root.querySelector('events-table') as EventsTable).events.length > 0 &&
      [...root.querySelectorAll('metrics-card')].every((c) => shadow(c).querySelector('[part="value"]')) &&
      shadow(root.querySelector('event-type-select')!).querySelectorAll('option').length > 1,
    'dashboard loaded',
  );
  return element;
}

const background = (element: Element, selector: string) =>
  getComputedStyle(shadow(element).querySelector(selector)!).backgroundColor;

describe('theme', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    cleanup();
  });

  it('is dark with theme="dark" on a page that prefers light, and accessible', async () => {
    await emulateMedia({ colorScheme: 'light' });
    const element = await dashboard({ theme: 'dark' });
    const root = shadow(element);
    equal(background(root.querySelector('events-table')!, '[part="frame"]'), DARK);
    equal(background(root.querySelector('metrics-card')!, '[part="card"]'), DARK);
    equal(background(root.querySelector('date-range-picker')!, 'select'), DARK);
    equal(getComputedStyle(root.querySelector('date-range-picker')!).colorScheme, 'dark', 'native controls');
    await expectAccessible(element, 'theme=dark, page light');
  });

  it('is light with theme="light" on a page that prefers dark, and accessible', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const element = await dashboard({ theme: 'light' });
    const root = shadow(element);
    equal(background(root.querySelector('events-table')!, '[part="frame"]'), LIGHT);
    equal(background(root.querySelector('event-type-select')!, 'select'), LIGHT);
    equal(getComputedStyle(root.querySelector('metrics-card')!).colorScheme, 'light');
    await expectAccessible(element, 'theme=light, page dark');
  });

  it('follows the page with theme="auto" (the default), and switches with the property', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const card = mount(
      make('metrics-card', { metric: 'events', range: '7d', locale: 'en' }, { client: client('acme') }),
    );
    await waitFor(() => shadow(card).querySelector('[part="value"]'), 'value');
    equal(background(card, '[part="card"]'), DARK);
    await emulateMedia({ colorScheme: 'light' });
    equal(background(card, '[part="card"]'), LIGHT);
    card.theme = 'dark';
    await card.updateComplete;
    equal(card.getAttribute('theme'), 'dark', 'reflected, for the styles');
    equal(background(card, '[part="card"]'), DARK);
    card.theme = 'auto';
    await card.updateComplete;
    equal(background(card, '[part="card"]'), LIGHT);
  });

  // The menus draw no box of their own: with a forced theme they bring a backdrop (tokens.styles.ts).
  it('keeps the menus, the custom range, the error and the empty states accessible in either forced theme', async () => {
    for (const [page, theme] of [
      ['light', 'dark'],
      ['dark', 'light'],
    ] as const) {
      await emulateMedia({ colorScheme: page });
      const box = mount(make('div'));
      const picker = make('date-range-picker', {
        theme,
        range: 'custom',
        'start-date': '2026-01-01',
        'end-date': '2026-01-31',
      });
      const failing = make(
        'metrics-card',
        { theme, metric: 'events' },
        { client: client('acme', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature' }) },
      );
      const empty = make('events-table', { theme }, { client: client('hooli') });
      const menu = make('event-type-select', { theme }, { client: client('acme') });
      box.append(picker, menu, failing, empty);
      await waitFor(
        () =>
          shadow(failing).querySelector('[role="alert"]') && shadow(empty).querySelector('[part="empty"]'),
        'error and empty',
      );
      equal(background(picker, 'input[type=date]'), theme === 'dark' ? DARK : LIGHT);
      await expectAccessible(box, `theme=${theme}, page ${page}`);
      box.remove();
    }
  });

  it('lets a page override a token for one scheme only', async () => {
    const style = mount(
      make('style', {}, { textContent: '[theme="dark"] { --acme-color-background: rgb(0, 0, 0); }' }),
      document.head,
    );
    const dark = mount(make('metrics-card', { metric: 'events', theme: 'dark' }, { client: client('acme') }));
    const light = mount(
      make('metrics-card', { metric: 'events', theme: 'light' }, { client: client('acme') }),
    );
    await Promise.all([dark.updateComplete, light.updateComplete]);
    equal(background(dark, '[part="card"]'), 'rgb(0, 0, 0)');
    equal(background(light, '[part="card"]'), LIGHT);
    style.remove();
  });
});
