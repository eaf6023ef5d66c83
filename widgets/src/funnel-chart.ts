import { createFunnelStore, type FunnelQuery, type FunnelStep } from '@acme/analytics-sdk/insights';
import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { describeError } from './errors.js';
import { numberFormat } from './format.js';
import { funnelChartStyles } from './funnel-chart.styles.js';
import { InsightElement } from './insight-element.js';
import { StoreController } from './store-controller.js';
import { tokens } from './tokens.styles.js';

/** A funnel step: an event type, narrowed by its own filters if given. */
export type Step = FunnelQuery['steps'][number];

// The largest unit a duration has at least one of, so "90 seconds" reads "1.5 minutes".
const UNITS: [Intl.NumberFormatOptions['unit'], number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** A duration in the locale's words (Intl unit formatting): "2.5 hours", "2,5 Stunden". */
export function formatDuration(locale: string, seconds: number): string {
  const [unit, size] = UNITS.find(([, size]) => seconds >= size) ?? UNITS[3]!;
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }).format(
    seconds / size,
  );
}

/**
 * A funnel: how many visitors went through the `steps` in order within the window, as bars as long as
 * each step's share of the first, with the conversion from the first and previous steps and the median
 * time from the previous one. Inside an `<analytics-dashboard>` (or another provider of the dashboard
 * state) it follows the shared range, time zone and filters.
 *
 * @tagname funnel-chart
 * @csspart box - The chart's box.
 * @csspart label - The title.
 * @csspart list - The `<ol>` of steps.
 * @csspart step - Each step.
 * @csspart bar - A step's bar.
 * @csspart figures - A step's visitors and conversion.
 * @csspart between - The conversion from the previous step and the median time it took.
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop --acme-funnel-bar - Bar colour; the accent by default.
 * @cssprop --acme-color-background - Background.
 * @cssprop --acme-color-surface - The bars' track.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Title and between lines.
 * @cssprop --acme-color-border - Border.
 * @cssprop --acme-color-accent - Bars.
 * @cssprop --acme-color-negative - Errors.
 * @cssprop --acme-color-skeleton - Loading placeholder.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Padding.
 */
export class FunnelChart extends InsightElement {
  static override styles = [tokens, funnelChartStyles];

  /**
   * 2–10 steps in order: comma-separated event types as an attribute (`page_view,signup,purchase`), or as
   * a property an array of `{ event_type, filter? }`.
   */
  @property({
    converter: (value) =>
      (value ?? '')
        .split(',')
        .map((type) => type.trim())
        .filter(Boolean)
        .map((event_type) => ({ event_type })),
  })
  steps: Step[] = [];

  /** How long after a visitor's first step the others count, in seconds (default 7 days; at most 90). */
  @property({ attribute: 'window-seconds', type: Number })
  windowSeconds = 7 * 86_400;

  /** Shown title; "Funnel" by default. */
  @property()
  label?: string;

  #funnel = new StoreController(this, {
    // Fewer than two steps is no funnel: nothing to ask.
    client: () => (this.steps.length > 1 ? this._client : undefined),
    params: (): FunnelQuery => {
      return { steps: this.steps, window_seconds: this.windowSeconds, ...this._scope() };
    },
    create: (client, query) => createFunnelStore(client, query),
  });

  /** Fetches the funnel again. */
  refresh(): Promise<void> {
    return this.#funnel.value?.refresh() ?? Promise.resolve();
  }

  override render() {
    const title = this.label || this._t('funnel');
    const store = this.#funnel.value;
    const data = store?.data.value;
    const error = store?.error.value;
    const body =
      this.steps.length < 2
        ? html`<p class="error" part="error" role="alert">${this._t('funnelSteps')}</p>`
        : !store
          ? html`<p class="error" part="error" role="alert">${this._t('noClient')}</p>`
          : error && !data
            ? html`<div class="error" part="error" role="alert">
                <span>${this._t('cardFailed', { label: title })} ${describeError(error, (key) => this._t(key))}</span>
                <button part="retry-button" @click=${() => void this.refresh()} aria-label=${this._t('retryLabel', { label: title })}>
                  ${this._t('retry')}
                </button>
              </div>`
            : html`<ol part="list">
                ${this.steps.map((step, i) => this.#step(step, data?.steps[i]))}
              </ol>
              ${data ? nothing : html`<span class="sr-only" role="status">${this._t('loadingLabel', { label: title })}</span>`}`;
    return html`<section
      class="box"
      part="box"
      aria-label=${title}
      aria-busy=${store && !data && !error ? 'true' : 'false'}
    >
      <p class="label" part="label" aria-hidden="true">${title}</p>
      ${body}
    </section>`;
  }

  /** One step; a placeholder of the same height until it is loaded. */
  #step(step: Step, result: FunnelStep | undefined) {
    if (!result) {
      return html`<li part="step" aria-hidden="true">
        <span class="name">${step.event_type}</span><span class="skeleton"></span><span></span>
      </li>`;
    }
    const count = numberFormat(this._locale);
    const percent = numberFormat(this._locale, { style: 'percent', maximumFractionDigits: 1 });
    const between = !result.index
      ? ''
      : result.median_seconds_from_previous === null
        ? this._t('fromPrevious', { percent: percent.format(result.conversion_from_previous) })
        : this._t('fromPreviousIn', {
            percent: percent.format(result.conversion_from_previous),
            duration: formatDuration(this._locale, result.median_seconds_from_previous),
          });
    return html`<li part="step">
      <span class="head">
        <span class="name">${this._t('step', { n: result.index + 1, type: step.event_type })}</span>
        <span class="figures" part="figures">${this._t('stepFigures', {
          visitors: count.format(result.visitors),
          percent: percent.format(result.conversion_from_first),
        })}</span>
      </span>
      <span class="track" aria-hidden="true"
        ><span class="bar" part="bar" style="display:block;width:${(result.conversion_from_first * 100).toFixed(1)}%"></span
      ></span>
      <span class="between" part="between">${between}</span>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'funnel-chart': FunnelChart;
  }
}
