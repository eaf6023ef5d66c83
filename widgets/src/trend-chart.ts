import { createTrendsStore, type TrendSeries, type TrendsQuery } from '@acme/analytics-sdk/insights';
import { html, nothing, type PropertyValues, svg } from 'lit';
import { property, state } from 'lit/decorators.js';
import { describeError } from './errors.js';
import { dateTimeFormat, formatOptions, numberFormat } from './format.js';
import { InsightElement } from './insight-element.js';
import { metricLabel } from './metric-label.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';
import { trendChartStyles } from './trend-chart.styles.js';

type Interval = 'hour' | 'day' | 'week' | 'month';

/** Room for the axes' labels around the plot, in px. */
const PAD = { top: 8, right: 8, bottom: 22, left: 44 };
const COLORS = 6;

/** The smallest "round" step (1, 2, 2.5 or 5 times a power of ten) at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

// Tick and tooltip formats per bucket size; always in the chart's time zone.
const TICK: Record<Interval, Intl.DateTimeFormatOptions> = {
  hour: { hour: 'numeric' },
  day: { month: 'short', day: 'numeric' },
  week: { month: 'short', day: 'numeric' },
  month: { month: 'short', year: 'numeric' },
};
const FULL: Record<Interval, Intl.DateTimeFormatOptions> = {
  hour: { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' },
  day: { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' },
  week: { month: 'short', day: 'numeric', year: 'numeric' },
  month: { month: 'long', year: 'numeric' },
};

interface Line {
  name: string;
  values: number[];
  /** The previous period's values, bucket by bucket, when comparing. */
  before?: number[];
}

/**
 * Metrics over time as an SVG line, area or bar chart (no chart library): one or more metrics, or one
 * metric broken down by a dimension (a series per top value, then "Other"), with the previous period as
 * a dashed series when comparing. The chart is focusable: the arrow keys (and the pointer) move between
 * buckets, a tooltip shows the values and a live region reads them out; a visually hidden table holds all
 * of the data for screen readers.
 *
 * Inside an `<analytics-dashboard>` (or another provider of the dashboard state) it follows the shared
 * range, time zone, comparison switch and filters instead of its own attributes.
 *
 * @tagname trend-chart
 * @csspart chart - The chart's box.
 * @csspart label - The chart's title.
 * @csspart plot - The focusable drawing area (SVG, tooltip).
 * @csspart tooltip - The values of the bucket under the pointer or the keyboard.
 * @csspart legend - The list of series.
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop [--acme-chart-height=240px] - Height of the plot, reserved while loading.
 * @cssprop --acme-chart-color-1 - First series (the accent colour by default); `--acme-chart-color-2` … `-6` the next ones.
 * @cssprop --acme-color-background - Chart and tooltip background.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Axis labels.
 * @cssprop --acme-color-border - Border and grid lines.
 * @cssprop --acme-color-accent - The first series' colour.
 * @cssprop --acme-color-negative - Errors.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Padding.
 */
export class TrendChart extends InsightElement {
  static override styles = [tokens, trendChartStyles];

  /** Comma-separated metrics (`visitors`, `pageviews`, `events`, `events:<type>`, ...), one series each. */
  @property()
  metric = 'visitors';

  /** `line` (default), `area` or `bar`. */
  @property()
  type: 'line' | 'area' | 'bar' = 'line';

  /** `hour` (ranges up to 31 days), `day` (default), `week` or `month`. */
  @property()
  interval: Interval = 'day';

  /** A dimension (`path`, `country`, `prop.plan`, ...): a series of the first metric per top value. */
  @property()
  breakdown?: string;

  /** With `breakdown`: values shown (1–50, default 5) before "Other". */
  @property({ type: Number })
  limit?: number;

  /** Also draw the previous period (dashed). Inside a dashboard, its comparison switch decides. */
  @property({ type: Boolean })
  compare = false;

  /** Shown title; derived from the metrics by default. */
  @property()
  label?: string;

  /** Values' format: `number` (default), `compact`, `percent`, `currency:EUR`, `unit:second`. */
  @property()
  format = 'number';

  /** The tenant; must match the token's when given. */
  @property({ attribute: 'org-id' })
  orgId?: string;

