'use client';
import type { AnalyticsEvent } from '@acme/analytics-sdk';
import type { FilterChangeDetail } from '@acme/analytics-widgets';
import {
  AnalyticsDashboard as AnalyticsDashboardElement,
  BreakdownList as BreakdownListElement,
  defineElements,
  EventsTable as EventsTableElement,
  EventTypeSelect as EventTypeSelectElement,
  FunnelChart as FunnelChartElement,
  MetricsCard as MetricsCardElement,
  RetentionGrid as RetentionGridElement,
  TrendChart as TrendChartElement,
} from '@acme/analytics-widgets';
import { createComponent, type EventName } from '@lit/react';
import React, {
  type ComponentType,
  createElement,
  forwardRef,
  type HTMLAttributes,
  type RefAttributes,
  useContext,
} from 'react';
import { AnalyticsContext } from './context.js';

export type {
  AnalyticsDashboardElement,
  BreakdownListElement,
  EventsTableElement,
  EventTypeSelectElement,
  FunnelChartElement,
  MetricsCardElement,
  RetentionGridElement,
  TrendChartElement,
};

export type RowSelectEvent = CustomEvent<AnalyticsEvent>;
export type LoadErrorEvent = CustomEvent<{ error: Error }>;
/** `change` of a type menu: read the chosen type (`''` for all) from `event.currentTarget.value`. */
export type TypeChangeEvent = Event & { currentTarget: EventTypeSelectElement };

/** The element's own props (its attributes, as camelCase properties), minus what React already types. */
type Own<I, K extends keyof I> = Partial<Pick<I, K>>;
type Base<I extends HTMLElement> = Omit<HTMLAttributes<I>, 'onChange'> & RefAttributes<I>;

type Shared = 'client' | 'locale' | 'timeZone';

export type EventsTableProps = Base<EventsTableElement> &
  Own<
    EventsTableElement,
    Shared | 'eventType' | 'userId' | 'startDate' | 'endDate' | 'pageSize' | 'orgId' | 'label'
  > & {
    /** A row was chosen (click, Enter or Space); `event.detail` is the event. */
    onRowSelect?: (event: RowSelectEvent) => void;
    /** A page failed to load; `event.detail.error` says why. */
    onLoadError?: (event: LoadErrorEvent) => void;
  };

export type MetricsCardProps = Base<MetricsCardElement> &
  Own<
    MetricsCardElement,
    Shared | 'metric' | 'range' | 'startDate' | 'endDate' | 'label' | 'format' | 'orgId'
  >;

export type EventTypeSelectProps = Base<EventTypeSelectElement> &
  Own<EventTypeSelectElement, 'client' | 'locale' | 'value' | 'label' | 'htmlFor'> & {
    onChange?: (event: TypeChangeEvent) => void;
  };

export type AnalyticsDashboardProps = Base<AnalyticsDashboardElement> &
  Own<AnalyticsDashboardElement, Shared | 'metrics' | 'range' | 'pageSize'> & {
    onChange?: (event: TypeChangeEvent) => void;
    onRowSelect?: (event: RowSelectEvent) => void;
    onLoadError?: (event: LoadErrorEvent) => void;
  };

type Range = 'range' | 'startDate' | 'endDate' | 'label' | 'includeBots';

export type TrendChartProps = Base<TrendChartElement> &
  Own<
    TrendChartElement,
    Shared | Range | 'metric' | 'type' | 'interval' | 'breakdown' | 'limit' | 'compare' | 'format' | 'orgId'
  >;

export type FilterChangeEvent = CustomEvent<FilterChangeDetail>;

export type BreakdownListProps = Base<BreakdownListElement> &
  Own<BreakdownListElement, Shared | Range | 'dimension' | 'metric' | 'limit' | 'format' | 'orgId'> & {
    /** A value was chosen; `event.detail.add` is its `<dimension>==<value>` filter. */
    onFilterChange?: (event: FilterChangeEvent) => void;
  };

