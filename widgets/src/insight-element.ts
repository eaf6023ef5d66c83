import type { PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { AnalyticsElement } from './analytics-element.js';
import { consumeDashboard } from './dashboard-state.js';
import { type DateRange, periods } from './format.js';

/** The part of every insight query that says which events count: the days, the zone, filters, bots. */
export interface InsightScope {
  start_date: string;
  end_date: string;
  tz: string;
  filter?: string[];
  include_bots?: true;
}

/**
 * The base of the insight elements (`<trend-chart>`, `<breakdown-list>`, `<funnel-chart>`,
 * `<retention-grid>`): the period, time zone, filters and bot switch they share, and the shared dashboard
 * state that overrides them inside an `<analytics-dashboard>` (or another provider of it).
 */
export class InsightElement extends AnalyticsElement {
  /** `7d`, `30d`, `90d`, `12m` (any `<n>d`), ending today; ignored when `start-date` is set. */
  @property()
  range = '30d';

  /** First day, `YYYY-MM-DD`, inclusive. */
  @property({ attribute: 'start-date' })
  startDate?: string;

  /** Last day, `YYYY-MM-DD`, inclusive; today by default. */
  @property({ attribute: 'end-date' })
  endDate?: string;

  /** IANA time zone days are counted in; `UTC` by default. */
  @property({ attribute: 'time-zone' })
  timeZone?: string;

  /** `<dimension><op><value>` filters (with the dashboard's). */
  @property({ attribute: false })
  filters: string[] = [];

  /** Count the events of bots (crawlers, monitors, automation clients) too; left out by default. */
  @property({ attribute: 'include-bots', type: Boolean })
  includeBots = false;

  /** @internal */
  protected _shared = consumeDashboard(this);

  /**
   * The days read: the dashboard's inside one, else the element's own. Resolved once per update, before
   * the store controllers read their queries.
   * @internal
   */
  protected _range!: DateRange;

  /** @internal */
  protected get _tz(): string {
    return this._shared.value?.tz ?? (this.timeZone || 'UTC');
  }

  /**
   * The query's days, zone, filters (the element's, then the dashboard's) and bot switch.
   * @internal
   */
  protected _scope(): InsightScope {
    const scope: InsightScope = { start_date: this._range.start, end_date: this._range.end, tz: this._tz };
    const filters = [...this.filters, ...(this._shared.value?.filters ?? [])];
    if (filters.length) scope.filter = filters;
    if (this.includeBots) scope.include_bots = true;
    return scope;
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const shared = this._shared.value;
    this._range = (
      shared
        ? periods(shared.range, shared.start_date, shared.end_date, shared.tz)
        : periods(this.range, this.startDate, this.endDate, this.timeZone)
    ).current;
  }
}
