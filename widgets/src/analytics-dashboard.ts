import { html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { analyticsDashboardStyles } from './analytics-dashboard.styles.js';
import { AnalyticsElement } from './analytics-element.js';
import { tokens } from './tokens.styles.js';

/**
 * The one-tag dashboard: a metrics card per metric, the event-type filter and the events table.
 *
 * @tagname analytics-dashboard
 * @slot heading - Content above the cards (a title, say).
 * @fires change - From the filter: the chosen event type changed.
 * @fires row-select - From the table: a row was chosen. `detail` is the event.
 * @fires load-error - From the table: a page failed to load. `detail.error` is the `Error`.
 * @csspart cards - The grid of metrics cards.
 * @csspart card - Each `<metrics-card>`.
 * @csspart filter - The `<event-type-select>`.
 * @csspart table - The `<events-table>`.
 * @cssprop [--acme-dashboard-card-min=14em] - Narrowest a card gets before the grid wraps.
 * @cssprop --acme-space - Gap between the pieces and padding.
 * @cssprop --acme-color-surface - Background behind the pieces.
 * @cssprop --acme-radius - Corner radius.
 */
export class AnalyticsDashboard extends AnalyticsElement {
  static override styles = [tokens, analyticsDashboardStyles];

  /** Comma-separated metrics, one card each. */
  @property()
  metrics = 'events,active_users';

  /** Period of the cards: `7d`, `30d`, `90d`. */
  @property()
  range = '30d';

  /** Events per page in the table. */
  @property({ attribute: 'page-size', type: Number })
  pageSize = 50;

  /** BCP 47 locale for numbers and dates. */
  @property()
  locale?: string;

  /** IANA time zone for days and times. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** The event type the table shows (`''` for all); follows the filter. */
  @state()
  private _eventType = '';

  override render() {
    const client = this._client;
    const metrics = this.metrics
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    return html`<slot name="heading"></slot>
      <div class="cards" part="cards">
        ${metrics.map(
          (metric) =>
            html`<metrics-card
              part="card"
              .client=${client}
              metric=${metric}
              range=${this.range}
              locale=${ifDefined(this.locale)}
              time-zone=${ifDefined(this.timeZone)}
            ></metrics-card>`,
        )}
      </div>
      <event-type-select
        part="filter"
        .client=${client}
        .value=${this._eventType}
        locale=${ifDefined(this.locale)}
        @change=${this.#onFilter}
      ></event-type-select>
      <events-table
        part="table"
        .client=${client}
        event-type=${this._eventType}
        page-size=${this.pageSize}
        locale=${ifDefined(this.locale)}
        time-zone=${ifDefined(this.timeZone)}
      ></events-table>`;
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
