import { setDefaultClient } from '../src/context.js';
import type { EventsTable } from '../src/events-table.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, env, expected, make, mount, rows, shadow, text } from './support/env.js';

const ids = (table: EventsTable) => table.events.map((e) => e.event_id);

describe('<analytics-provider>', () => {
  afterEach(() => {
    setDefaultClient(undefined);
    cleanup();
  });

  it('gives two tenants on one page each its own data, and only its own', async () => {
    // A page of its own, so axe judges it as one (its content inside a landmark).
    const main = mount(make('main'));
    const provider = (org: 'acme' | 'globex') =>
      mount(make('analytics-provider', { 'base-url': env.apiUrl, 'api-key': env.tokens[org] }), main);
    const acme = provider('acme');
    const globex = provider('globex');
    const acmeTable = make('events-table', { 'page-size': '200' });
    const globexTable = make('events-table', { 'page-size': '200' });
    const acmeCard = make('metrics-card', { metric: 'events', range: '30d' });
    const globexCard = make('metrics-card', { metric: 'events', range: '30d' });
    acme.append(acmeTable, acmeCard);
    globex.append(globexTable, globexCard);

    await waitFor(() => acmeTable.events.length === 120 && globexTable.events.length === 8, 'both tables');
    deepEqual(
      ids(acmeTable),
      expected('acme').map((f) => f.event_id),
    );
    deepEqual(
      ids(globexTable),
      expected('globex').map((f) => f.event_id),
    );
    assert(acmeTable.events.every((e) => e.org_id === 'acme'));
    assert(globexTable.events.every((e) => e.org_id === 'globex'));
    assert(rows(globexTable).every((r) => text(r.cells[1]).startsWith('globex_')));

    const total = (card: Element) =>
      waitFor(() => text(shadow(card).querySelector('[part="value"]')), 'card value');
    equal(await total(acmeCard), '120');
    equal(await total(globexCard), '8');
    await expectAccessible(main, 'two providers');
  });

  it('fetches short-lived tokens from the host application with token-url', async () => {
    const provider = mount(
      make('analytics-provider', { 'base-url': env.apiUrl, 'token-url': '/token/globex' }),
    );
    const table = make('events-table');
    provider.append(table);
    await waitFor(() => table.events.length === 8, 'globex events');
  });

  it('switches the components inside to a new client when its attributes change', async () => {
    const provider = mount(
      make('analytics-provider', { 'base-url': env.apiUrl, 'api-key': env.tokens.globex }),
    );
    const table = make('events-table');
    provider.append(table);
    await waitFor(() => table.events.length === 8, 'globex events');
    provider.setAttribute('api-key', env.tokens.initech);
    await waitFor(() => table.events.length === 2 && table.events[0]?.org_id === 'initech', 'initech events');
  });

  it('provides a ready-made client set as a property', async () => {
    const provider = mount(make('analytics-provider', {}, { client: client('initech') }));
    const table = make('events-table');
    provider.append(table);
    await waitFor(() => table.events.length === 2, 'initech events');
  });

  it('lets a component’s own .client win over its provider', async () => {
    const provider = mount(
      make('analytics-provider', { 'base-url': env.apiUrl, 'api-key': env.tokens.acme }),
    );
    const table = make('events-table', {}, { client: client('globex') });
    provider.append(table);
    await waitFor(() => table.events.length === 8, 'globex events');
    assert(table.events.every((e) => e.org_id === 'globex'));
  });

  it('falls back to the page default client, even one set after the component rendered', async () => {
    const table = mount(make('events-table'));
    await table.updateComplete;
    assert(text(shadow(table).querySelector('[role="alert"]')).includes('No analytics client'));
    setDefaultClient(client('initech'));
    await waitFor(() => table.events.length === 2, 'initech events through the default client');
  });
});
