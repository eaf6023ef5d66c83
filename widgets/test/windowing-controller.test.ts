// The windowing and grid keyboard controllers on their own, in the kind of element they are written for
// besides the events table: a plain list of 1,000 rows of one height, with no header and nothing to expand.
import { sendKeys } from '@web/test-runner-commands';
import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { GridKeyboardController } from '../src/grid-keyboard-controller.js';
import { WindowingController } from '../src/windowing-controller.js';
import { assert, equal, frames, waitFor } from './support/assert.js';
import { cleanup, deepActive, make, mount } from './support/env.js';

const ROWS = Array.from({ length: 1000 }, (_, i) => ({ id: `row-${i}`, label: `Row ${i}` }));

class ListProbe extends LitElement {
  static override styles = css`
    .scroller {
      height: 300px;
      overflow: auto;
    }
    [role='row'] {
      height: 30px;
    }
  `;
  chosen: number[] = [];

  rows = new WindowingController(this, {
    scroller: () => this.renderRoot.querySelector<HTMLElement>('.scroller'),
    items: () => ROWS,
    key: (row) => row.id,
  });
  keys = new GridKeyboardController(this, {
    count: () => ROWS.length,
    page: () => this.rows.page,
    reveal: (index) => this.rows.reveal(index),
    choose: (index) => this.chosen.push(index),
  });

  override render() {
    const { start, end, before, after } = this.rows.range();
    const spacer = (height: number) => (height ? html`<div data-height=${height}></div>` : nothing);
    return html`<div class="scroller" @scroll=${this.rows.onScroll}>
      <div role="grid" aria-label="Rows" aria-rowcount=${ROWS.length} @keydown=${this.keys.onKeydown}
        @focusin=${this.keys.onFocusin} @click=${this.keys.onClick}>
        ${spacer(before)}
        ${repeat(
          ROWS.slice(start, end),
          (row) => row.id,
          (row, k) =>
            html`<div role="row" data-index=${start + k} aria-rowindex=${start + k + 1}
              tabindex=${this.keys.tabIndex(start + k, start, end)}><span role="gridcell">${row.label}</span></div>`,
        )}
        ${spacer(after)}
      </div>
    </div>`;
  }
}
customElements.define('list-probe', ListProbe);

function list(): ListProbe {
  return mount(document.createElement('list-probe') as ListProbe);
}

const rendered = (element: ListProbe) =>
  [...element.renderRoot.querySelectorAll<HTMLElement>('[data-index]')].map((row) =>
    Number(row.dataset.index),
  );
const scroller = (element: ListProbe) => element.renderRoot.querySelector<HTMLElement>('.scroller')!;
const focused = () => Number((deepActive() as HTMLElement | null)?.dataset.index);

describe('WindowingController', () => {
  afterEach(cleanup);

  describe('.range()', () => {
    it('renders a window of 1,000 rows, with spacers that keep the full scroll height', async () => {
      const element = list();
      await element.updateComplete;
      await frames(2);
      const indexes = rendered(element);
      equal(indexes[0], 0);
      assert(indexes.length < 40, `rendered ${indexes.length} of 1,000 rows`);
      equal(scroller(element).scrollHeight, 1000 * 30, 'the scroll height of every row');
    });
  });

  describe('.onScroll', () => {
    it('moves the window with the scroll position', async () => {
      const element = list();
      await element.updateComplete;
      scroller(element).scrollTop = 500 * 30;
      await waitFor(() => rendered(element).includes(500), 'row 500 rendered');
      assert(!rendered(element).includes(0), 'row 0 left the DOM');
      scroller(element).scrollTop = scroller(element).scrollHeight;
      await waitFor(() => rendered(element).at(-1) === 999, 'last row rendered');
    });
  });
});

describe('GridKeyboardController', () => {
  afterEach(cleanup);

  describe('.onKeydown', () => {
    it('moves focus through 1,000 windowed rows with one tab stop', async () => {
      const before = mount(make('button', {}, { textContent: 'before' }));
      const element = list();
      await element.updateComplete;
      equal(element.renderRoot.querySelectorAll('[tabindex="0"]').length, 1, 'one row in the tab order');
      before.focus();
      await sendKeys({ press: 'Tab' });
      equal(focused(), 0, 'Tab lands on the first row');
      await sendKeys({ press: 'End' });
      await waitFor(() => focused() === 999, 'End focuses the last row, rendering it first');
      assert(!rendered(element).includes(0), 'the window moved with it');
      await sendKeys({ press: 'ArrowUp' });
      await waitFor(() => focused() === 998, 'ArrowUp');
      await sendKeys({ press: 'Home' });
      await waitFor(() => focused() === 0, 'Home');
      await sendKeys({ press: 'PageDown' });
      // A 300px viewport of 30px rows: a screenful less one row of context.
      await waitFor(() => focused() === element.rows.page, 'PageDown');
      equal(element.rows.page, 9);
      await sendKeys({ press: 'Enter' });
      equal(element.chosen.at(-1), 9, 'Enter chooses the focused row');
      await sendKeys({ press: 'ArrowRight' });
      equal(focused(), 9, 'ArrowRight does nothing in rows that do not expand');
    });
  });
});

declare global {
  interface HTMLElementTagNameMap {
    'list-probe': ListProbe;
  }
}
