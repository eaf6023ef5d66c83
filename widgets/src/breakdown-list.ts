import {
  type BreakdownQuery,
  type BreakdownResponse,
  type BreakdownStore,
  createBreakdownStore,
} from '@acme/analytics-sdk/insights';
import { html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { emit } from './analytics-element.js';
import { breakdownListStyles } from './breakdown-list.styles.js';
import type { FilterChangeDetail } from './dashboard-state.js';
import { describeError } from './errors.js';
import { formatOptions, numberFormat } from './format.js';
import { InsightElement } from './insight-element.js';
import { metricLabel } from './metric-label.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';

type Row = BreakdownResponse['data'][number];

/**
 * The top values of a dimension (pages, referrers, campaigns, countries, ...) by a metric, each with a bar
 * as long as its share of the total; "Show more" reads the next page by its cursor. Choosing a value
 * (click, or Enter) fires `filter-change` with `<dimension>==<value>`: inside an `<analytics-dashboard>`
 * (or another provider of the dashboard state) every element then narrows to it. Inside one it also
 * follows the shared range, time zone and filters.
 *
 * @tagname breakdown-list
 * @fires filter-change - A value was chosen. `detail` is `{ add: '<dimension>==<value>' }`.
 * @csspart box - The list's box.
 * @csspart label - The title.
 * @csspart list - The `<ol>` of values.
 * @csspart row - Each value's button.
 * @csspart bar - The share bar behind a value.
 * @csspart value - A value's formatted figure.
 * @csspart more-button - "Show more".
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop --acme-breakdown-bar - Bar colour (mixed to 18% over the background); the accent by default.
 * @cssprop --acme-color-background - Background.
 * @cssprop --acme-color-surface - A row under the pointer.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Title colour.
 * @cssprop --acme-color-border - Border.
 * @cssprop --acme-color-accent - Bars and buttons.
 * @cssprop --acme-color-negative - Errors.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Padding.
 */
export class BreakdownList extends InsightElement {
  static override styles = [tokens, breakdownListStyles];

  /** `path`, `referrer_host`, `utm_campaign`, `device`, `country`, `prop.<key>`, ... */
  @property()
  dimension = 'path';

  /** What the values are ranked by: `visitors` (default), `pageviews`, `events`, `sessions`, ... */
  @property()
  metric = 'visitors';

  /** Values per page (1–1000, default 10). */
  @property({ type: Number })
  limit = 10;

  /** Shown title; "<metric> by <dimension>" by default. */
  @property()
  label?: string;

  /** Values' format: `number` (default), `compact`, `percent`, `currency:EUR`, `unit:second`. */
  @property()
  format = 'number';

  /** The tenant; must match the token's when given. */
  @property({ attribute: 'org-id' })
  orgId?: string;

  /** The pages after the first, read by "Show more"; dropped with the first page's store. */
  @state()
  private _more: BreakdownStore[] = [];

  #first = new StoreController(this, {
    client: () => this._client,
    params: () => this.#query(),
    create: (client, query) => createBreakdownStore(client, query),
    onChange: () => this.#drop(),
  });

  #query(): BreakdownQuery {
    const query: BreakdownQuery = {
      dimension: this.dimension,
      metric: [this.metric],
      ...this._scope(),
      limit: this.limit,
    };
    if (this.orgId) query.org_id = this.orgId;
    return query;
  }

  #drop(): void {
    for (const store of this._more) store.dispose();
    this._more = [];
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#drop();
  }

  /** Fetches the first page again (and drops the others). */
  refresh(): Promise<void> {
    this.#drop();
    return this.#first.value?.refresh() ?? Promise.resolve();
  }

  /** Reads the page after the last one loaded. */
  showMore(): void {
    const client = this._client;
    const cursor = (this._more.at(-1) ?? this.#first.value)?.data.value?.next_cursor;
    if (!client || !cursor) return;
    this._more = [...this._more, createBreakdownStore(client, { ...this.#query(), cursor })];
  }

  #title(): string {
    return (
      this.label ||
      this._t('byDimension', {
        label: metricLabel(this.metric, this._t.bind(this)),
        dimension: this.dimension,
      })
    );
  }

  #choose(row: Row): void {
    if (row.value === null) return;
    emit<FilterChangeDetail>(this, 'filter-change', { add: `${this.dimension}==${row.value}` });
  }

  override render() {
    const title = this.#title();
    const first = this.#first.value;
    const body = !first
      ? html`<p class="error" part="error" role="alert">${this._t('noClient')}</p>`
      : first.error.value && !first.data.value
        ? html`<div class="error" part="error" role="alert">
            <span>${this._t('cardFailed', { label: title })} ${describeError(first.error.value, (key) => this._t(key))}</span>
            <button part="retry-button" @click=${() => void this.refresh()} aria-label=${this._t('retryLabel', { label: title })}>
              ${this._t('retry')}
            </button>
          </div>`
        : !first.data.value
          ? html`<ol part="list" aria-hidden="true">
                ${Array.from({ length: this.limit }, () => html`<li class="skeleton"></li>`)}
              </ol>
              <span class="sr-only" role="status">${this._t('loadingLabel', { label: title })}</span>`
          : this.#list(title, first.data.value);
    return html`<section
      class="box"
      part="box"
      style="--_rows:${Math.min(this.limit, 50)}"
      aria-label=${title}
      aria-busy=${first && !first.data.value && !first.error.value ? 'true' : 'false'}
    >
      <p class="label" part="label" aria-hidden="true">${title}</p>
      ${body}
    </section>`;
  }

  #list(title: string, page: BreakdownResponse) {
    const pages = [page, ...this._more.map((store) => store.data.value)];
    const rows = pages.flatMap((p) => p?.data ?? []);
    if (!rows.length) return html`<p class="empty">${this._t('noData')}</p>`;
    const number = numberFormat(this._locale, formatOptions(this.format));
    const total = page.totals[this.metric] || Math.max(...rows.map((r) => r.values[this.metric] ?? 0)) || 1;
    const last = this._more.at(-1);
    const loading = !!last && !last.data.value && !last.error.value;
    const next = (last ? last.data.value : page)?.next_cursor;
    return html`<ol part="list" aria-label=${this._t('filterHint', { label: title })}>
        ${rows.map((row) => {
          const value = row.values[this.metric] ?? 0;
          const share = `width:${Math.min(100, (value / total) * 100).toFixed(1)}%`;
          const content = html`<span class="bar" part="bar" style=${share}></span>
            <span class="name">${row.value ?? this._t('notSet')}</span>
            <span class="value" part="value">${number.format(value)}</span>`;
          // An unset value has no `==` filter to add.
          return html`<li>
            ${
              row.value === null
                ? html`<span class="row">${content}</span>`
                : html`<button class="row" part="row" @click=${() => this.#choose(row)}>${content}</button>`
            }
          </li>`;
        })}
      </ol>
      ${
        last?.error.value
          ? html`<p class="error" part="error" role="alert">${describeError(last.error.value, (key) => this._t(key))}</p>`
          : nothing
      }
      ${
        next || loading
          ? html`<button class="more" part="more-button" ?disabled=${loading} @click=${() => this.showMore()}>
              ${loading ? this._t('loading') : this._t('showMore')}
            </button>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'breakdown-list': BreakdownList;
  }
}