  /** The bucket under the pointer or the keyboard. */
  @state()
  private _active?: number;

  /** The plot's size in px: it is drawn to it, so text and strokes keep their size. */
  @state()
  private _size = { width: 0, height: 0 };

  #resize?: ResizeObserver;
  #box?: Element;
  #trends = new StoreController(this, {
    client: () => this._client,
    params: (): TrendsQuery => {
      const metrics = this.#metrics;
      const query: TrendsQuery = {
        metric: this.breakdown ? metrics.slice(0, 1) : metrics,
        ...this._scope(),
        interval: this.interval,
      };
      if (this.breakdown) query.breakdown = this.breakdown;
      if (this.breakdown && this.limit) query.limit = this.limit;
      if (this.#compare) query.compare = 'previous';
      if (this.orgId) query.org_id = this.orgId;
      return query;
    },
    create: (client, query) => createTrendsStore(client, query),
    // Another query has other buckets: the tooltip's would point nowhere.
    onChange: () => {
      this._active = undefined;
    },
  });

  get #metrics(): string[] {
    return this.metric
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
  }

  get #compare(): boolean {
    return this._shared.value?.compare ?? this.compare;
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // The box keeps its size in every state (loading, error, loaded), so it is the one observed.
    const box = this.renderRoot.querySelector('.plot-box');
    if (box && box !== this.#box) {
      this.#resize ??= new ResizeObserver(([entry]) => {
        const { width, height } = entry!.contentRect;
        this._size = { width: Math.round(width), height: Math.round(height) };
      });
      this.#resize.disconnect();
      this.#resize.observe(box);
      this.#box = box;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#box = undefined;
  }

  /** Fetches the trend again. */
  refresh(): Promise<void> {
    return this.#trends.value?.refresh() ?? Promise.resolve();
  }

  #title(): string {
    if (this.label) return this.label;
    const names = this.#metrics.map((m) => metricLabel(m, this._t.bind(this)));
    return this.breakdown
      ? this._t('byDimension', { label: names[0]!, dimension: this.breakdown })
      : names.join(', ');
  }

  /** A series' name: the metric's, or with a breakdown its value ("Other", "(not set)"). */
  #name(series: TrendSeries): string {
    if (!this.breakdown) return metricLabel(series.metric, this._t.bind(this));
    const value = series.breakdown_value;
    return value === '$other' ? this._t('other') : value == null ? this._t('notSet') : value;
  }

  override render() {
    const title = this.#title();
    const store = this.#trends.value;
    if (!store)
      return this.#frame(
        title,
        html`<p class="message error" part="error" role="alert">${this._t('noClient')}</p>`,
      );
    const data = store.data.value;
    const error = store.error.value;
    if (!data && error) {
      return this.#frame(
        title,
        html`<div class="message error" part="error" role="alert">
          <span>${this._t('cardFailed', { label: title })} ${describeError(error, (key) => this._t(key))}</span>
          <button part="retry-button" @click=${() => void this.refresh()} aria-label=${this._t('retryLabel', { label: title })}>
            ${this._t('retry')}
          </button>
        </div>`,
      );
    }
    if (!data) {
      return this.#frame(
        title,
        html`<div class="skeleton"></div><span class="sr-only" role="status">${this._t('loadingLabel', { label: title })}</span>`,
        nothing,
        true,
      );
    }
    const times = (data.series[0]?.points ?? []).map((p) => Date.parse(p.t));
    const lines: Line[] = data.series.map((series, i) => {
      const before = data.compare?.series[i]?.points.map((p) => p.value);
      return {
        name: this.#name(series),
        values: series.points.map((p) => p.value),
        ...(before && { before }),
      };
    });
    if (!times.length || lines.every((l) => l.values.every((v) => !v) && !l.before?.some((v) => v))) {
      return this.#frame(title, html`<p class="message">${this._t('noData')}</p>`, this.#legend(lines));
    }
    return this.#frame(
      title,
      this.#plot(title, times, lines),
      this.#legend(lines),
      false,
      this.#table(title, times, lines),
    );
  }

  #frame(title: string, plot: unknown, legend: unknown = nothing, busy = false, extra: unknown = nothing) {
    return html`<figure class="chart" part="chart" aria-busy=${busy ? 'true' : 'false'}>
      <figcaption class="label" part="label">${title}</figcaption>
      <div class="plot-box">${plot}</div>
      ${legend === nothing ? html`<ul class="legend" part="legend" aria-hidden="true"></ul>` : legend}
      ${extra}
    </figure>`;
  }

  #legend(lines: Line[]) {
    return html`<ul class="legend" part="legend">
      ${lines.map(
        (line, i) =>
          html`<li class="s${i % COLORS}"><span class="swatch" aria-hidden="true"></span><span>${line.name}</span></li>`,
      )}
      ${
        lines.some((l) => l.before)
          ? html`<li class="s5"><span class="swatch dashed" aria-hidden="true"></span><span>${this._t('previousPeriod')}</span></li>`
          : nothing
      }
    </ul>`;
  }

  #plot(title: string, times: number[], lines: Line[]) {
    const width = Math.max(this._size.width, 120);
    const height = Math.max(this._size.height, 80);
    const w = width - PAD.left - PAD.right;
    const h = height - PAD.top - PAD.bottom;
    const n = times.length;
    const band = w / n;
    const x = (i: number) => PAD.left + (i + 0.5) * band;
    const max = Math.max(1e-9, ...lines.flatMap((l) => [...l.values, ...(l.before ?? [])]));
    const step = niceStep(max / 4);
    const top = step * 4;
    const y = (v: number) => PAD.top + h - (v / top) * h;
    const compact = numberFormat(this._locale, { notation: 'compact', maximumFractionDigits: 1 });
    const tick = dateTimeFormat(this._locale, { ...TICK[this.interval], timeZone: this._tz });
    // As many date labels as fit, about 70 px apart, on evenly spaced buckets.
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(w / 70))));
    const active = this._active;
    const path = (values: number[]) =>
      values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    const barWidth = (band * 0.8) / lines.length;

    const series = lines.map((line, s) => {
      const cls = `s${s % COLORS}`;
      if (this.type === 'bar') {
        return svg`<g class=${cls} fill="currentColor">${line.values.map(
          (v, i) =>
            svg`<rect x=${(x(i) - band * 0.4 + s * barWidth).toFixed(1)} y=${y(v).toFixed(1)} width=${Math.max(barWidth - 1, 1).toFixed(1)} height=${(PAD.top + h - y(v)).toFixed(1)}></rect>`,
        )}</g>`;
      }
      const d = path(line.values);
      const area =
        this.type === 'area'
          ? svg`<path d=${`${d}L${x(n - 1).toFixed(1)},${PAD.top + h}L${x(0).toFixed(1)},${PAD.top + h}Z`} fill="currentColor" fill-opacity="0.15"></path>`
          : nothing;
      return svg`<g class=${cls}>${area}<path d=${d} fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"></path></g>`;
    });
    const before = lines.map((line, s) =>
      line.before
        ? svg`<path class=${`s${s % COLORS}`} d=${path(line.before.slice(0, n))} fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="4 3" opacity="0.7"></path>`
        : nothing,
    );

    return html`<div
        class="plot"
        part="plot"
        tabindex="0"
        role="group"
        aria-label=${this._t('chartLabel', { label: title })}
        @keydown=${(e: KeyboardEvent) => this.#key(e, n)}
        @focus=${() => {
          this._active ??= n - 1;
        }}
        @blur=${() => {
          this._active = undefined;
        }}
        @pointermove=${(e: PointerEvent) => {
          const left = (e.currentTarget as HTMLElement).getBoundingClientRect().left;
          this._active = Math.min(n - 1, Math.max(0, Math.floor((e.clientX - left - PAD.left) / band)));
        }}
        @pointerleave=${() => {
          if (!this.shadowRoot?.activeElement) this._active = undefined;
        }}
      >
        <svg width=${width} height=${height} aria-hidden="true">
          <g class="axis">
            ${[0, 1, 2, 3, 4].map(
              (
                k,
              ) => svg`<line x1=${PAD.left} x2=${PAD.left + w} y1=${y(k * step)} y2=${y(k * step)} stroke-opacity=${k ? 0.5 : 1}></line>
                <text x=${PAD.left - 6} y=${y(k * step)} dy="0.32em" text-anchor="end">${compact.format(k * step)}</text>`,
            )}
            ${times.map((t, i) =>
              i % every
                ? nothing
                : svg`<text x=${x(i)} y=${PAD.top + h + 15} text-anchor="middle">${tick.format(t)}</text>`,
            )}
          </g>
          ${before} ${series}
          ${
            active === undefined
              ? nothing
              : svg`<line class="cursor" x1=${x(active)} x2=${x(active)} y1=${PAD.top} y2=${PAD.top + h}></line>
                ${lines.map((line, s) => svg`<circle class=${`s${s % COLORS}`} cx=${x(active)} cy=${y(line.values[active] ?? 0)} r="3.5" fill="currentColor"></circle>`)}`
          }
        </svg>
        ${active === undefined ? nothing : this.#tooltip(times, lines, active, x(active), width)}
      </div>
      <p class="sr-only" aria-live="polite">${active === undefined ? '' : this.#describe(times, lines, active)}</p>`;
  }

  #key(event: KeyboardEvent, n: number): void {
    const at = this._active ?? n - 1;
    const to =
      event.key === 'ArrowRight' || event.key === 'ArrowDown'
        ? Math.min(n - 1, at + 1)
        : event.key === 'ArrowLeft' || event.key === 'ArrowUp'
          ? Math.max(0, at - 1)
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? n - 1
              : event.key === 'Escape'
                ? undefined
                : null;
    if (to === null) return;
    event.preventDefault();
    this._active = to;
  }

  #values(lines: Line[], i: number) {
    const number = numberFormat(this._locale, formatOptions(this.format));
    return lines.map((line) => ({
      name: line.name,
      value: number.format(line.values[i] ?? 0),
      before: line.before && line.before[i] !== undefined ? number.format(line.before[i]!) : undefined,
    }));
  }

  #date(times: number[], i: number): string {
    return dateTimeFormat(this._locale, { ...FULL[this.interval], timeZone: this._tz }).format(times[i]);
  }

  /** The sentence the live region reads: "Tue, Dec 1, 2026: Visitors 12 (previous period 9), ...". */
  #describe(times: number[], lines: Line[], i: number): string {
    const values = this.#values(lines, i).map(
      (v) =>
        `${v.name} ${v.value}${v.before === undefined ? '' : ` (${this._t('previousPeriod')} ${v.before})`}`,
    );
    return `${this.#date(times, i)}: ${values.join(', ')}`;
  }

  #tooltip(times: number[], lines: Line[], i: number, at: number, width: number) {
    // Beside the point, on whichever side has room.
    const left =
      at > width / 2 ? `right:${(width - at + 10).toFixed(0)}px` : `left:${(at + 10).toFixed(0)}px`;
    return html`<div class="tooltip" part="tooltip" style=${left} aria-hidden="true">
      <p><strong>${this.#date(times, i)}</strong></p>
      ${this.#values(lines, i).map(
        (v, s) => html`<p class="s${s % COLORS}">
          <span class="swatch" aria-hidden="true"></span> <span class="name">${v.name}</span>: <strong class="value">${v.value}</strong>${v.before === undefined ? nothing : html` <span class="before">(${v.before})</span>`}
        </p>`,
      )}
    </div>`;
  }

  #table(title: string, times: number[], lines: Line[]) {
    return html`<table class="sr-only">
      <caption>${title}</caption>
      <thead>
        <tr>
          <th scope="col">${this._t('time')}</th>
          ${lines.map((l) => html`<th scope="col">${l.name}</th>`)}
          ${lines.map((l) => (l.before ? html`<th scope="col">${l.name} (${this._t('previousPeriod')})</th>` : nothing))}
        </tr>
      </thead>
      <tbody>
        ${times.map((_, i) => {
          const values = this.#values(lines, i);
          return html`<tr>
            <th scope="row">${this.#date(times, i)}</th>
            ${values.map((v) => html`<td>${v.value}</td>`)}
            ${values.map((v) => (v.before === undefined ? nothing : html`<td>${v.before}</td>`))}
          </tr>`;
        })}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'trend-chart': TrendChart;
  }
}