export type FunnelChartProps = Base<FunnelChartElement> &
  Own<FunnelChartElement, Shared | Range | 'steps' | 'windowSeconds' | 'filters'>;

export type RetentionGridProps = Base<RetentionGridElement> &
  Own<
    RetentionGridElement,
    Shared | Range | 'startEvent' | 'returnEvent' | 'period' | 'periods' | 'filters' | 'orgId'
  >;

const rowEvents = {
  onRowSelect: 'row-select' as EventName<RowSelectEvent>,
  onLoadError: 'load-error' as EventName<LoadErrorEvent>,
};
const changeEvent = { onChange: 'change' as EventName<TypeChangeEvent> };

/**
 * Wraps an element for React: `@lit/react` sets the props as properties and listens to the events; the
 * wrapper registers the tags in the browser and hands the element the client of the nearest
 * `AnalyticsProvider` unless a `client` prop is given.
 */
function wrap<I extends HTMLElement, P extends { client?: unknown }>(
  tagName: string,
  elementClass: new () => I,
  events: Record<string, string>,
  displayName: string,
) {
  const Raw = createComponent({
    react: React,
    tagName,
    elementClass,
    events,
    displayName: `${displayName}Element`,
  });
  // biome-ignore lint/correctness/noComponentHookFactories: called once per element at module level, never in a render
  const Wrapped = forwardRef<I, P>((props, ref) => {
    // Defining needs a DOM; during server rendering the tag is sent as is and upgrades in the browser.
    if (typeof document !== 'undefined') defineElements();
    const provided = useContext(AnalyticsContext);
    return createElement(Raw as unknown as ComponentType<Record<string, unknown>>, {
      ...props,
      client: props.client ?? provided ?? undefined,
      ref,
    });
  });
  Wrapped.displayName = displayName;
  return Wrapped;
}

/** `<events-table>`: an infinitely scrolling events table; drop-in with `orgId` and `eventType`. */
export const EventsTable = wrap<EventsTableElement, EventsTableProps>(
  'events-table',
  EventsTableElement,
  rowEvents,
  'EventsTable',
);

/** `<metrics-card>`: a metric's total over a period, its change and a sparkline. */
export const MetricsCard = wrap<MetricsCardElement, MetricsCardProps>(
  'metrics-card',
  MetricsCardElement,
  {},
  'MetricsCard',
);

/** `<event-type-select>`: a menu of the org's event types. */
export const EventTypeSelect = wrap<EventTypeSelectElement, EventTypeSelectProps>(
  'event-type-select',
  EventTypeSelectElement,
  changeEvent,
  'EventTypeSelect',
);

/** `<analytics-dashboard>`: metrics cards, the type filter and the events table in one tag. */
export const AnalyticsDashboard = wrap<AnalyticsDashboardElement, AnalyticsDashboardProps>(
  'analytics-dashboard',
  AnalyticsDashboardElement,
  { ...rowEvents, ...changeEvent },
  'AnalyticsDashboard',
);

/** `<trend-chart>`: metrics over time as an SVG line, area or bar chart. */
export const TrendChart = wrap<TrendChartElement, TrendChartProps>(
  'trend-chart',
  TrendChartElement,
  {},
  'TrendChart',
);

/** `<breakdown-list>`: a dimension's top values; choosing one fires `onFilterChange`. */
export const BreakdownList = wrap<BreakdownListElement, BreakdownListProps>(
  'breakdown-list',
  BreakdownListElement,
  { onFilterChange: 'filter-change' as EventName<FilterChangeEvent> },
  'BreakdownList',
);

/** `<funnel-chart>`: funnel steps with visitors, conversion and the median time between them. */
export const FunnelChart = wrap<FunnelChartElement, FunnelChartProps>(
  'funnel-chart',
  FunnelChartElement,
  {},
  'FunnelChart',
);

/** `<retention-grid>`: retention cohorts as a shaded table. */
export const RetentionGrid = wrap<RetentionGridElement, RetentionGridProps>(
  'retention-grid',
  RetentionGridElement,
  {},
  'RetentionGrid',
);
