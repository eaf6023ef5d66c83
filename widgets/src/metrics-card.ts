import { createMetricsStore, type MetricsParams, type MetricsSummary } from '@acme/analytics-sdk';
import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { AnalyticsElement } from './analytics-element.js';
import { consumeDashboard } from './dashboard-state.js';
import { describeError } from './errors.js';
import { type DateRange, dateTimeFormat, formatOptions, numberFormat, periods } from './format.js';
import type { MessageKey } from './messages.js';
import { metricsCardStyles } from './metrics-card.styles.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';

// The metrics with a name in the messages; any other shows its own name.
const NAMED = new Set<string>([
  'events',
  'active_users',
  'visitors',
  'sessions',
  'pageviews',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
]);

/**
 * One metric over a period: its total, the change against the previous period of equal length, and a
 * sparkline of the daily values.
 *
 * Inside an `<analytics-dashboard>` (or another provider of the dashboard state) it follows the shared
 * range, time zone, comparison switch and filters instead of its own `range`, dates and `time-zone`.
 *
 * @tagname metrics-card
 * @csspart card - The card's box.
 * @csspart label - The metric's name.
 * @csspart value - The total.
 * @csspart change - The change against the previous period (also `change-up`, `change-down`, `change-flat`).
 * @csspart sparkline - The inline SVG of daily values.
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop --acme-color-background - Card background.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Label and period text colour.
 * @cssprop --acme-color-border - Card border.
 * @cssprop --acme-color-accent - Sparkline colour.
 * @cssprop --acme-color-positive - Colour of an increase.
 * @cssprop --acme-color-negative - Colour of a decrease and of errors.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Base spacing unit.
 */
export class MetricsCard extends AnalyticsElement {
  static override styles = [tokens, metricsCardStyles];

  /** `events`, `active_users`, `events:<type>`, or a stored metric's name. */
  @property()
  metric = 'events';

  /** `7d`, `30d`, `90d` (any `<n>d`), ending today; ignored when `start-date` is set. */
  @property()
  range = '30d';

  /** First day, `YYYY-MM-DD`, inclusive. */
  @property({ attribute: 'start-date' })
  startDate?: string;

  /** Last day, `YYYY-MM-DD`, inclusive; today by default. */
  @property({ attribute: 'end-date' })
  endDate?: string;

  /** Shown name; derived from `metric` (in the element's locale) by default. */
  @property()
  label?: string;

  /** `number` (default), `compact`, `percent`, `currency:EUR`, `unit:second`. */
  @property()
  format = 'number';

  /** IANA time zone that days are counted in; `UTC` by default. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The tenant; must match the token's when given. */
  @property({ attribute: 'org-id' })
  orgId?: string;

  #range!: { current: DateRange; previous: DateRange };
  #shared = consumeDashboard(this);

