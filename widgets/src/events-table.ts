import { type AnalyticsEvent, createEventsStore, type EventFilters } from '@acme/analytics-sdk';
import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { AnalyticsElement, emit } from './analytics-element.js';
import { describeError } from './errors.js';
import { eventsTableStyles } from './events-table.styles.js';
import { dateTimeFormat, numberFormat, summarize } from './format.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';

/** Rows rendered above and below the visible ones, so fast scrolling never shows a gap. */
const OVERSCAN = 8;
/** Upper bound on a rendered window, whatever the viewport reports. */
const MAX_WINDOW = 200;

/**
 * A live, infinitely scrolling table of events: newest first, filtered by its attributes. Only the rows
 * in view are in the DOM, so it stays smooth with tens of thousands of rows loaded. The next page loads
 * when the end of the list scrolls into view, or from the "Load more" button.
 *
 * Keyboard: Tab reaches the table (one row is in the tab order) and then the "Load more" button. In the
 * table, Up/Down move between rows, Page Up/Page Down by a screenful, Home/End to the first/last loaded
 * row; Enter or Space selects a row and shows or hides its properties; Right shows and Left hides them.
 *
 * @tagname events-table
 * @fires row-select - A row was chosen by click, Enter or Space. `detail` is the event (`AnalyticsEvent`).
 * @fires load-error - A page failed to load. `detail.error` is the `Error`.
 * @csspart frame - The bordered box around everything.
 * @csspart scroller - The scrolling viewport.
 * @csspart table - The `<table>` element.
 * @csspart header - The header row.
 * @csspart row - A data row (also `row-expanded` when its properties are shown, `row-selected` when chosen).
 * @csspart cell - Every data cell; also `time`, `type`, `user` and `properties` per column.
 * @csspart properties - The full properties of an expanded row (a `<pre>`).
 * @csspart load-more - The "Load more" button.
 * @csspart retry-button - The button that retries after an error.
 * @csspart error - The error message box.
 * @csspart empty - The message shown when no event matches.
 * @csspart skeleton - The placeholder shown while the first page loads.
 * @cssprop [--acme-table-height=480px] - Height of the scrolling viewport.
 * @cssprop [--acme-row-height=40px] - Height of a collapsed row.
 * @cssprop --acme-color-background - Background.
 * @cssprop --acme-color-surface - Header, hover and skeleton background.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Secondary text colour.
 * @cssprop --acme-color-border - Borders and rules.
 * @cssprop --acme-color-accent - Buttons and the selected row.
 * @cssprop --acme-color-accent-text - Text on buttons.
 * @cssprop --acme-color-negative - Error text.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Base spacing unit.
 */
export class EventsTable extends AnalyticsElement {
  static override styles = [tokens, eventsTableStyles];

  /** Only these event types; several may be given comma-separated. */
  @property({ attribute: 'event-type' })
  eventType?: string;

  /** Only this user's events. */
  @property({ attribute: 'user-id' })
  userId?: string;

  /** `YYYY-MM-DD` or an RFC 3339 instant, inclusive. */
  @property({ attribute: 'start-date' })
  startDate?: string;

  /** `YYYY-MM-DD` (the whole day included) or an RFC 3339 instant (exclusive). */
  @property({ attribute: 'end-date' })
  endDate?: string;

  /** Events per request, 1–1000. */
  @property({ attribute: 'page-size', type: Number })
  pageSize = 50;

  /** The tenant; must match the token's when given. */
  @property({ attribute: 'org-id' })
  orgId?: string;

  /** BCP 47 locale for dates and numbers; the browser's by default. */
  @property()
  locale?: string;

  /** IANA time zone to show times in; the browser's by default. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The table's accessible name. */
  @property()
  label = 'Events';

  @query('.scroller') private _scroller!: HTMLElement | null;
  @query('.sentinel') private _sentinel!: HTMLElement | null;

