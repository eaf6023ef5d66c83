import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { analyticsDashboardStyles } from './analytics-dashboard.styles.js';
import { AnalyticsElement } from './analytics-element.js';
import { type DashboardState, DashboardStateController } from './dashboard-state.js';
import { tokens } from './tokens.styles.js';

const DEFAULT_METRICS = 'events,active_users';
/** The insights layout's key figures, unless `metrics` names others. */
const KPIS = 'visitors,pageviews,bounce_rate,avg_session_duration,events';
const FORMATS: Record<string, string> = { bounce_rate: 'percent', avg_session_duration: 'unit:second' };
/** The insights layout's breakdowns: dimension, metric, title. */
const BREAKDOWNS = [
  ['path', 'pageviews', 'topPages'],
  ['referrer_host', 'visitors', 'referrers'],
  ['utm_campaign', 'visitors', 'campaigns'],
  ['device', 'visitors', 'devices'],
  ['country', 'visitors', 'countries'],
  ['event_type', 'events', 'eventTypes'],
] as const;

/**
 * The one-tag dashboard: a date range picker, a metrics card per metric, the event-type filter and the
 * events table. It provides the dashboard state (range, comparison, time zone, filters) to every element
 * inside it, its own and those slotted in, which follow it; the picker sets the range, and any element
 * can add or remove a filter with a `filter-change` event (`detail: { add?, remove? }`).
 *
 * With `sync-url`, the range, comparison and filters are kept in the page's query string (`range`,
 * `start_date`, `end_date`, `compare`, repeated `filter`; replaced, not pushed) and read back on load,
 * so a link or a reload shows the same view.
 *
 * With `layout="insights"` it is a full report: key figures (visitors, page views, bounce rate, visit
 * duration, events; or `metrics` when set to other ones) with their change, the visitors' trend, and the
 * top pages, referrers, campaigns, devices, countries and event types, each of which filters the whole
 * dashboard when a value is chosen; the filters in effect are listed above, each with a button to remove it.
 *
 * @tagname analytics-dashboard
 * @slot heading - Content above the picker and cards (a title, say).
 * @slot - More elements after the cards (charts, breakdowns); they follow the shared state too.
 * @fires range-change - From the picker: the range or the comparison changed. `detail` is `{ range, start_date?, end_date?, compare }`.
 * @fires change - From the filter: the chosen event type changed.
 * @fires row-select - From the table: a row was chosen. `detail` is the event.
 * @fires load-error - From the table: a page failed to load. `detail.error` is the `Error`.
 * @csspart picker - The `<date-range-picker>`.
 * @csspart cards - The grid of metrics cards.
 * @csspart card - Each `<metrics-card>`.
 * @csspart filter - The `<event-type-select>`.
 * @csspart table - The `<events-table>`.
 * @csspart filters - The list of filters in effect (insights layout).
 * @csspart remove-filter - A filter's remove button.
 * @csspart trend - The `<trend-chart>` (insights layout).
 * @csspart breakdowns - The grid of `<breakdown-list>`s (insights layout).
 * @csspart breakdown - Each `<breakdown-list>`.
 * @cssprop [--acme-dashboard-card-min=14em] - Narrowest a card gets before the grid wraps.
 * @cssprop [--acme-dashboard-breakdown-min=20em] - Narrowest a breakdown gets before the grid wraps.
 * @cssprop --acme-space - Gap between the pieces and padding.
 * @cssprop --acme-color-surface - Background behind the pieces.
 * @cssprop --acme-radius - Corner radius.
 */
export class AnalyticsDashboard extends AnalyticsElement {
  static override styles = [tokens, analyticsDashboardStyles];

  /** Comma-separated metrics, one card each. */
  @property()
  metrics = DEFAULT_METRICS;

  /** The period: `today`, `7d`, `30d`, `90d`, `12m` (any `<n>d`), or `custom` with `start-date` and `end-date`. */
  @property()
  range = '30d';

  /** First day of a custom range, `YYYY-MM-DD`. */
  @property({ attribute: 'start-date' })
  startDate?: string;

  /** Last day of a custom range, `YYYY-MM-DD`. */
  @property({ attribute: 'end-date' })
  endDate?: string;

  /** The cards compare with the previous period; `compare="false"` turns it off. */
  @property({ converter: { fromAttribute: (value) => value !== 'false' } })
  compare = true;

  /** `<dimension><op><value>` filters every element inside reads with (`country==DE`, `prop.plan==pro`). */
  @property({ attribute: false })
  filters: string[] = [];

  /** Keep the range, comparison and filters in the page URL's query, and start from it. */
  @property({ attribute: 'sync-url', type: Boolean })
  syncUrl = false;

  /** `classic` (default: cards, filter, table) or `insights` (key figures, trend, breakdowns, table). */
  @property({ reflect: true })
  layout: 'classic' | 'insights' = 'classic';

  /** Count the events of bots in the trend and the breakdowns too (insights layout). */
  @property({ attribute: 'include-bots', type: Boolean })
  includeBots = false;

