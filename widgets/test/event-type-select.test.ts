import { sendKeys } from '@web/test-runner-commands';
import type { EventTypeSelect } from '../src/event-type-select.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import {
  cleanup,
  client,
  deepActive,
  expected,
  fault,
  make,
  mount,
  type Org,
  release,
  requests,
  scope,
  shadow,
  text,
} from './support/env.js';

function picker(org: Org, attributes: Record<string, string> = {}, via?: string): EventTypeSelect {
  return mount(
    make('event-type-select', { locale: 'en-US', ...attributes }, { client: client(org, { via }) }),
  );
}

const options = (element: EventTypeSelect) =>
  [...shadow(element).querySelectorAll('option')].map((o) => ({ value: o.value, label: text(o) }));

describe('<event-type-select>', () => {
  afterEach(async () => {
    await release();
    cleanup();
  });

  it('lists the org’s event types, most frequent first, with their counts', async () => {
    const element = picker('acme');
    await waitFor(() => options(element).length > 1, 'options');
    const counts = new Map<string, number>();
    for (const f of expected('acme')) counts.set(f.event_type, (counts.get(f.event_type) ?? 0) + 1);
    const want = [...counts].sort((a, b) => b[1] - a[1]);
    deepEqual(options(element), [
      { value: '', label: 'All event types' },
      ...want.map(([type, n]) => ({ value: type, label: `${type} (${n})` })),
    ]);
    const label = shadow(element).querySelector('label');
    equal(text(label), 'Event type');
    equal(label?.htmlFor, 'select');
    await expectAccessible(element, 'loaded');
  });

  it('fires change with the chosen value', async () => {
    const element = picker('globex');
    await waitFor(() => options(element).length === 3, 'options');
    const seen: string[] = [];
    element.addEventListener('change', () => seen.push(element.value));
    const select = shadow(element).querySelector('select')!;
    select.value = 'globex_view';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    deepEqual(seen, ['globex_view']);
    await element.updateComplete;
    equal(element.getAttribute('value'), 'globex_view');
  });

  it('filters an <events-table> named by its for attribute (no script needed)', async () => {
    const name = scope('for');
    const table = mount(
      make('events-table', { id: 'events', 'page-size': '100' }, { client: client('acme', { via: name }) }),
    );
    const element = picker('acme', { for: 'events' });
    await waitFor(() => options(element).length > 1 && table.events.length > 0, 'loaded');
    // What the browser does when a user picks an option.
    const select = shadow(element).querySelector('select')!;
    select.value = 'purchase';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    equal(table.eventType, 'purchase');
    const want = expected('acme', (f) => f.event_type === 'purchase');
    await waitFor(() => table.events.length === want.length, 'table filtered');
    assert(table.events.every((e) => e.event_type === 'purchase'));
    const last = (await requests(name)).at(-1)!;
    equal(new URL(last.path, location.origin).searchParams.get('event_type'), 'purchase');
  });

  it('is reachable and operable with the keyboard', async () => {
    const before = mount(make('button', {}, { textContent: 'before' }));
    const element = picker('globex');
    await waitFor(() => options(element).length === 3, 'options');
    before.focus();
    await sendKeys({ press: 'Tab' });
    equal(deepActive()?.localName, 'select');
    await sendKeys({ press: 'ArrowDown' });
    await waitFor(() => element.value !== '', 'value chosen with ArrowDown');
  });

  it('shows an error with a retry button, and recovers', async () => {
    const name = scope('types-error');
    await fault(name, { status: 500, count: 1000 });
    const element = picker('globex', {}, name);
    const alert = await waitFor(() => shadow(element).querySelector('[role="alert"]'), 'error', 30_000);
    assert(text(alert).includes("Couldn't load event types"), text(alert));
    await expectAccessible(element, 'error');
    await fault(name, { count: 0 });
    shadow(element).querySelector<HTMLButtonElement>('[part="retry-button"]')!.click();
    await waitFor(() => options(element).length === 3, 'options after retry');
    equal(shadow(element).querySelector('[role="alert"]'), null);
  });

  it('keeps a preset value while the list loads', async () => {
    const name = scope('types-hold');
    await fault(name, { hold: true });
    const element = picker('acme', { value: 'signup' }, name);
    await element.updateComplete;
    equal(shadow(element).querySelector('select')?.value, 'signup');
    await expectAccessible(element, 'loading');
    await release();
    await waitFor(() => options(element).length > 2, 'options');
    equal(shadow(element).querySelector('select')?.value, 'signup');
    equal(options(element).filter((o) => o.value === 'signup').length, 1, 'listed once');
  });
});
