import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { emit } from './analytics-element.js';
import { consumeDashboard, type RangeChangeDetail } from './dashboard-state.js';
import { dateRangePickerStyles } from './date-range-picker.styles.js';
import { periods } from './format.js';
import { backdrop, tokens } from './tokens.styles.js';
import { WidgetElement } from './widget-element.js';

const PRESETS = ['today', '7d', '30d', '90d', '12m'];

/**
 * Chooses the period a dashboard shows: a preset (today, the last 7, 30 or 90 days, the last 12 months)
 * or a custom range between two dates, and whether to compare with the previous period of equal length.
 * Native controls throughout (a menu, two date inputs, a checkbox), so it is labelled and keyboard
 * operable as the browser makes them.
 *
 * Inside an `<analytics-dashboard>` (or another provider of the dashboard state) it shows the shared
 * range and sets it: the provider hears its `range-change`.
 *
 * @tagname date-range-picker
 * @fires range-change - The range or the comparison changed. `detail` is `{ range, compare }` for a
 * preset, `{ range: 'custom', start_date, end_date, compare }` for two dates (`YYYY-MM-DD`, inclusive).
 * @csspart label - Each control's label (around its text and the control).
 * @csspart select - The menu of presets.
 * @csspart custom - The box around the two date inputs (shown for a custom range).
 * @csspart input - Each date input; also `start` and `end`.
 * @csspart compare - The label around the comparison checkbox.
 * @csspart checkbox - The comparison checkbox.
 * @cssprop --acme-color-background - Background of the menu and inputs.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Label colour.
 * @cssprop --acme-color-border - Borders of the menu and inputs.
 * @cssprop --acme-color-accent - The checked checkbox.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 */
export class DateRangePicker extends WidgetElement {
  static override styles = [tokens, backdrop, dateRangePickerStyles];

  /** `today`, `7d`, `30d`, `90d`, `12m` (any `<n>d` is listed too), or `custom`. */
  @property()
  range = '30d';

  /** First day of a custom range, `YYYY-MM-DD`. */
  @property({ attribute: 'start-date' })
  startDate?: string;

  /** Last day of a custom range, `YYYY-MM-DD`. */
  @property({ attribute: 'end-date' })
  endDate?: string;

  /** Compare with the previous period. */
  @property({ type: Boolean })
  compare = false;

  /** IANA time zone of "today", when a custom range starts from a preset's dates; `UTC` by default. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The menu's visible label; "Date range" in the element's locale by default. */
  @property()
  label?: string;

  // Inside a dashboard, show its state: it changes when this picker (or anything else) sets it.
  #shared = consumeDashboard(this, (state) => {
    if (!state) return;
    this.range = state.range;
    this.startDate = state.start_date;
    this.endDate = state.end_date;
    this.compare = state.compare;
  });

  override render() {
    const range = this.range;
    const custom = range === 'custom';
    const listed =
      PRESETS.includes(range) || custom || !/^\d+[dm]$/.test(range) ? PRESETS : [...PRESETS, range];
    return html`<label part="label">
        <span>${this.label || this._t('dateRange')}</span>
        <select part="select" @change=${this.#onSelect}>
          ${listed.map((value) => html`<option value=${value} ?selected=${value === range}>${this.#name(value)}</option>`)}
          <option value="custom" ?selected=${custom}>${this._t('custom')}</option>
        </select>
      </label>
      ${
        custom
          ? html`<span class="custom" part="custom">
              <label part="label">
                <span>${this._t('from')}</span>
                <input type="date" part="input start" .value=${this.startDate ?? ''} max=${this.endDate ?? ''} @change=${this.#onDate} />
              </label>
              <label part="label">
                <span>${this._t('to')}</span>
                <input type="date" part="input end" .value=${this.endDate ?? ''} min=${this.startDate ?? ''} @change=${this.#onDate} />
              </label>
            </span>`
          : nothing
      }
      <label part="compare">
        <input type="checkbox" part="checkbox" .checked=${this.compare} @change=${this.#onCompare} />
        <span>${this._t('compare')}</span>
      </label>`;
  }

  #name(range: string): string {
    if (range === 'today') return this._t('today');
    const n = Number.parseInt(range, 10);
    return this._t(range.endsWith('m') ? 'lastMonths' : 'lastDays', { n });
  }

  #onSelect = (event: Event): void => {
    const range = (event.target as HTMLSelectElement).value;
    if (range === 'custom' && !(this.startDate && this.endDate)) {
      // Start from the dates the preset showed, so a custom range is one edit away.
      const { start, end } = periods(
        this.range,
        undefined,
        undefined,
        this.timeZone ?? this.#shared.value?.tz,
      ).current;
      this.startDate = start;
      this.endDate = end;
    }
    this.range = range;
    this.#changed();
  };

  #onDate = (): void => {
    const [start, end] = [...this.renderRoot.querySelectorAll('input[type=date]')].map(
      (input) => (input as HTMLInputElement).value,
    );
    // A cleared or half-typed date is no range yet; dates in the wrong order are the same range.
    if (!start || !end) return;
    [this.startDate, this.endDate] = start <= end ? [start, end] : [end, start];
    this.#changed();
  };

  #onCompare = (event: Event): void => {
    this.compare = (event.target as HTMLInputElement).checked;
    this.#changed();
  };

  #changed(): void {
    const detail: RangeChangeDetail = { range: this.range, compare: this.compare };
    if (this.range === 'custom')
      Object.assign(detail, { start_date: this.startDate, end_date: this.endDate });
    emit(this, 'range-change', detail);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'date-range-picker': DateRangePicker;
  }
  interface HTMLElementEventMap {
    'range-change': CustomEvent<RangeChangeDetail>;
  }
}