  /** Events per page in the table. */
  @property({ attribute: 'page-size', type: Number })
  pageSize = 50;

  /** IANA time zone for days and times. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The event type the table shows (`''` for all); follows the filter. */
  @state()
  private _eventType = '';

  // Changes from inside (the picker, a filter-change, the methods) land in the properties, which stay the
  // one source the state is made from (willUpdate).
  #state = new DashboardStateController(this, {}, (next) => {
    this.range = next.range;
    this.startDate = next.start_date;
    this.endDate = next.end_date;
    this.compare = next.compare;
    this.filters = next.filters;
  });

  /** The shared state the elements inside follow. */
  get state(): DashboardState {
    return this.#state.value;
  }

  /** Narrows every element inside by one more filter. */
  addFilter(filter: string): void {
    this.#state.addFilter(filter);
  }

  removeFilter(filter: string): void {
    this.#state.removeFilter(filter);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!this.hasUpdated && this.syncUrl) this.#readUrl();
    this.#state.set({
      range: this.range,
      start_date: this.startDate,
      end_date: this.endDate,
      compare: this.compare,
      tz: this.timeZone || 'UTC',
      filters: this.filters,
    });
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Not in the update that turned it on (the first, for the attribute): opening a page must not rewrite
    // its address with the defaults.
    if (this.syncUrl && !changed.has('syncUrl')) this.#writeUrl();
  }

  #readUrl(): void {
    const query = new URLSearchParams(location.search);
    this.range = query.get('range') || this.range;
    this.startDate = query.get('start_date') || this.startDate;
    this.endDate = query.get('end_date') || this.endDate;
    if (query.has('compare')) this.compare = query.get('compare') !== '0';
    if (query.has('filter')) this.filters = query.getAll('filter');
  }

  #writeUrl(): void {
    const { range, start_date, end_date, compare, filters } = this.#state.value;
    const url = new URL(location.href);
    const query = url.searchParams;
    for (const key of ['start_date', 'end_date', 'filter']) query.delete(key);
    query.set('range', range);
    if (start_date && end_date) {
      query.set('start_date', start_date);
      query.set('end_date', end_date);
    }
    query.set('compare', compare ? '1' : '0');
    for (const filter of filters) query.append('filter', filter);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }

  override render() {
    const client = this._client;
    const insights = this.layout === 'insights';
    const metrics = (insights && this.metrics === DEFAULT_METRICS ? KPIS : this.metrics)
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const locale = ifDefined(this.locale);
    const theme = ifDefined(this.theme);
    return html`<slot name="heading"></slot>
      <date-range-picker part="picker" locale=${locale} theme=${theme}></date-range-picker>
      ${insights ? this.#filters() : nothing}
      <div class="cards" part="cards">
        ${metrics.map(
          (metric) =>
            html`<metrics-card
              part="card"
              .client=${client}
              metric=${metric}
              format=${FORMATS[metric] ?? 'number'}
              locale=${locale}
              theme=${theme}
              time-zone=${ifDefined(this.timeZone)}
            ></metrics-card>`,
        )}
      </div>
      ${insights ? this.#insights() : nothing}
      <slot></slot>
      <event-type-select
        part="filter"
        .client=${client}
        .value=${this._eventType}
        locale=${locale}
        theme=${theme}
        @change=${this.#onFilter}
      ></event-type-select>
      <events-table
        part="table"
        .client=${client}
        event-type=${this._eventType}
        page-size=${this.pageSize}
        locale=${locale}
        theme=${theme}
        time-zone=${ifDefined(this.timeZone)}
      ></events-table>`;
  }

  /** The filters in effect, each a button that removes it. */
  #filters() {
    const filters = this.#state.value.filters;
    return html`<ul class="filters" part="filters" aria-label=${this._t('filtersLabel')}>
      ${filters.map(
        (filter) => html`<li>
          <button part="remove-filter" @click=${() => this.removeFilter(filter)} aria-label=${this._t('removeFilter', { filter })}>
            ${filter} <span aria-hidden="true">×</span>
          </button>
        </li>`,
      )}
    </ul>`;
  }

  #insights() {
    const client = this._client;
    const locale = ifDefined(this.locale);
    const theme = ifDefined(this.theme);
    return html`<trend-chart
        part="trend"
        .client=${client}
        metric="visitors,pageviews"
        type="area"
        ?include-bots=${this.includeBots}
        locale=${locale}
        theme=${theme}
      ></trend-chart>
      <div class="breakdowns" part="breakdowns">
        ${BREAKDOWNS.map(
          ([dimension, metric, label]) => html`<breakdown-list
            part="breakdown"
            .client=${client}
            dimension=${dimension}
            metric=${metric}
            limit="5"
            label=${this._t(label)}
            ?include-bots=${this.includeBots}
            locale=${locale}
            theme=${theme}
          ></breakdown-list>`,
        )}
      </div>`;
  }

  #onFilter = (event: Event): void => {
    this._eventType = (event.target as HTMLElement & { value: string }).value;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'analytics-dashboard': AnalyticsDashboard;
  }
}
