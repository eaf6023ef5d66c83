import { createRetentionStore, type RetentionQuery } from '@acme/analytics-sdk/insights';
import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { describeError } from './errors.js';
import { dateTimeFormat, numberFormat } from './format.js';
import { InsightElement } from './insight-element.js';
import { retentionGridStyles } from './retention-grid.styles.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';

type Period = 'day' | 'week' | 'month';

const COHORT: Record<Period, Intl.DateTimeFormatOptions> = {
  day: { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' },
  week: { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' },
  month: { month: 'long', year: 'numeric', timeZone: 'UTC' },
};
const HEAD = { day: 'dayN', week: 'weekN', month: 'monthN' } as const;

/**
 * Retention cohorts as a real `<table>` (so a screen reader reads it as one, headers and all): a row per
 * cohort (the visitors whose first start event fell in that period) with its size, then the share of it
 * that came back in each later period, the cell shaded by that share. Inside an `<analytics-dashboard>`
 * (or another provider of the dashboard state) it follows the shared range, time zone and filters.
 *
 * @tagname retention-grid
 * @csspart box - The grid's box.
 * @csspart table - The `<table>`.
 * @csspart cell - A period's share (`cell-empty` when nobody could have come back yet).
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop --acme-retention-color - Shading colour (up to 45% over the background); the accent by default.
 * @cssprop --acme-color-background - Background.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Caption and column headers.
 * @cssprop --acme-color-border - Border.
 * @cssprop --acme-color-accent - Shading.
 * @cssprop --acme-color-negative - Errors.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Padding.
 */
export class RetentionGrid extends InsightElement {
  static override styles = [tokens, retentionGridStyles];

  /** The event that puts a visitor in a cohort; any by default. */
  @property({ attribute: 'start-event' })
  startEvent?: string;

  /** The event that counts as a return; any by default. */
  @property({ attribute: 'return-event' })
  returnEvent?: string;

  /** `day` (default), `week` (ISO weeks) or `month`. */
  @property()
  period: Period = 'day';

  /** Periods per cohort, its own included, 1–26 (default 8). */
  @property({ type: Number })
  periods = 8;

  /** The cohorts' days: `7d` (default), `30d`, `90d`, `12m` (any `<n>d`), ending today; ignored with `start-date`. */
  @property()
  override range = '7d';

  /** Shown title (the table's caption); "Retention" by default. */
  @property()
  label?: string;

  /** The tenant; must match the token's when given. */
  @property({ attribute: 'org-id' })
  orgId?: string;

  #retention = new StoreController(this, {
    client: () => this._client,
    params: (): RetentionQuery => {
      const query: RetentionQuery = { period: this.period, periods: this.periods, ...this._scope() };
      if (this.startEvent) query.start_event = this.startEvent;
      if (this.returnEvent) query.return_event = this.returnEvent;
      if (this.orgId) query.org_id = this.orgId;
      return query;
    },
    create: (client, query) => createRetentionStore(client, query),
  });

  /** Fetches the cohorts again. */
  refresh(): Promise<void> {
    return this.#retention.value?.refresh() ?? Promise.resolve();
  }

  override render() {
    const title = this.label || this._t('retention');
    const store = this.#retention.value;
    const data = store?.data.value;
    const error = store?.error.value;
    if (!store || (error && !data)) {
      return html`<div class="box" part="box">
        <div class="error" part="error" role="alert">
          ${
            store && error
              ? html`<span>${this._t('cardFailed', { label: title })} ${describeError(error, (key) => this._t(key))}</span>
                  <button part="retry-button" @click=${() => void this.refresh()} aria-label=${this._t('retryLabel', { label: title })}>
                    ${this._t('retry')}
                  </button>`
              : this._t('noClient')
          }
        </div>
      </div>`;
    }
    // `retained[0]` is the cohort's own period: `periods` columns in all.
    const columns = Array.from({ length: this.periods }, (_, n) => n);
    const count = numberFormat(this._locale);
    const percent = numberFormat(this._locale, { style: 'percent', maximumFractionDigits: 1 });
    const cohortName = dateTimeFormat(this._locale, COHORT[this.period]);
    // While loading, a row per cohort day of the range (as many as a daily grid will have), so the box
    // keeps its size when the figures arrive.
    const loadingRows = Math.min(this.period === 'day' ? this._range.days : 1, 31);
    return html`<div class="box" part="box" aria-busy=${data ? 'false' : 'true'}>
      <table part="table">
        <caption>${title}</caption>
        <thead>
          <tr>
            <th scope="col">${this._t('cohort')}</th>
            <th scope="col">${this._t('visitors')}</th>
            ${columns.map((n) => html`<th scope="col">${this._t(HEAD[this.period], { n })}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${
            data
              ? data.cohorts.map(
                  (cohort) => html`<tr>
                    <th scope="row">${cohortName.format(new Date(`${cohort.cohort}T00:00:00Z`))}</th>
                    <td>${count.format(cohort.size)}</td>
                    ${columns.map((n) => {
                      const retained = cohort.retained[n];
                      if (retained === undefined || !cohort.size) return html`<td part="cell-empty"></td>`;
                      const share = retained / cohort.size;
                      return html`<td
                        class="cell"
                        part="cell"
                        style="--_share:${(share * 45).toFixed(1)}%"
                        title=${this._t('retainedOf', { n: count.format(retained), size: count.format(cohort.size) })}
                      >${percent.format(share)}</td>`;
                    })}
                  </tr>`,
                )
              : Array.from(
                  { length: loadingRows },
                  () => html`<tr aria-hidden="true">
                    <td colspan=${columns.length + 2}><div class="skeleton"></div></td>
                  </tr>`,
                )
          }
        </tbody>
      </table>
      ${data ? nothing : html`<span class="sr-only" role="status">${this._t('loadingLabel', { label: title })}</span>`}
      ${data && !data.cohorts.length ? html`<p>${this._t('noData')}</p>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'retention-grid': RetentionGrid;
  }
}
