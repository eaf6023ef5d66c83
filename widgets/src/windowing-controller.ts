import type { ReactiveController, ReactiveElement } from 'lit';

export interface WindowingOptions<T> {
  /** The scrolling viewport the rows are in. */
  scroller: () => HTMLElement | null;
  /** Content above the first row inside the scroller (a sticky header), measured; none by default. */
  header?: () => HTMLElement | null;
  /** Every loaded item; only a window of them is rendered. */
  items: () => readonly T[];
  /** A stable key per item, so a taller row keeps its measured height when the list grows. */
  key: (item: T) => string;
  /** Rows rendered above and below the visible ones, so fast scrolling never shows a gap (default 8). */
  overscan?: number;
  /** Most rows in a window, whatever the viewport reports (default 200). */
  max?: number;
}

/** The rows to render, `[start, end)`, and the space to leave before and after them. */
export interface RowWindow {
  start: number;
  end: number;
  before: number;
  after: number;
}

/**
 * Windowing (virtual scrolling) for a host that lists rows in a scroller: only the rows in view, plus a
 * few, are in the DOM, so ten thousand loaded rows scroll as smoothly as fifty. Rows share one measured
 * height; a row marked `aria-expanded="true"` may be taller, and its measured extra height is kept by key.
 *
 * The host's template follows three conventions: each rendered row has `data-index` (its index in
 * `items`); the space before and after the window is an element with `data-height` (the controller sets
 * its height through the CSSOM, because a `style` attribute breaks under a strict CSP); and the scroller
 * calls `onScroll`.
 */
export class WindowingController<T> implements ReactiveController {
  /** The height of a collapsed row, measured. */
  rowHeight = 40;
  /** The viewport's height, measured. */
  viewport = 480;
  #host: ReactiveElement;
  #options: WindowingOptions<T>;
  #headHeight: number;
  #scrollTop = 0;
  /** Measured extra height of the taller rows, by key. */
  #extra = new Map<string, number>();
  /** `#extra` by index, sorted: rebuilt once per list change, so layout math stays O(taller rows) per frame. */
  #extraIndex: [index: number, extra: number][] = [];
  #extraIndexOf?: readonly T[];
  #window: [start: number, end: number] = [0, 0];
  #resize?: ResizeObserver;

  constructor(host: ReactiveElement, options: WindowingOptions<T>) {
    this.#host = host;
    this.#options = options;
    // A guess until the first measurement: a header is about a row high.
    this.#headHeight = options.header ? 40 : 0;
    host.addController(this);
  }

  hostConnected(): void {
    this.#resize ??= new ResizeObserver(() => this.#measureViewport());
  }

  hostDisconnected(): void {
    this.#resize?.disconnect();
  }

  hostUpdated(): void {
    for (const spacer of this.#host.renderRoot.querySelectorAll<HTMLElement>('[data-height]')) {
      spacer.style.height = `${spacer.dataset.height}px`;
    }
    const scroller = this.#options.scroller();
    if (scroller) this.#resize?.observe(scroller);
    this.#measureRows();
  }

  /** The window to render now; call it from `render()`. */
  range(): RowWindow {
    const items = this.#options.items();
    if (items !== this.#extraIndexOf) this.#reindex(items);
    const n = items.length;
    const [start, end] = this.#compute(n);
    this.#window = [start, end];
    return { start, end, before: this.offset(start), after: this.offset(n) - this.offset(end) };
  }

  /** Rows in a screenful, less one for context (what Page Up and Page Down move by). */
  get page(): number {
    return Math.max(1, Math.floor(this.viewport / this.rowHeight) - 1);
  }

  /** Distance from the top of the first row to the top of row `index`. */
  offset(index: number): number {
    let offset = index * this.rowHeight;
    for (const [i, extra] of this.#extraIndex) {
      if (i >= index) break;
      offset += extra;
    }
    return offset;
  }

  /** Scrolls the least that shows row `index` whole; the next render puts it in the window. */
  reveal(index: number): void {
    const scroller = this.#options.scroller();
    if (!scroller) return;
    const top = this.offset(index);
    const bottom = this.offset(index + 1);
    const visible = this.viewport - this.#headHeight;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (bottom > scroller.scrollTop + visible) scroller.scrollTop = bottom - visible;
    this.#scrollTop = scroller.scrollTop;
  }

  /** Forgets a row's extra height (it collapsed). */
  forget(key: string): void {
    this.#extra.delete(key);
    this.#extraIndexOf = undefined;
  }

  /** Back to the top, nothing measured per row: for a new list. */
  reset(): void {
    this.#extra.clear();
    this.#extraIndexOf = undefined;
    this.#scrollTop = 0;
    const scroller = this.#options.scroller();
    if (scroller) scroller.scrollTop = 0;
  }

  onScroll = (): void => {
    const scroller = this.#options.scroller();
    if (!scroller) return;
    this.#scrollTop = scroller.scrollTop;
    const [start, end] = this.#compute(this.#options.items().length);
    if (start !== this.#window[0] || end !== this.#window[1]) this.#host.requestUpdate();
  };

  #reindex(items: readonly T[]): void {
    this.#extraIndexOf = items;
    this.#extraIndex = [];
    if (this.#extra.size === 0) return;
    const { key } = this.#options;
    items.forEach((item, index) => {
      const extra = this.#extra.get(key(item));
      if (extra) this.#extraIndex.push([index, extra]);
    });
  }

  /** The row at a distance from the top of the first row (binary search over the monotonic offsets). */
  #indexAt(y: number, n: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offset(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #compute(n: number): [start: number, end: number] {
    const { overscan = 8, max = 200 } = this.#options;
    const top = Math.max(0, this.#scrollTop - this.#headHeight);
    const first = this.#indexAt(top, n);
    const last = this.#indexAt(top + this.viewport, n);
    const start = Math.max(0, first - overscan);
    return [start, Math.min(n, last + 1 + overscan, start + max)];
  }

  #measureViewport(): void {
    const height = this.#options.scroller()?.clientHeight;
    if (height && height !== this.viewport) {
      this.viewport = height;
      this.#host.requestUpdate();
    }
  }

  /** Measures the header, a collapsed row and every taller row in view; renders again if any changed. */
  #measureRows(): void {
    const root = this.#host.renderRoot;
    const { header, items: itemsOf, key } = this.#options;
    let changed = false;
    const head = header?.()?.offsetHeight;
    if (head && head !== this.#headHeight) {
      this.#headHeight = head;
      changed = true;
    }
    const collapsed = root.querySelector('[data-index]:not([aria-expanded="true"])');
    const height = collapsed?.getBoundingClientRect().height;
    if (height && Math.abs(height - this.rowHeight) > 0.1) {
      this.rowHeight = height;
      changed = true;
    }
    const items = itemsOf();
    for (const row of root.querySelectorAll<HTMLElement>('[data-index][aria-expanded="true"]')) {
      const item = items[Number(row.dataset.index)];
      if (!item) continue;
      const extra = row.getBoundingClientRect().height - this.rowHeight;
      if (Math.abs((this.#extra.get(key(item)) ?? 0) - extra) > 0.5) {
        this.#extra.set(key(item), extra);
        changed = true;
      }
    }
    if (changed) {
      this.#measureViewport();
      this.#extraIndexOf = undefined;
      this.#host.requestUpdate();
    }
  }
}
