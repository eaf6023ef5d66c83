import { type AnalyticsEvent, createEventsStore, type EventFilters } from '@acme/analytics-sdk';
import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { AnalyticsElement, emit } from './analytics-element.js';
import { consumeDashboard } from './dashboard-state.js';
import { describeError } from './errors.js';
import { eventsTableStyles } from './events-table.styles.js';
import { addDays, dateTimeFormat, numberFormat, periods, startOfDay, summarize } from './format.js';
import { GridKeyboardController } from './grid-keyboard-controller.js';
import { ReachEndController } from './reach-end-controller.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';
import { WindowingController } from './windowing-controller.js';

/**
 * A live, infinitely scrolling table of events: newest first, filtered by its attributes. Only the rows
 * in view are in the DOM, so it stays smooth with tens of thousands of rows loaded. The next page loads
 * when the end of the list scrolls into view, or from the "Load more" button.
 *
 * Keyboard: Tab reaches the table (one row is in the tab order) and then the "Load more" button. In the
 * table, Up/Down move between rows, Page Up/Page Down by a screenful, Home/End to the first/last loaded
 * row; Enter or Space selects a row and shows or hides its properties; Right shows and Left hides them.
 *
 * Inside an `<analytics-dashboard>` (or another provider of the dashboard state) it shows the shared
 * range (days counted in the shared time zone) instead of its own dates, narrowed by the shared filters
 * as well as its own `event-type` and `user-id`.
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

  /** IANA time zone to show times in; the browser's by default. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The table's accessible name; "Events" in the element's locale by default. */
  @property()
  label?: string;

  @query('.scroller') private _scroller!: HTMLElement | null;

  #shared = consumeDashboard(this);

  #events = new StoreController(this, {
    client: () => this._client,
    params: () => this.filters,
    create: createEventsStore,
    onChange: () => {
      this.#lastError = null;
      this.#expanded.clear();
      this.#selected = undefined;
      this.#rows.reset();
      this.#keys.reset();
    },
  });
  // Typed, not inferred: inference runs through `this` and fails when another program checks this file
  // after one that reaches the element first (the dashboard, which loads it lazily).
  #rows: WindowingController<AnalyticsEvent> = new WindowingController(this, {
    scroller: () => this._scroller,
    header: (): HTMLTableSectionElement | null => this.renderRoot.querySelector('thead'),
    items: () => this.events,
    key: (event) => event.event_id,
  });
  #keys = new GridKeyboardController(this, {
    count: () => this.events.length,
    page: () => this.#rows.page,
    reveal: (index) => this.#rows.reveal(index),
    choose: (index) => this.#choose(index),
    expand: (index, expanded) => this.#setExpanded(index, expanded),
  });
  #lastError: Error | null = null;
  #selected?: string;
  #expanded = new Set<string>();
  #loadMoreFocused = false;

  constructor() {
    super();
    // Infinite scroll: the next page loads as the end of the list comes into view.
    new ReachEndController(this, {
      root: () => this._scroller,
      sentinel: () => this.renderRoot.querySelector('.sentinel'),
      count: () => this.events.length,
      onReach: () => this.#autoLoad(),
    });
  }

  /** The filters sent with every page: the attributes, and the dashboard's range and filters inside one. */
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
    const shared = this.#shared.value;
    if (shared) {
      const { start, end } = periods(shared.range, shared.start_date, shared.end_date, shared.tz).current;
      // The API's plain dates are UTC days; another zone's days go as the instants they start at.
      const utc = shared.tz === 'UTC';
      filters.start_date = utc ? start : startOfDay(start, shared.tz);
      filters.end_date = utc ? end : startOfDay(addDays(end, 1), shared.tz);
      if (shared.filters.length) filters.filter = shared.filters;
    }
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

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Noted before the render that may remove the button (blur does not fire for a removed element).
    this.#loadMoreFocused = this.shadowRoot?.activeElement?.getAttribute('part') === 'load-more';
  }

  override render() {
    const store = this.#events.value;
    if (!store) {
      return html`<div class="frame" part="frame">
        <p class="error" part="error" role="alert">${this._t('noClientTable')}</p>
      </div>`;
    }
    const items = store.items.value;
    const loading = store.loading.value;
    const error = store.error.value;
    const hasMore = store.hasMore.value;
    const n = items.length;
    const count = numberFormat(this._locale).format(n);

    let body: unknown;
    let status: string;
    if (n === 0 && error) {
      status = '';
      body = this.#error(error);
    } else if (n === 0 && (loading || hasMore)) {
      status = this._t('loadingEvents');
      // Header-and-rows placeholders in the frame's full height (see `full` below); past it they are clipped.
      body = html`<div class="skeleton-rows" part="skeleton" aria-hidden="true">
        ${Array.from({ length: 21 }, () => html`<div><div class="skeleton"></div></div>`)}
      </div>`;
    } else if (n === 0) {
      status = this._t('noEvents');
      body = html`<p class="empty" part="empty">${status}</p>`;
    } else {
      status = this._t(loading ? 'shownLoading' : hasMore ? 'shown' : 'shownAll', { count });
      body = this.#table(items, hasMore, loading, error);
    }
    // While pages are still to come the viewport keeps its full height, so neither the first page nor a
    // short one (which the next pages then fill) moves what is below the table; only the last page may
    // leave it shorter.
    return html`<div class="frame" part="frame">
        <div class=${hasMore && !error ? 'scroller full' : 'scroller'} part="scroller" @scroll=${this.#rows.onScroll}>
          ${body}
          <div class="sentinel" aria-hidden="true"></div>
        </div>
      </div>
      <div class="sr-only" role="status">${status}</div>`;
  }

  #table(items: readonly AnalyticsEvent[], hasMore: boolean, loading: boolean, error: Error | null) {
    const n = items.length;
    const anonymous = this._t('anonymous');
    const { start, end, before, after } = this.#rows.range();
    const time = dateTimeFormat(this._locale, {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: this.timeZone,
    });
    // The windowing controller sizes it (through the CSSOM: a style attribute would break under a strict CSP).
    const spacer = (height: number) =>
      height > 0
        ? html`<tr class="spacer" aria-hidden="true">
            <td colspan="4" data-height=${height}></td>
          </tr>`
        : nothing;

    return html`<table
        part="table"
        role="treegrid"
        aria-label=${this.label || this._t('tableLabel')}
        aria-readonly="true"
        aria-rowcount=${hasMore ? -1 : n + 1}
        aria-busy=${loading ? 'true' : 'false'}
      >
        <thead>
          <tr part="header" aria-rowindex="1">
            <th scope="col" class="time">${this._t('time')}</th>
            <th scope="col" class="type">${this._t('type')}</th>
            <th scope="col" class="user">${this._t('user')}</th>
            <th scope="col">${this._t('properties')}</th>
          </tr>
        </thead>
        <tbody @click=${this.#keys.onClick} @keydown=${this.#keys.onKeydown} @focusin=${this.#keys.onFocusin}>
          ${spacer(before)}
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
                tabindex=${this.#keys.tabIndex(index, start, end)}
              >
                <td part="cell time"><time datetime=${event.timestamp}>${this.#time(time, event.timestamp)}</time></td>
                <td part="cell type">${event.event_type}</td>
                <td part="cell user">${event.user_id ?? html`<span class="muted">${anonymous}</span>`}</td>
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
          ${spacer(after)}
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
                      ${this._t(loading ? 'loading' : 'loadMore')}
                    </button>`
                  : html`<span class="done" tabindex="-1">
                      ${this._t('allLoaded', { count: numberFormat(this._locale).format(n) })}
                    </span>`
              }
            </div>`
      }`;
  }

  #error(error: Error) {
    return html`<div class="error" part="error" role="alert">
      <span>${this._t('eventsFailed')} ${describeError(error, (key) => this._t(key))}</span>
      <button part="retry-button" @click=${this.#retry}>${this._t('retry')}</button>
    </div>`;
  }

  #time(format: Intl.DateTimeFormat, timestamp: string): string {
    const date = new Date(timestamp);
    return Number.isNaN(date.getTime()) ? timestamp : format.format(date);
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const error = this.#events.value?.error.peek() ?? null;
    if (error && error !== this.#lastError) emit(this, 'load-error', { error });
    this.#lastError = error;

    // The "Load more" button leaves with the last page; keep a keyboard user's focus nearby.
    if (this.#loadMoreFocused && !this.renderRoot.querySelector('[part="load-more"]')) {
      this.#loadMoreFocused = false;
      this.renderRoot.querySelector<HTMLElement>('.done')?.focus();
    }
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

  /** Selects a row, toggles its properties, and tells listeners. */
  #choose(index: number): void {
    const event = this.events[index];
    if (!event) return;
    this.#selected = event.event_id;
    this.#setExpanded(index, !this.#expanded.has(event.event_id));
    emit(this, 'row-select', event);
  }

  #setExpanded(index: number, expanded: boolean): void {
    const event = this.events[index];
    if (!event) return;
    if (expanded) this.#expanded.add(event.event_id);
    else {
      this.#expanded.delete(event.event_id);
      this.#rows.forget(event.event_id);
    }
    this.requestUpdate();
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
