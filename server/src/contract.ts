/**
 * The API's wire types, for clients (the SDK, tests, other services) that want the server's shapes without
 * its runtime. Each type is derived from the TypeBox schema the server validates and documents with, so the
 * OpenAPI document, the validation and these types cannot drift apart. Types only: importing this module
 * loads no code.
 */
import type { Static } from 'typebox';
import type * as common from './schemas/common.js';
import type * as delivery from './schemas/delivery.js';
import type * as events from './schemas/events.js';
import type * as insights from './schemas/insights.js';
import type * as keys from './schemas/keys.js';
import type * as metrics from './schemas/metrics.js';

/** One event as sent to `POST /api/v1/events`. */
export type EventIn = Static<typeof events.EventIn>;
/** The body of `POST /api/v1/events`. */
export type IngestBody = Static<typeof events.IngestBody>;
/** `202` response of `POST /api/v1/events` (and its idempotent replays). */
export type IngestAccepted = Static<typeof events.IngestAccepted>;
/** Where an event happened (`EventIn.context`): page, UTM parameters, screen, locale, library. */
export type EventContext = Static<typeof events.EventContext>;
/** One stored event as returned by `GET /api/v1/events`. */
export type EventOut = Static<typeof events.EventOut>;
/** Query string of `GET /api/v1/events`. */
export type EventsQuery = Static<typeof events.EventsQuery>;
/** `200` response of `GET /api/v1/events`. */
export type EventsPage = Static<typeof events.EventsPage>;
/** `200` response of `GET /api/v1/event-types`. */
export type EventTypesResponse = Static<typeof events.EventTypesResponse>;
/** Query string of `GET /api/v1/metrics/summary`. */
export type SummaryQuery = Static<typeof metrics.SummaryQuery>;
/** `200` response of `GET /api/v1/metrics/summary`. */
export type SummaryResponse = Static<typeof metrics.SummaryResponse>;
/** The body of `POST /api/v1/keys`. */
export type CreateKeyBody = Static<typeof keys.CreateKeyBody>;
/** `201` response of `POST /api/v1/keys`: the only time the key itself is shown. */
export type IngestKeyCreated = Static<typeof keys.IngestKeyCreated>;
/** One publishable key as `GET /api/v1/keys` lists it (no secret). */
export type IngestKeySummary = Static<typeof keys.IngestKeySummary>;
/** `200` response of `GET /api/v1/keys`. */
export type IngestKeyList = Static<typeof keys.IngestKeyList>;
/** RFC 9457 problem document: the body of every error response. */
export type Problem = Static<typeof common.Problem>;
/** Query string of `GET /api/v1/insights/trends`. */
export type TrendsQuery = Static<typeof insights.TrendsQuery>;
/** `200` response of `GET /api/v1/insights/trends`. */
export type TrendsResponse = Static<typeof insights.TrendsResponse>;
/** One series of a `TrendsResponse`: a metric (and breakdown value) with a point per bucket. */
export type TrendSeries = TrendsResponse['series'][number];
/** Query string of `GET /api/v1/insights/breakdown`. */
export type BreakdownQuery = Static<typeof insights.BreakdownQuery>;
/** `200` response of `GET /api/v1/insights/breakdown`. */
export type BreakdownResponse = Static<typeof insights.BreakdownResponse>;
/** The batch's `client` report (`IngestBody.client`): queue depth and drops of an SDK install. */
export type ClientReport = Static<typeof delivery.ClientReport>;
/** `client.dropped`: cumulative drops by reason. */
export type DroppedReport = Static<typeof delivery.Dropped>;
/** `context.delivery` of an event: its SDK install and sequence number. */
export type EventDelivery = NonNullable<EventContext['delivery']>;
/** Query string of `GET /api/v1/delivery`. */
export type DeliveryQuery = Static<typeof delivery.DeliveryQuery>;
/** `200` response of `GET /api/v1/delivery`. */
export type DeliveryResponse = Static<typeof delivery.DeliveryResponse>;
