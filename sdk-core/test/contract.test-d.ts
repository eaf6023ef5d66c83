// The SDK's wire types (src/types.ts, written by hand so they cost no bytes and read well in editors) against
// the server's: `@acme/analytics-server/contract` derives its types from the TypeBox schemas the API validates
// and documents with. Renaming, adding or retyping a field on either side fails this file (vitest runs it in
// typecheck mode, and `npm run typecheck` checks it too). Where the SDK deliberately differs from the wire,
// the field names are still pinned, and the difference may only go the compatible way (said at each).
import type * as Wire from '@acme/analytics-server/contract';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Delivery from '../src/delivery.js';
import type * as Insights from '../src/insights-types.js';
import type * as Sdk from '../src/types.js';

/** The named keys of T, without its index signature. */
type Known<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

describe('the SDK’s wire types are the server’s schemas', () => {
  it('IngestResponse is IngestAccepted', () => {
    expectTypeOf<Sdk.IngestResponse>().toEqualTypeOf<Wire.IngestAccepted>();
  });

  it('MetricsSummary is SummaryResponse', () => {
    expectTypeOf<Sdk.MetricsSummary>().toEqualTypeOf<Wire.SummaryResponse>();
  });

  it('MetricsParams is SummaryQuery', () => {
    expectTypeOf<Sdk.MetricsParams>().toEqualTypeOf<Wire.SummaryQuery>();
  });

  it('EventTypeCount is an element of EventTypesResponse.data', () => {
    expectTypeOf<Sdk.EventTypeCount>().toEqualTypeOf<Wire.EventTypesResponse['data'][number]>();
  });

  // `properties` is a JSON object in the SDK, `Record<string, unknown>` in the schema: JSON carries nothing
  // else, and the narrower type stops an app from tracking a Date or a Map that JSON would mangle. Every
  // other field is the schema's exactly.
  it('AnalyticsEvent is EventOut, with properties narrowed to JSON', () => {
    expectTypeOf<Omit<Sdk.AnalyticsEvent, 'properties'>>().toEqualTypeOf<Omit<Wire.EventOut, 'properties'>>();
    expectTypeOf<keyof Sdk.AnalyticsEvent>().toEqualTypeOf<keyof Wire.EventOut>();
    expectTypeOf<Sdk.AnalyticsEvent['properties']>().toExtend<Wire.EventOut['properties']>();
  });

  it('EventPayload is EventIn, with properties narrowed to JSON', () => {
    expectTypeOf<Omit<Sdk.EventPayload, 'properties'>>().toEqualTypeOf<Omit<Wire.EventIn, 'properties'>>();
    expectTypeOf<keyof Sdk.EventPayload>().toEqualTypeOf<keyof Wire.EventIn>();
    expectTypeOf<Sdk.EventPayload['properties']>().toExtend<Wire.EventIn['properties']>();
  });

  it('EventsPage is EventsPage, of AnalyticsEvent', () => {
    expectTypeOf<Omit<Sdk.EventsPage, 'data'>>().toEqualTypeOf<Omit<Wire.EventsPage, 'data'>>();
    expectTypeOf<keyof Sdk.EventsPage>().toEqualTypeOf<keyof Wire.EventsPage>();
    expectTypeOf<Sdk.EventsPage['data']>().toEqualTypeOf<Sdk.AnalyticsEvent[]>();
  });

  // The SDK's filters omit `cursor` (getEvents pages by itself; getEventsPage takes it as an option) and
  // accept one event_type as well as several (sent as the repeated parameter either way).
  it('EventFilters is EventsQuery, without cursor and with a single event_type allowed', () => {
    expectTypeOf<keyof Sdk.EventFilters | 'cursor'>().toEqualTypeOf<keyof Wire.EventsQuery>();
    expectTypeOf<Omit<Sdk.EventFilters, 'event_type'>>().toEqualTypeOf<
      Omit<Wire.EventsQuery, 'event_type' | 'cursor'>
    >();
    expectTypeOf<Wire.EventsQuery['event_type']>().toExtend<Sdk.EventFilters['event_type']>();
  });

  // The SDK's drop entries are one type for every reason (count-only reasons just never get ranges), and its
  // ranges are pairs; every report the SDK makes is one the API takes, with the same reasons and fields.
  it('ClientReport is the batch body’s client, with every reason the API knows', () => {
    expectTypeOf<Delivery.ClientReport>().toExtend<Wire.ClientReport>();
    expectTypeOf<keyof Delivery.ClientReport>().toEqualTypeOf<keyof Wire.ClientReport>();
    expectTypeOf<Delivery.DropReason>().toEqualTypeOf<keyof Wire.DroppedReport>();
    expectTypeOf<NonNullable<Sdk.EventContext['delivery']>>().toEqualTypeOf<Wire.EventDelivery>();
  });

  // The SDK also reads problems that did not come from the API (a proxy's HTML error page, an empty body: it
  // makes `{ type: 'about:blank', title, status }`), so detail, code and request_id are optional and other
  // members allowed. Every problem the API sends is one the SDK reads.
  it('ProblemDocument has Problem’s fields, and takes every Problem', () => {
    expectTypeOf<Known<Sdk.ProblemDocument>>().toEqualTypeOf<keyof Wire.Problem>();
    expectTypeOf<Wire.Problem>().toExtend<Sdk.ProblemDocument>();
    expectTypeOf<Pick<Sdk.ProblemDocument, 'type' | 'title' | 'status'>>().toEqualTypeOf<
      Pick<Wire.Problem, 'type' | 'title' | 'status'>
    >();
  });
});

// The insights entry's types (src/insights-types.ts). Funnel, retention and export have no types among the
// contract's exports yet (FunnelBody, FunnelResponse, RetentionQuery, RetentionResponse, ExportQuery would
// be): until they do, src/insights-types.ts follows server/src/schemas/insights.ts by hand.
describe('the insights types are the server’s schemas', () => {
  it('TrendsQuery, TrendsResponse and TrendSeries are the contract’s', () => {
    expectTypeOf<Insights.TrendsQuery>().toEqualTypeOf<Wire.TrendsQuery>();
    expectTypeOf<Insights.TrendsResponse>().toEqualTypeOf<Wire.TrendsResponse>();
    expectTypeOf<Insights.TrendSeries>().toEqualTypeOf<Wire.TrendSeries>();
  });

  it('BreakdownQuery and BreakdownResponse are the contract’s', () => {
    expectTypeOf<Insights.BreakdownQuery>().toEqualTypeOf<Wire.BreakdownQuery>();
    expectTypeOf<Insights.BreakdownResponse>().toEqualTypeOf<Wire.BreakdownResponse>();
  });
});
