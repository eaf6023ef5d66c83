import type { AnalyticsDashboard } from '../src/analytics-dashboard.js';
import type { EventTypeSelect } from '../src/event-type-select.js';
import type { EventsTable } from '../src/events-table.js';
import { message, registerMessages } from '../src/messages.js';
import type { MetricsCard } from '../src/metrics-card.js';
import { equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, make, mount, rows, shadow, text } from './support/env.js';

const q = (element: Element, selector: string) => text(shadow(element).querySelector(selector));

/** Every label the loaded elements show, as one record, so English and German compare side by side. */
async function labels(card: MetricsCard, table: EventsTable, select: EventTypeSelect) {
  await waitFor(
    () =>
      q(card, '[part~="change"]').length > 2 &&
      table.events.length > 0 &&
      rows(table).length > 0 &&
      shadow(select).querySelectorAll('option').length > 1,
    'loaded',
  );
  const root = shadow(table);
  return {
    card: q(card, '[part="label"]'),
    change: q(card, '[part~="change"]'),
    sparkline: shadow(card).querySelector('svg')?.getAttribute('aria-label')?.split(':')[0],
    headers: [...root.querySelectorAll('th')].map((th) => text(th)).join('|'),
    table: root.querySelector('table')?.getAttribute('aria-label'),
    loadMore: q(table, '[part="load-more"]'),
    status: q(table, '[role="status"]').replace(/\d+/, 'N'),
    select: q(select, 'label'),
    all: text(shadow(select).querySelector('option')),
  };
}

describe('messages', () => {
  afterEach(() => {
    document.documentElement.removeAttribute('lang');
    cleanup();
  });

  describe('the elements', () => {
    it('render their labels in English and in German, and switch when locale changes', async () => {
      const acme = client('acme');
      const card = mount(
        make('metrics-card', { metric: 'active_users', range: '7d', locale: 'en' }, { client: acme }),
      );
      const table = mount(make('events-table', { 'page-size': '20', locale: 'en' }, { client: acme }));
      const select = mount(make('event-type-select', { locale: 'en' }, { client: acme }));
      const english = await labels(card, table, select);
      equal(english.card, 'Active users');
      equal(english.change.endsWith(' vs the previous 7 days'), true, english.change);
      equal(english.sparkline, 'Daily Active users');
      equal(english.headers, 'Time|Type|User|Properties');
      equal(english.table, 'Events');
      equal(english.loadMore, 'Load more');
      equal(english.status, 'N events shown.');
      equal(english.select, 'Event type');
      equal(english.all, 'All event types');

      for (const element of [card, table, select]) element.locale = 'de-DE';
      await waitFor(() => q(card, '[part="label"]') === 'Aktive Nutzer', 'German card');
      const german = await labels(card, table, select);
      equal(german.change.endsWith(' gegenüber den vorherigen 7 Tagen'), true, german.change);
      equal(german.sparkline, 'Tageswerte Aktive Nutzer');
      equal(german.headers, 'Zeit|Typ|Nutzer|Eigenschaften');
      equal(german.table, 'Ereignisse');
      equal(german.loadMore, 'Mehr laden');
      equal(german.status, 'N Ereignisse angezeigt.');
      equal(german.select, 'Ereignistyp');
      equal(german.all, 'Alle Ereignistypen');
      await expectAccessible(table, 'German');
    });

    it('label an error in the element’s language too', async () => {
      const card = mount(
        make(
          'metrics-card',
          { metric: 'events', range: '7d', locale: 'de' },
          { client: client('acme', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature' }) },
        ),
      );
      const alert = await waitFor(() => shadow(card).querySelector('[role="alert"]'), 'error');
      equal(
        text(alert),
        'Ereignisse konnte nicht geladen werden. Das Zugriffstoken fehlt, ist ungültig oder abgelaufen. Erneut versuchen',
      );
      equal(shadow(card).querySelector('button')?.getAttribute('aria-label'), 'Ereignisse erneut laden');
    });

    it('follow the closest ancestor’s lang without a locale, across shadow roots, and its changes', async () => {
      const box = mount(make('div', { lang: 'de' }));
      const dashboard = make(
        'analytics-dashboard',
        { metrics: 'events' },
        { client: client('acme') },
      ) as AnalyticsDashboard;
      box.append(dashboard);
      await dashboard.updateComplete;
      // The card is inside the dashboard's shadow root; the lang is outside it.
      const card = await waitFor(() => shadow(dashboard).querySelector('metrics-card'), 'card');
      await waitFor(() => q(card, '[part="label"]') === 'Ereignisse', 'German from the ancestor');
      box.setAttribute('lang', 'en-GB');
      await waitFor(() => q(card, '[part="label"]') === 'Events', 'English after lang changed');
    });

    it('follow <html lang> when nothing closer says', async () => {
      document.documentElement.lang = 'de';
      const select = mount(make('event-type-select', {}, { client: client('acme') }));
      await waitFor(() => q(select, 'label') === 'Ereignistyp', 'German from <html lang>');
    });
  });

  describe('registerMessages()', () => {
    it('adds a page’s own locale, falls back to English per key, and re-renders the elements', async () => {
      const select = mount(make('event-type-select', { locale: 'fr-CA' }, { client: client('acme') }));
      await waitFor(() => q(select, 'label') === 'Event type', 'English fallback');
      registerMessages('fr', { eventType: "Type d'événement" });
      await waitFor(() => q(select, 'label') === "Type d'événement", 'French after registering');
      equal(text(shadow(select).querySelector('option')), 'All event types', 'a missing key in English');
      // A regional variant is consulted before its language.
      registerMessages('fr-CA', { eventType: 'Type' });
      await waitFor(() => q(select, 'label') === 'Type', 'the regional variant');
    });

    it('overrides a built-in message and fills placeholders', () => {
      registerMessages('de-AT', { allLoaded: 'Alle {count} Ereignisse da' });
      equal(message('de-AT', 'allLoaded', { count: '1.000' }), 'Alle 1.000 Ereignisse da');
      equal(message('de-DE', 'allLoaded', { count: 3 }), 'Alle 3 Ereignisse geladen');
      equal(message('xx', 'lastDays', { n: 7 }), 'Last 7 days');
      equal(message('en', 'lastDays'), 'Last {n} days', 'a placeholder without a value stays');
    });
  });
});