  #events = new StoreController(this, {
    client: () => this._client,
    params: () => this.filters,
    create: createEventsStore,
    onChange: () => {
      this.#lastError = null;
      this.#lastCount = 0;
      this.#reset();
    },
  });
  #lastError: Error | null = null;
  #lastCount = 0;

  // Layout: collapsed rows share one measured height; expanded rows add their measured extra height.
  #rowHeight = 40;
  #headHeight = 40;
  #viewport = 480;
  #scrollTop = 0;
  #extra = new Map<string, number>();
  #extraIndex: [index: number, extra: number][] = [];
  #extraIndexOf?: readonly AnalyticsEvent[];
  #window: [start: number, end: number] = [0, 0];

  #active = 0;
  #selected?: string;
  #expanded = new Set<string>();

  #loadMoreFocused = false;
  #io?: IntersectionObserver;
  #observed?: Element | null;
  #resize?: ResizeObserver;

  /** The filters sent with every page, from the attributes. */
  get filters(): EventFilters {
    const types = this.eventType
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const filters: EventFilters = { limit: Math.min(1000, Math.max(1, Math.trunc(this.pageSize) || 50)) };
    if (types?.length) filters.event_type = types.length === 1 ? types[0] : types;
    if (this.userId) filters.user_id = this.userId;
    if (this.startDate) filters.start_date = this.startDate;
    if (this.endDate) filters.end_date = this.endDate;
    if (this.orgId) filters.org_id = this.orgId;
    return filters;
  }

  /** The events loaded so far. */
  get events(): readonly AnalyticsEvent[] {
    return this.#events.value?.items.peek() ?? [];
  }

  /** Drops what is loaded and loads the first page again. */
  refresh(): Promise<void> {
    return this.#events.value?.refresh() ?? Promise.resolve();
  }

  /** Loads the next page (a no-op while one is in flight or when everything is loaded). */
  loadMore(): Promise<void> {
    const store = this.#events.value;
    return store?.hasMore.peek() ? store.loadMore() : Promise.resolve();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize ??= new ResizeObserver(() => this.#measureViewport());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#io?.disconnect();
    this.#io = undefined;
    this.#observed = undefined;
    this.#resize?.disconnect();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Noted before the render that may remove the button (blur does not fire for a removed element).
    this.#loadMoreFocused = this.shadowRoot?.activeElement?.getAttribute('part') === 'load-more';
  }

  override render() {
    const store = this.#events.value;
    if (!store) {
      return html`<div class="frame" part="frame">
        <p class="error" part="error" role="alert">
          No analytics client: wrap this element in an &lt;analytics-provider&gt;, set its client, or load the
          script tag.
        </p>
      </div>`;
    }
    const items = store.items.value;
    const loading = store.loading.value;
    const error = store.error.value;
    const hasMore = store.hasMore.value;
    if (items !== this.#extraIndexOf) this.#reindex(items);
    const n = items.length;
    const count = numberFormat(this.locale).format(n);

    let body: unknown;
    let status: string;
    if (n === 0 && error) {
      status = '';
      body = this.#error(error);
    } else if (n === 0 && (loading || hasMore)) {
      status = 'Loading events…';
      body = html`<div class="skeleton-rows" part="skeleton" aria-hidden="true">
        ${[0, 1, 2, 3, 4, 5].map(() => html`<div class="skeleton"></div>`)}
      </div>`;
    } else if (n === 0) {
      status = 'No events match these filters.';
      body = html`<p class="empty" part="empty">No events match these filters.</p>`;
    } else {
      status = loading
        ? `${count} events shown; loading more…`
        : `${count} events shown${hasMore ? '' : ', all loaded'}.`;
      body = this.#table(items, hasMore, loading, error);
    }
    return html`<div class="frame" part="frame">
        <div class="scroller" part="scroller" @scroll=${this.#onScroll}>
          ${body}
          <div class="sentinel" aria-hidden="true"></div>
        </div>
      </div>
      <div class="sr-only" role="status">${status}</div>`;
  }

  #table(items: readonly AnalyticsEvent[], hasMore: boolean, loading: boolean, error: Error | null) {
    const n = items.length;
    const [start, end] = this.#computeWindow(n);
    this.#window = [start, end];
    const top = this.#offset(start);
    const bottom = this.#offset(n) - this.#offset(end);
    const focusable = this.#active >= start && this.#active < end ? this.#active : start;
    const time = dateTimeFormat(this.locale, {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: this.timeZone,
    });
    // Heights are applied through the CSSOM in updated(): a style attribute would break under a strict CSP.
    const spacer = (height: number) =>
      height > 0
        ? html`<tr class="spacer" aria-hidden="true">
            <td colspan="4" data-height=${height}></td>
          </tr>`
        : nothing;

    return html`<table
        part="table"
        role="treegrid"
        aria-label=${this.label}
        aria-readonly="true"
        aria-rowcount=${hasMore ? -1 : n + 1}
        aria-busy=${loading ? 'true' : 'false'}
      >
        <thead>
          <tr part="header" aria-rowindex="1">
            <th scope="col" class="time">Time</th>
            <th scope="col" class="type">Type</th>
            <th scope="col" class="user">User</th>
            <th scope="col">Properties</th>
          </tr>
        </thead>
        <tbody @click=${this.#onClick} @keydown=${this.#onKeydown} @focusin=${this.#onFocusin}>
          ${spacer(top)}
          ${repeat(
            items.slice(start, end),
            (event) => event.event_id,
            (event, k) => {
              const index = start + k;
              const expanded = this.#expanded.has(event.event_id);
              const selected = this.#selected === event.event_id;
              const parts = `row${expanded ? ' row-expanded' : ''}${selected ? ' row-selected' : ''}`;
              // Text bindings only: property values are untrusted and must never become markup.
              return html`<tr
                class="row"
                part=${parts}
                data-index=${index}
                aria-rowindex=${index + 2}
                aria-level="1"
                aria-expanded=${expanded ? 'true' : 'false'}
                aria-selected=${selected ? 'true' : 'false'}
                tabindex=${index === focusable ? 0 : -1}
              >
                <td part="cell time"><time datetime=${event.timestamp}>${this.#time(time, event.timestamp)}</time></td>
                <td part="cell type">${event.event_type}</td>
                <td part="cell user">${event.user_id ?? html`<span class="muted">anonymous</span>`}</td>
                <td part="cell properties">
                  ${
                    expanded
                      ? html`<pre part="properties">${JSON.stringify(event.properties, null, 2)}</pre>`
                      : summarize(event.properties)
                  }
                </td>
              </tr>`;
            },
          )}
          ${spacer(bottom)}
        </tbody>
      </table>
      ${
        error
          ? this.#error(error)
          : html`<div class="footer">
              ${
                hasMore
                  ? html`<button
                      part="load-more"
                      aria-disabled=${loading ? 'true' : 'false'}
                      @click=${this.#onLoadMoreClick}
                    >
                      ${loading ? 'Loading…' : 'Load more'}
                    </button>`
                  : html`<span class="done" tabindex="-1">All ${numberFormat(this.locale).format(n)} events loaded</span>`
              }
            </div>`
      }`;
  }

  #error(error: Error) {
    return html`<div class="error" part="error" role="alert">
      <span>Couldn't load events. ${describeError(error)}</span>
      <button part="retry-button" @click=${this.#retry}>Retry</button>
    </div>`;
  }

  #time(format: Intl.DateTimeFormat, timestamp: string): string {
    const date = new Date(timestamp);
    return Number.isNaN(date.getTime()) ? timestamp : format.format(date);
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    for (const td of this.renderRoot.querySelectorAll<HTMLElement>('td[data-height]')) {
      td.style.height = `${td.dataset.height}px`;
    }
    const store = this.#events.value;
    const error = store?.error.peek() ?? null;
    if (error && error !== this.#lastError) emit(this, 'load-error', { error });
    this.#lastError = error;

    // The "Load more" button leaves with the last page; keep a keyboard user's focus nearby.
    if (this.#loadMoreFocused && !this.renderRoot.querySelector('[part="load-more"]')) {
      this.#loadMoreFocused = false;
      this.renderRoot.querySelector<HTMLElement>('.done')?.focus();
    }

    const scroller = this._scroller;
    if (scroller) this.#resize?.observe(scroller);
    this.#measureRows();

    // Observing again makes the observer report the sentinel's current state, which catches a page so
    // short that the end of the list is still in view after it loaded.
    const count = store?.items.peek().length ?? 0;
    const sentinel = this._sentinel;
    if (sentinel !== this.#observed || count !== this.#lastCount) {
      this.#lastCount = count;
      this.#observe(scroller, sentinel);
    }
  }

  #observe(scroller: HTMLElement | null, sentinel: HTMLElement | null): void {
    if (this.#io && this.#observed) this.#io.unobserve(this.#observed);
    this.#observed = sentinel;
    if (!scroller || !sentinel) return;
    this.#io ??= new IntersectionObserver(
      (entries) => {
        if (entries.at(-1)?.isIntersecting) this.#autoLoad();
      },
      { root: scroller, rootMargin: '0px 0px 200px 0px' },
    );
    this.#io.observe(sentinel);
  }

  #autoLoad(): void {
    const store = this.#events.value;
    // Only after the first page arrived (the store loads that itself), never while a page is in flight,
    // and never on its own after an error: that waits for the retry button.
    if (!store || store.loading.peek() || store.error.peek() || !store.hasMore.peek()) return;
    if (store.items.peek().length === 0) return;
    void store.loadMore();
  }

  #onLoadMoreClick = (): void => {
    const store = this.#events.value;
    if (store && !store.loading.peek()) void store.loadMore();
  };

  #retry = (): void => {
    const store = this.#events.value;
    if (!store) return;
    void (store.items.peek().length ? store.loadMore() : store.refresh());
  };

  // --- windowing -------------------------------------------------------------------------------------

  #reset(): void {
    this.#extra.clear();
    this.#extraIndexOf = undefined;
    this.#expanded.clear();
    this.#active = 0;
    this.#selected = undefined;
    this.#scrollTop = 0;
    if (this._scroller) this._scroller.scrollTop = 0;
  }

  /** Indexes the expanded rows once per list change, so layout math stays O(expanded) per frame. */
  #reindex(items: readonly AnalyticsEvent[]): void {
    this.#extraIndexOf = items;
    this.#extraIndex = [];
    if (this.#extra.size === 0) return;
    items.forEach((event, index) => {
      const extra = this.#extra.get(event.event_id);
      if (extra) this.#extraIndex.push([index, extra]);
    });
  }

  /** Distance from the top of the body to the top of row `index`. */
  #offset(index: number): number {
    let offset = index * this.#rowHeight;
    for (const [i, extra] of this.#extraIndex) {
      if (i >= index) break;
      offset += extra;
    }
    return offset;
  }

  /** The row at a distance from the top of the body (binary search over the monotonic offsets). */
  #indexAt(y: number, n: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#offset(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #computeWindow(n: number): [number, number] {
    const top = Math.max(0, this.#scrollTop - this.#headHeight);
    const first = this.#indexAt(top, n);
    const last = this.#indexAt(top + this.#viewport, n);
    const start = Math.max(0, first - OVERSCAN);
    return [start, Math.min(n, last + 1 + OVERSCAN, start + MAX_WINDOW)];
  }

  #onScroll = (): void => {
    const scroller = this._scroller;
    if (!scroller) return;
    this.#scrollTop = scroller.scrollTop;
    const [start, end] = this.#computeWindow(this.#events.value?.items.peek().length ?? 0);
    if (start !== this.#window[0] || end !== this.#window[1]) this.requestUpdate();
  };

  #measureViewport(): void {
    const scroller = this._scroller;
    if (!scroller) return;
    const height = scroller.clientHeight;
    if (height > 0 && height !== this.#viewport) {
      this.#viewport = height;
      this.requestUpdate();
    }
  }

  /** Measures the header, a collapsed row and every expanded row in view; re-renders if any changed. */
  #measureRows(): void {
    const root = this.renderRoot;
    let changed = false;
    const head = root.querySelector('thead');
    if (head?.offsetHeight && head.offsetHeight !== this.#headHeight) {
      this.#headHeight = head.offsetHeight;
      changed = true;
    }
    const collapsed = root.querySelector<HTMLElement>('tr.row[aria-expanded="false"]');
    const height = collapsed?.getBoundingClientRect().height;
    if (height && Math.abs(height - this.#rowHeight) > 0.1) {
      this.#rowHeight = height;
      changed = true;
    }
    const items = this.#events.value?.items.peek() ?? [];
    for (const row of root.querySelectorAll<HTMLElement>('tr.row[aria-expanded="true"]')) {
      const event = items[Number(row.dataset.index)];
      if (!event) continue;
      const extra = row.getBoundingClientRect().height - this.#rowHeight;
      if (Math.abs((this.#extra.get(event.event_id) ?? 0) - extra) > 0.5) {
        this.#extra.set(event.event_id, extra);
        changed = true;
      }
    }
    if (changed) {
      this.#measureViewport();
      this.#extraIndexOf = undefined;
      this.requestUpdate();
    }
  }

  // --- keyboard and pointer --------------------------------------------------------------------------

  #rowIndex(event: Event): number | undefined {
    const row = (event.target as Element).closest?.('tr.row') as HTMLElement | null;
    return row ? Number(row.dataset.index) : undefined;
  }

  #onFocusin = (event: FocusEvent): void => {
    const index = this.#rowIndex(event);
    if (index !== undefined) this.#active = index;
  };

  #onClick = (event: MouseEvent): void => {
    const index = this.#rowIndex(event);
    if (index !== undefined) this.#choose(index);
  };

  #onKeydown = (event: KeyboardEvent): void => {
    const index = this.#rowIndex(event);
    if (index === undefined) return;
    const n = this.#events.value?.items.peek().length ?? 0;
    const page = Math.max(1, Math.floor(this.#viewport / this.#rowHeight) - 1);
    let target: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        target = index + 1;
        break;
      case 'ArrowUp':
        target = index - 1;
        break;
      case 'PageDown':
        target = index + page;
        break;
      case 'PageUp':
        target = index - page;
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = n - 1;
        break;
      case 'Enter':
      case ' ':
        this.#choose(index);
        break;
      case 'ArrowRight':
      case 'ArrowLeft':
        this.#setExpanded(index, event.key === 'ArrowRight');
        break;
      default:
        return;
    }
    event.preventDefault();
    if (target !== undefined) void this.#focusRow(Math.max(0, Math.min(n - 1, target)));
  };

  /** Selects a row, toggles its properties, and tells listeners. */
  #choose(index: number): void {
    const event = this.#events.value?.items.peek()[index];
    if (!event) return;
    this.#active = index;
    this.#selected = event.event_id;
    this.#setExpanded(index, !this.#expanded.has(event.event_id));
    emit(this, 'row-select', event);
  }

  #setExpanded(index: number, expanded: boolean): void {
    const event = this.#events.value?.items.peek()[index];
    if (!event) return;
    if (expanded) this.#expanded.add(event.event_id);
    else {
      this.#expanded.delete(event.event_id);
      this.#extra.delete(event.event_id);
      this.#extraIndexOf = undefined;
    }
    this.requestUpdate();
  }

  /** Scrolls a row into the rendered window if needed, then focuses it. */
  async #focusRow(index: number): Promise<void> {
    this.#active = index;
    const scroller = this._scroller;
    if (scroller) {
      const top = this.#offset(index);
      const bottom =
        top +
        this.#rowHeight +
        (this.#extra.get(this.#events.value?.items.peek()[index]?.event_id ?? '') ?? 0);
      const visible = this.#viewport - this.#headHeight;
      if (top < scroller.scrollTop) scroller.scrollTop = top;
      else if (bottom > scroller.scrollTop + visible) scroller.scrollTop = bottom - visible;
      this.#scrollTop = scroller.scrollTop;
    }
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot
      .querySelector<HTMLElement>(`tr.row[data-index="${index}"]`)
      ?.focus({ preventScroll: true });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'events-table': EventsTable;
  }
  interface HTMLElementEventMap {
    'row-select': CustomEvent<AnalyticsEvent>;
    'load-error': CustomEvent<{ error: Error }>;
  }
}
