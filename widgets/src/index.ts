/**
 * `@acme/analytics-widgets`: Lit web components over the SDK's stores. Importing this module defines
 * nothing; call `defineElements()` (or import `@acme/analytics-widgets/define`) to register the tags.
 */
import { AnalyticsDashboard } from './analytics-dashboard.js';
import { AnalyticsProvider } from './analytics-provider.js';
import { BreakdownList } from './breakdown-list.js';
import { DateRangePicker } from './date-range-picker.js';
import { EventTypeSelect } from './event-type-select.js';
import { EventsTable } from './events-table.js';
import { FunnelChart } from './funnel-chart.js';
import { MetricsCard } from './metrics-card.js';
import { RetentionGrid } from './retention-grid.js';
import { TrendChart } from './trend-chart.js';

export { AnalyticsElement } from './analytics-element.js';
export { clientContext, defaultClient, setDefaultClient } from './context.js';
export {
  consumeDashboard,
  type DashboardState,
  DashboardStateController,
  dashboardContext,
  type FilterChangeDetail,
  type RangeChangeDetail,
} from './dashboard-state.js';
export { type MessageKey, type Messages, message, registerMessages } from './messages.js';
export { type Theme, WidgetElement } from './widget-element.js';
export {
  AnalyticsDashboard,
  AnalyticsProvider,
  BreakdownList,
  DateRangePicker,
  EventsTable,
  EventTypeSelect,
  FunnelChart,
  MetricsCard,
  RetentionGrid,
  TrendChart,
};

/** Every element this package defines, by tag name. */
export const elements = {
  'analytics-provider': AnalyticsProvider,
  'events-table': EventsTable,
  'metrics-card': MetricsCard,
  'event-type-select': EventTypeSelect,
  'date-range-picker': DateRangePicker,
  'trend-chart': TrendChart,
  'breakdown-list': BreakdownList,
  'funnel-chart': FunnelChart,
  'retention-grid': RetentionGrid,
  'analytics-dashboard': AnalyticsDashboard,
} as const;

/**
 * Registers every element (those already registered, say by a second copy of the bundle, are left
 * alone). The provider comes first: when the others upgrade, the providers above them already listen
 * for their context requests.
 */
export function defineElements(registry: CustomElementRegistry = customElements): void {
  for (const [tag, element] of Object.entries(elements)) {
    if (!registry.get(tag)) registry.define(tag, element);
  }
}
