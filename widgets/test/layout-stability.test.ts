// The loading state reserves the loaded state's space: an element keeps its height when its data arrives,
// so nothing below it moves (a layout shift, which Lighthouse and users both count against a page).

import type { EventTypeSelect } from '../src/event-type-select.js';
import type { EventsTable } from '../src/events-table.js';
import { assert, waitFor } from './support/assert.js';
import {
  cleanup,
  client,
  fault,
  make,
  mount,
  type Org,
  release,
  rows,
  scope,
  shadow,
} from './support/env.js';

/** A box of a given width to mount into, as a page's layout would give the element. */
function box(width: string): HTMLElement {
  const div = document.createElement('div');
  div.style.width = width;
  return mount(div);
}

const height = (element: Element) => element.getBoundingClientRect().height;
const width = (element: Element) => element.getBoundingClientRect().width;

/** Waits two frames, so what a render changed is laid out. */
const settled = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));

/** Within a pixel: table borders collapse to half-pixel heights, which move nothing visibly. */
function near(actual: number, expected: number, what: string) {
  assert(Math.abs(actual - expected) <= 1, `${what}: ${actual}px loaded, ${expected}px while loading`);
}

describe('height stability between the loading and the loaded state', () => {
  afterEach(async () => {
    await release();
    cleanup();
  });

  describe('<metrics-card>', () => {
    async function measure(org: Org, attributes: Record<string, string>, boxWidth: string) {
      const name = scope('card-height');
      // Both periods' requests wait until released: the card stays in its loading state until then.
      await fault(name, { hold: true, count: 2 });
      const element = mount(
        make('metrics-card', { locale: 'en-US', ...attributes }, { client: client(org, { via: name }) }),
        box(boxWidth),
      );
      await waitFor(() => shadow(element).querySelector('.skeleton'), 'skeleton');
      await settled();
      const loading = height(element);
      assert(loading > 0, 'the loading card has a height');
      await release();
      await waitFor(
        () =>
          shadow(element).querySelector('[part="value"]') &&
          shadow(element).querySelector('[part~="change"]')?.textContent?.includes('vs'),
        'total and change',
      );
      await settled();
      return { element, loading, loaded: height(element) };
    }

    for (const boxWidth of ['180px', '260px', '480px']) {
      it(`keeps its height when the figures arrive (${boxWidth} wide)`, async () => {
        const { loading, loaded } = await measure('acme', { metric: 'events', range: '30d' }, boxWidth);
        near(loaded, loading, 'card height');
      });
    }

    it('keeps its height with a label and a change longer than the card is wide', async () => {
      const { loading, loaded } = await measure(
        'acme',
        { metric: 'events:purchase', label: 'Purchases completed over the whole period', range: '7d' },
        '200px',
      );
      near(loaded, loading, 'card height');
    });
  });

  describe('<events-table>', () => {
    async function measure(attributes: Record<string, string>, boxWidth = '720px') {
      const name = scope('table-height');
      await fault(name, { hold: true, count: 1 });
      const element: EventsTable = mount(
        make(
          'events-table',
          { locale: 'en-US', 'time-zone': 'UTC', ...attributes },
          { client: client('acme', { via: name }) },
        ),
        box(boxWidth),
      );
      await waitFor(() => shadow(element).querySelector('[part="skeleton"]'), 'skeleton');
      await settled();
      const loading = height(element);
      await release();
      await waitFor(() => rows(element).length > 0, 'rows');
      await settled();
      return { element, loading, loaded: height(element) };
    }

    it('keeps its height when the first page arrives (a page taller than the viewport)', async () => {
      const { loading, loaded } = await measure({ 'page-size': '50' });
      near(loaded, loading, 'table height');
      // The viewport's default height and the frame's border: the skeleton fills the table's space.
      near(loading, 482, 'table height');
    });

    it('keeps its height while short pages fill the viewport', async () => {
      const { element, loading } = await measure({ 'page-size': '5' });
      // Every frame from here on, while the next pages load on their own until the end of the list is
      // out of reach (480px of viewport and 200px of margin: 15 rows of 40px at least).
      const seen = new Set<number>();
      let watching = true;
      const watch = () => {
        seen.add(Math.round(height(element) * 2) / 2);
        if (watching) requestAnimationFrame(watch);
      };
      watch();
      await waitFor(() => element.events.length >= 15, 'pages to fill the viewport');
      await settled();
      watching = false;
      for (const h of seen) near(h, loading, 'table height');
      near(height(element), loading, 'table height');
    });

    it('keeps its height with a custom row and viewport height', async () => {
      const name = 'custom-heights';
      const style = document.createElement('style');
      style.textContent = `.${name} events-table { --acme-table-height: 300px; --acme-row-height: 32px; }`;
      document.head.append(style);
      try {
        const outer = box('600px');
        outer.className = name;
        const held = scope('table-height');
        await fault(held, { hold: true, count: 1 });
        const element = mount(
          make('events-table', { locale: 'en-US' }, { client: client('acme', { via: held }) }),
          outer,
        );
        await waitFor(() => shadow(element).querySelector('[part="skeleton"]'), 'skeleton');
        await settled();
        const loading = height(element);
        await release();
        await waitFor(() => rows(element).length > 0, 'rows');
        await settled();
        near(height(element), loading, 'table height');
        near(loading, 302, 'table height');
      } finally {
        style.remove();
      }
    });
  });

  describe('<event-type-select>', () => {
    it('keeps its size when the types arrive', async () => {
      const name = scope('select-size');
      await fault(name, { hold: true, count: 1 });
      const element: EventTypeSelect = mount(
        make('event-type-select', { locale: 'en-US' }, { client: client('acme', { via: name }) }),
        box('600px'),
      );
      await waitFor(() => shadow(element).querySelector('select'), 'select');
      await settled();
      const before = { width: width(element), height: height(element) };
      await release();
      await waitFor(() => shadow(element).querySelectorAll('option').length > 1, 'options');
      await settled();
      near(width(element), before.width, 'select width');
      near(height(element), before.height, 'select height');
    });
  });
});
