/**
 * The insights reads: validation of what the routes receive (each bad field a 422 naming it; no text of a
 * request ever reaches SQL except as a bound value), then one store scan counted by `funnel.ts` or
 * `retention.ts`, within the request's query budget.
 */
import { ApiError, type FieldError } from '../../lib/errors.js';
import { type Dimension, type Filter, parseDimension, parseFilters } from '../../lib/filters.js';
import { parseDayRange, startOfLocalDay } from '../../lib/time.js';
import type { EventStore } from '../../store/types.js';
import { breakdownResults, FunnelCounter, type FunnelStepResult, stepResults } from './funnel.js';
import { RetentionCounter, type RetentionPeriod, retentionPlan } from './retention.js';

/** The longest range of days an insight reads. */
export { MAX_DAYS } from '../../lib/time.js';

/** What every insight runs with (`app.startRead`). */
export interface Budget {
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A breakdown dimension, or a field error at `pointer`. */
export function dimensionAt(text: string, pointer: string, errors: FieldError[]): Dimension | undefined {
  const parsed = parseDimension(text);
  if (typeof parsed !== 'string') return parsed;
  errors.push({ path: pointer, message: parsed });
  return undefined;
}

/** `filter` texts at `pointer`, their errors collected instead of thrown. */
export function filtersAt(raw: string[] | undefined, pointer: string, errors: FieldError[]): Filter[] {
  try {
    return parseFilters(raw, pointer);
  } catch (err) {
    if (err instanceof ApiError && err.errors) {
      errors.push(...err.errors);
      return [];
    }
    throw err;
  }
}

/** One 422 listing every field error. */
export function invalid(errors: FieldError[]): ApiError {
  return new ApiError(
    'validation_failed',
    `The request is invalid: ${errors[0]?.path} ${errors[0]?.message}`,
    {
      errors,
    },
  );
}

export interface FunnelInput {
  steps: { event_type: string; filter?: string[] | undefined }[];
  window_seconds: number;
  start_date: string;
  end_date: string;
  tz?: string | undefined;
  filter?: string[] | undefined;
  breakdown?: string | undefined;
  limit?: number | undefined;
  include_bots?: boolean | undefined;
}

export interface FunnelOutput {
  steps: FunnelStepResult[];
  breakdown?: { value: string | null; steps: FunnelStepResult[] }[];
}

/** Validate a funnel request completely (before any slot or query is taken). */
export function prepareFunnel(orgId: string, body: FunnelInput) {
  const errors: FieldError[] = [];
  const r = parseDayRange(body, errors);
  const steps = body.steps.map((s, i) => ({
    eventType: s.event_type,
    filters: filtersAt(s.filter, `/steps/${i}/filter`, errors),
  }));
  const filters = filtersAt(body.filter, '/filter', errors);
  const breakdown =
    body.breakdown === undefined ? undefined : dimensionAt(body.breakdown, '/breakdown', errors);
  if (errors.length > 0 || !r) throw invalid(errors);
  return {
    scan: {
      orgId,
      fromTs: startOfLocalDay(r.start, r.tz),
      toTs: startOfLocalDay(r.end + 1, r.tz),
      conditions: steps,
      filters,
      includeBots: body.include_bots === true,
      ...(breakdown ? { breakdown } : {}),
    },
    windowMs: body.window_seconds * 1000,
    eventTypes: body.steps.map((s) => s.event_type),
    limit: body.limit ?? 5,
  };
}

export async function runFunnel(
  store: Pick<EventStore, 'scanVisitorEvents'>,
  prepared: ReturnType<typeof prepareFunnel>,
  budget: Budget,
): Promise<FunnelOutput> {
  const counter = new FunnelCounter(prepared.eventTypes.length, prepared.windowMs);
  for await (const rows of store.scanVisitorEvents({ ...prepared.scan, ...budget })) counter.add(rows);
  const outcomes = counter.outcomes();
  const out: FunnelOutput = { steps: stepResults(outcomes, prepared.eventTypes) };
  if (prepared.scan.breakdown)
    out.breakdown = breakdownResults(outcomes, prepared.eventTypes, prepared.limit);
  return out;
}

export interface RetentionInput {
  start_event?: string | undefined;
  return_event?: string | undefined;
  period?: RetentionPeriod | undefined;
  periods?: number | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  tz?: string | undefined;
  filter?: string[] | undefined;
  include_bots?: boolean | undefined;
}

export function prepareRetention(orgId: string, q: RetentionInput) {
  const errors: FieldError[] = [];
  const r = parseDayRange(q, errors);
  const filters = filtersAt(q.filter, '/filter', errors);
  if (errors.length > 0 || !r) throw invalid(errors);
  const period = q.period ?? 'day';
  const periods = q.periods ?? 8;
  const plan = retentionPlan(r.start, r.end, r.tz, period, periods);
  return {
    period,
    periods,
    plan,
    scan: {
      orgId,
      fromTs: plan.fromTs,
      toTs: plan.scanTo,
      conditions: [
        { ...(q.start_event === undefined ? {} : { eventType: q.start_event }), filters: [] },
        { ...(q.return_event === undefined ? {} : { eventType: q.return_event }), filters: [] },
      ],
      filters,
      includeBots: q.include_bots === true,
    },
  };
}

export async function runRetention(
  store: Pick<EventStore, 'scanVisitorEvents'>,
  prepared: ReturnType<typeof prepareRetention>,
  budget: Budget,
): Promise<{ period: RetentionPeriod; cohorts: { cohort: string; size: number; retained: number[] }[] }> {
  const counter = new RetentionCounter(prepared.plan, prepared.periods);
  for await (const rows of store.scanVisitorEvents({ ...prepared.scan, ...budget })) counter.add(rows);
  return { period: prepared.period, cohorts: counter.result() };
}
