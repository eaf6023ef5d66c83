import { ContextConsumer, ContextProvider, createContext } from '@lit/context';
import type { ReactiveControllerHost } from 'lit';

/**
 * What the elements of one dashboard share: the period, whether to compare with the period before, the
 * time zone days are counted in, and the filters every read is narrowed by.
 */
export interface DashboardState {
  /** `today`, `7d`, `30d`, `90d`, `12m`, any `<n>d`, or `custom` (then `start_date` and `end_date`). */
  range: string;
  /** First day, `YYYY-MM-DD`, inclusive (a custom range). */
  start_date?: string;
  /** Last day, `YYYY-MM-DD`, inclusive (a custom range). */
  end_date?: string;
  /** Show the change against the previous period of equal length. */
  compare: boolean;
  /** IANA time zone days are counted in. */
  tz: string;
  /** `<dimension><op><value>` filters, ANDed (`country==DE`, `prop.plan==pro`, `path~/blog`). */
  filters: string[];
}

/** `detail` of `range-change`: a preset, or `custom` with its two dates; and the compare switch. */
export interface RangeChangeDetail {
  range: string;
  start_date?: string;
  end_date?: string;
  compare: boolean;
}

/** `detail` of `filter-change`: a filter to add, one to remove, or both (to replace one with another). */
export interface FilterChangeDetail {
  add?: string;
  remove?: string;
}

/** The shared state an `<analytics-dashboard>` (or any container, see `DashboardStateController`) provides. */
export const dashboardContext = createContext<DashboardState | undefined>(
  Symbol.for('acme-analytics-dashboard'),
);

export const defaultDashboardState = (): DashboardState => ({
  range: '30d',
  compare: true,
  tz: 'UTC',
  filters: [],
});

/**
 * Provides a `DashboardState` to the elements inside `host`, and changes it on the events they send up:
 * `range-change` (from a `<date-range-picker>`) and `filter-change` (from any element, e.g. "click a
 * value to filter"). Works on any element: a Lit element (the dashboard) or a plain container, which must
 * get it before the elements inside it connect (they ask for the state once, when they connect).
 *
 * ```js
 * const state = new DashboardStateController(document.querySelector('#reports'), { range: '7d' });
 * state.addFilter('country==DE');
 * ```
 */
export class DashboardStateController {
  #provider: ContextProvider<typeof dashboardContext>;
  #onChange?: (state: DashboardState) => void;

  constructor(
    host: HTMLElement,
    initial: Partial<DashboardState> = {},
    onChange?: (state: DashboardState) => void,
  ) {
    this.#provider = new ContextProvider(host, {
      context: dashboardContext,
      initialValue: { ...defaultDashboardState(), ...initial },
    });
    this.#onChange = onChange;
    host.addEventListener('range-change', (event) => {
      const { range, start_date, end_date, compare } = (event as CustomEvent<RangeChangeDetail>).detail;
      this.#change({ range, start_date, end_date, compare });
    });
    host.addEventListener('filter-change', (event) => {
      const { add, remove } = (event as CustomEvent<FilterChangeDetail>).detail;
      this.#change({
        filters: this.value.filters.filter((f) => f !== remove && f !== add).concat(add ?? []),
      });
    });
  }

  /** The state in effect. */
  get value(): DashboardState {
    return this.#provider.value as DashboardState;
  }

  /**
   * Changes part of the state; the elements inside re-render when anything actually changed. Answers
   * whether it did. Dates count only for a `custom` range (elsewhere they would win over the preset).
   */
  set(patch: Partial<DashboardState>): boolean {
    const next = { ...this.value, ...patch };
    if (next.range !== 'custom') next.start_date = next.end_date = undefined;
    // Compared as JSON: a fresh but equal state (an attribute set to its own value) changes nothing.
    if (JSON.stringify(next) === JSON.stringify(this.value)) return false;
    this.#provider.setValue(next);
    return true;
  }

  /** Adds a filter (once), for every element inside. */
  addFilter(filter: string): void {
    this.#change({ filters: this.value.filters.filter((f) => f !== filter).concat(filter) });
  }

  removeFilter(filter: string): void {
    this.#change({ filters: this.value.filters.filter((f) => f !== filter) });
  }

  // A change from inside (an event, or the methods): the host hears of it, to follow in its own properties.
  #change(patch: Partial<DashboardState>): void {
    if (this.set(patch)) this.#onChange?.(this.value);
  }
}

declare global {
  interface HTMLElementEventMap {
    'filter-change': CustomEvent<FilterChangeDetail>;
  }
}

/**
 * Consumes the shared state of the dashboard (or container) the host is in; `.value` is undefined
 * outside one. The host re-renders when the state changes.
 */
export const consumeDashboard = (
  host: ReactiveControllerHost & HTMLElement,
  callback?: (state: DashboardState | undefined) => void,
) => new ContextConsumer(host, { context: dashboardContext, subscribe: true, callback });