  #current = this.#store('current');
  #previous = this.#store('previous');

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Both stores key on it, and the render labels the period with it.
    const shared = this.#shared.value;
    this.#range = shared
      ? periods(shared.range, shared.start_date, shared.end_date, shared.tz)
      : periods(this.range, this.startDate, this.endDate, this.timeZone);
  }

  /** Whether the previous period is shown (always, unless a dashboard's comparison switch is off). */
  get #compare(): boolean {
    return this.#shared.value?.compare ?? true;
  }

  /** The metric over one of the two periods. */
  #store(period: 'current' | 'previous') {
    return new StoreController(this, {
      // No client, no store: the previous period is not fetched while nothing compares with it.
      client: () => (period === 'current' || this.#compare ? this._client : undefined),
      params: (): MetricsParams => {
        const { start, end } = this.#range[period];
        const shared = this.#shared.value;
        const params: MetricsParams = {
          metrics: [this.metric],
          tz: shared?.tz ?? (this.timeZone || 'UTC'),
          start_date: start,
          end_date: end,
        };
        if (shared?.filters.length) params.filter = shared.filters;
        if (this.orgId) params.org_id = this.orgId;
        return params;
      },
      create: (client, params) => createMetricsStore(client, params),
    });
  }

  /** A readable name for the metric: `events:signup` becomes "signup events". */
  #defaultLabel(): string {
    const metric = this.metric;
    if (metric.startsWith('events:')) return this._t('typeEvents', { type: metric.slice(7) });
    return NAMED.has(metric) ? this._t(metric as MessageKey) : metric.replace(/_/g, ' ');
  }

  /** Fetches both periods again. */
  refresh(): Promise<void> {
    return Promise.all([this.#current.value?.refresh(), this.#previous.value?.refresh()]).then(
      () => undefined,
    );
  }

  override render() {
    const label = this.label || this.#defaultLabel();
    const current = this.#current.value;
    const previous = this.#previous.value;
    const range = this.#range;
    const compare = this.#compare;
    if (!current) {
      return this.#frame(label, html`<p class="error" part="error" role="alert">${this._t('noClient')}</p>`);
    }
    const data = current.data.value;
    const before = previous?.data.value;
    const error = current.error.value;
    // The previous period only feeds the comparison: its failure must not hide the total.
    const noComparison = !before && !!previous?.error.value;
    if (!data && error) {
      return this.#frame(
        label,
        html`<div class="error" part="error" role="alert">
          <span>${this._t('cardFailed', { label })} ${describeError(error, (key) => this._t(key))}</span>
          <button
            part="retry-button"
            @click=${() => void this.refresh()}
            aria-label=${this._t('retryLabel', { label })}
          >
            ${this._t('retry')}
          </button>
        </div>`,
      );
    }
    if (!data) {
      // One placeholder per line of the loaded card (total, change, period, sparkline), each as tall as
      // that line, so the card keeps its height when the figures arrive.
      return this.#frame(
        label,
        html`<div class="skeleton total"></div>
          ${compare ? html`<div class="skeleton"></div>` : nothing}
          <div class="skeleton"></div>
          ${range.current.days < 2 ? nothing : html`<div class="skeleton spark"></div>`}
          <span class="sr-only" role="status">${this._t('loadingLabel', { label })}</span>`,
        true,
      );
    }

    const number = numberFormat(this._locale, formatOptions(this.format));
    const total = this.#total(data);
    const prior = before ? this.#total(before) : undefined;
    const days = range.current.days;
    const series = data.daily.map((day) => day.values[this.metric] ?? 0);
    return this.#frame(
      label,
      html`<p class="value" part="value">${number.format(total)}</p>
        ${
          !compare
            ? nothing
            : noComparison
              ? html`<p class="change" part="change">${this._t('noComparison')}</p>`
              : this.#change(total, prior, days)
        }
        <p class="period">${this.#period(range.current)}</p>
        ${this.#sparkline(series, label, number)}`,
    );
  }

  #frame(label: string, content: unknown, busy = false) {
    return html`<div class="card" part="card" role="group" aria-label=${label} aria-busy=${busy ? 'true' : 'false'}>
      <p class="label" part="label" aria-hidden="true">${label}</p>
      ${content}
    </div>`;
  }

  #total(summary: MetricsSummary): number {
    const total = summary.totals[this.metric];
    if (typeof total === 'number') return total;
    return summary.daily.reduce((sum, day) => sum + (day.values[this.metric] ?? 0), 0);
  }

  #change(total: number, prior: number | undefined, days: number) {
    const span =
      days === 1
        ? this._t('previousDay')
        : this._t('previousDays', { n: numberFormat(this._locale).format(days) });
    if (prior === undefined) return html`<p class="change" part="change">&nbsp;</p>`;
    const ratio = prior ? (total - prior) / prior : 0;
    if (!ratio) {
      // Nothing before and something now is "new", not an infinite increase.
      const words = this._t(prior || !total ? 'noChange' : 'new', { span });
      return html`<p class="change" part="change change-flat">${words}</p>`;
    }
    const direction = ratio > 0 ? 'up' : 'down';
    const percent = numberFormat(this._locale, { style: 'percent', maximumFractionDigits: 1 }).format(
      Math.abs(ratio),
    );
    const arrow = direction === 'up' ? '▲' : '▼';
    return html`<p class="change ${direction}" part="change change-${direction}">
      <span aria-hidden="true">${arrow}</span> ${this._t(direction, { percent, span })}
    </p>`;
  }

  #period(period: DateRange): string {
    const format = dateTimeFormat(this._locale, {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    });
    const date = (day: string) => new Date(`${day}T00:00:00Z`);
    return format.formatRange(date(period.start), date(period.end));
  }

  #sparkline(series: number[], label: string, number: Intl.NumberFormat) {
    if (series.length < 2) return nothing;
    const max = Math.max(...series);
    const min = Math.min(...series);
    const spread = max - min || 1;
    const step = 100 / (series.length - 1);
    // Leave a pixel of headroom so the stroke is not clipped at the extremes.
    const points = series.map(
      (v, i) => `${(i * step).toFixed(2)},${(29 - ((v - min) / spread) * 28).toFixed(2)}`,
    );
    return html`<svg
      part="sparkline"
      viewBox="0 0 100 30"
      preserveAspectRatio="none"
      role="img"
      aria-label=${this._t('sparkline', { label, n: series.length, min: number.format(min), max: number.format(max) })}
    >
      <polyline
        points=${points.join(' ')}
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        vector-effect="non-scaling-stroke"
        stroke-linejoin="round"
        stroke-linecap="round"
      />
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'metrics-card': MetricsCard;
  }
}
