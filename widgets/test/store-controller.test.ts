import { createEventsStore, type EventFilters, type EventsStore } from '@acme/analytics-sdk';
import { html } from 'lit';
import { AnalyticsElement } from '../src/analytics-element.js';
import { setDefaultClient } from '../src/context.js';
import { StoreController } from '../src/store-controller.js';
import { assert, equal, waitFor } from './support/assert.js';
import { cleanup, client, mount } from './support/env.js';

/** An element of the kind the controller is for: one store, keyed by its params, read in render(). */
class StoreProbe extends AnalyticsElement {
  static override properties = { eventType: { attribute: 'event-type' } };
  declare eventType?: string;
  /** Every store this element was handed, and whether it was disposed of. */
  made: { store: EventsStore; disposed: boolean }[] = [];
  changes = 0;

  events = new StoreController(this, {
    client: () => this._client,
    // A fresh object on every update: equal params must keep the store.
    params: (): EventFilters => ({ limit: 5, ...(this.eventType ? { event_type: this.eventType } : {}) }),
    create: (c, params) => {
      const store = createEventsStore(c, params);
      const entry = { store, disposed: false };
      this.made.push(entry);
      return {
        ...store,
        dispose: () => {
          entry.disposed = true;
          store.dispose();
        },
      };
    },
    onChange: () => this.changes++,
  });

  override render() {
    return html`${this.events.value?.items.value.length ?? 'no client'}`;
  }
}
customElements.define('store-probe', StoreProbe);

function probe(props: Partial<StoreProbe> = {}): StoreProbe {
  return mount(Object.assign(document.createElement('store-probe') as StoreProbe, props));
}

const shown = (element: StoreProbe) => element.shadowRoot?.textContent?.trim();

describe('StoreController', () => {
  afterEach(() => {
    setDefaultClient(undefined);
    cleanup();
  });

  describe('.hostUpdate()', () => {
    it('makes the store on the first update, and keeps it through updates with equal params', async () => {
      const element = probe({ client: client('acme') });
      await waitFor(() => shown(element) === '5', 'first page rendered');
      element.requestUpdate();
      element.eventType = undefined;
      await element.updateComplete;
      equal(element.made.length, 1, 'one store');
      equal(element.changes, 1);
      equal(element.events.value?.items.peek().length, 5);
    });

    it('disposes of the store and makes a new one when the params change', async () => {
      const element = probe({ client: client('acme') });
      await waitFor(() => shown(element) === '5', 'first page rendered');
      element.eventType = 'signup';
      await element.updateComplete;
      equal(element.made.length, 2);
      equal(element.made[0]?.disposed, true, 'the old store is disposed of');
      equal(element.made[1]?.store.filters.event_type, 'signup');
      await waitFor(
        () => element.events.value?.items.value.every((e) => e.event_type === 'signup'),
        'signups shown',
      );
    });

    it('disposes of the store and makes a new one when the client changes', async () => {
      const element = probe({ client: client('acme') });
      await waitFor(() => shown(element) === '5', 'acme rendered');
      element.client = client('initech');
      await waitFor(() => shown(element) === '2', 'initech rendered');
      equal(element.made.length, 2);
      equal(element.made[0]?.disposed, true);
      assert(element.events.value?.items.peek().every((e) => e.org_id === 'initech'));
    });

    it('has no store without a client, and makes one when a default client is set later', async () => {
      const element = probe();
      await element.updateComplete;
      equal(shown(element), 'no client');
      equal(element.events.value, undefined);
      equal(element.changes, 0, 'nothing to tell while there is nothing');
      setDefaultClient(client('initech'));
      await waitFor(() => shown(element) === '2', 'initech through the default client');
      equal(element.made.length, 1);
    });
  });

  describe('.hostDisconnected()', () => {
    it('disposes of the store, and a reconnected element makes a new one', async () => {
      const element = probe({ client: client('globex') });
      await waitFor(() => shown(element) === '5', 'first page rendered');
      element.remove();
      equal(element.made[0]?.disposed, true, 'disposed on disconnect');
      equal(element.events.value, undefined);
      document.body.append(element);
      await waitFor(() => shown(element) === '5', 'rendered again after reconnecting');
      equal(element.made.length, 2);
      equal(element.made[1]?.disposed, false);
    });
  });
});

declare global {
  interface HTMLElementTagNameMap {
    'store-probe': StoreProbe;
  }
}
