import { Type } from 'typebox';
import { EVENT_SELECTION, EVENT_TYPE_PATTERN, FilterParam } from './events.js';

const DateParam = (description: string) =>
  Type.String({ minLength: 10, maxLength: 10, description, examples: ['2024-05-01'] });

const Tz = Type.String({ maxLength: 64, default: 'UTC', description: 'IANA time zone for day boundaries' });

const IncludeBots = Type.Boolean({
  default: false,
  description: 'Count bot events (left out by default)',
});

const Dimension = Type.String({
  maxLength: 80,
  description:
    'A dimension: event_type, path, referrer_host, utm_source, utm_medium, utm_campaign, browser, os, device, ' +
    'country, entry_path, user_id, visitor_id, or prop.<key>',
  examples: ['country'],
});

export const FunnelBody = Type.Object(
  {
    steps: Type.Array(
      Type.Object({
        event_type: Type.String({ pattern: EVENT_TYPE_PATTERN }),
        filter: Type.Optional(FilterParam),
      }),
      {
        minItems: 2,
        maxItems: 10,
        description: 'The steps in order; each may narrow its events by `filter`',
      },
    ),
    window_seconds: Type.Integer({
      minimum: 1,
      maximum: 90 * 86_400,
      description: 'Every step must follow within this many seconds of the visitor’s step 1',
    }),
    start_date: DateParam('First local day of the range, `YYYY-MM-DD`, inclusive'),
    end_date: DateParam('Last local day of the range, `YYYY-MM-DD`, inclusive (at most 366 days)'),
    tz: Type.Optional(Tz),
    filter: Type.Optional({
      ...FilterParam,
      description: 'Applies to every step (`<dimension><op><value>`, as on `GET /api/v1/events`)',
    }),
    breakdown: Type.Optional(Dimension),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'Breakdown values shown' }),
    ),
    include_bots: Type.Optional(IncludeBots),
  },
  {
    examples: [
      {
        steps: [{ event_type: 'page_view', filter: ['path==/pricing'] }, { event_type: 'signup' }],
        window_seconds: 86_400,
        start_date: '2024-05-01',
        end_date: '2024-05-30',
        tz: 'Europe/Berlin',
        breakdown: 'country',
      },
    ],
  },
);

const FunnelStep = Type.Object({
  index: Type.Integer({ minimum: 0, description: '0 for step 1' }),
  event_type: Type.String(),
  visitors: Type.Integer({ minimum: 0 }),
  conversion_from_first: Type.Number({ minimum: 0, maximum: 1 }),
  conversion_from_previous: Type.Number({ minimum: 0, maximum: 1 }),
  median_seconds_from_previous: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
    description: 'Null for step 1, and when no visitor reached the step',
  }),
});

export const FunnelResponse = Type.Object(
  {
    steps: Type.Array(FunnelStep),
    breakdown: Type.Optional(
      Type.Array(
        Type.Object({
          value: Type.Union([Type.String(), Type.Null()], {
            description: 'The value on the visitor’s step-1 event (null: unset); `$other` for the rest',
          }),
          steps: Type.Array(FunnelStep),
        }),
      ),
    ),
  },
  {
    examples: [
      {
        steps: [
          {
            index: 0,
            event_type: 'page_view',
            visitors: 1200,
            conversion_from_first: 1,
            conversion_from_previous: 1,
            median_seconds_from_previous: null,
          },
          {
            index: 1,
            event_type: 'signup',
            visitors: 84,
            conversion_from_first: 0.07,
            conversion_from_previous: 0.07,
            median_seconds_from_previous: 312,
          },
        ],
      },
    ],
  },
);

export const RetentionQuery = Type.Object({
  org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
  start_event: Type.Optional(
    Type.String({
      pattern: EVENT_TYPE_PATTERN,
      description: 'The event that puts a visitor in a cohort; default any',
    }),
  ),
  return_event: Type.Optional(
    Type.String({
      pattern: EVENT_TYPE_PATTERN,
      description: 'The event that counts as a return; default any',
    }),
  ),
  period: Type.Optional(
    Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      default: 'day',
      description: 'Cohort and return periods; weeks are ISO weeks (Monday start)',
    }),
  ),
  periods: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 26,
      default: 8,
      description: 'Return periods per cohort (n0 … n(periods-1))',
    }),
  ),
  start_date: Type.Optional(DateParam('First cohort day, `YYYY-MM-DD`; default 29 days before `end_date`')),
  end_date: Type.Optional(DateParam('Last cohort day, `YYYY-MM-DD`; default today')),
  tz: Type.Optional(Tz),
  filter: Type.Optional(FilterParam),
  include_bots: Type.Optional(IncludeBots),
});

export const RetentionResponse = Type.Object(
  {
    period: Type.String(),
    cohorts: Type.Array(
      Type.Object({
        cohort: Type.String({ format: 'date', description: 'The local day the cohort’s period starts' }),
        size: Type.Integer({ minimum: 0 }),
        retained: Type.Array(Type.Integer({ minimum: 0 }), {
          description: 'Visitors of the cohort retained in period n after it (n = 0: the cohort’s own)',
        }),
      }),
    ),
  },
  {
    examples: [
      {
        period: 'week',
        cohorts: [{ cohort: '2024-04-29', size: 120, retained: [120, 40, 31] }],
      },
    ],
  },
);

export const ExportQuery = Type.Object({
  ...EVENT_SELECTION,
  filter: Type.Optional(FilterParam),
  format: Type.Optional(
    Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], {
      default: 'ndjson',
      description:
        '`ndjson`: one event (as `GET /api/v1/events` returns it) per line; `csv`: a header row, then one row per event',
    }),
  ),
});

const MetricParam = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
    minItems: 1,
    maxItems: 10,
    description:
      'Repeatable: any metrics-summary name: `events`, `active_users`, `events:<event_type>`, `visitors`, ' +
      `\`sessions\`, \`pageviews\`, \`bounce_rate\`, \`avg_session_duration\`, \`views_per_session\`. ${description}`,
    examples: [['visitors', 'pageviews']],
  });

const OrgId = Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" }));

export const TrendsQuery = Type.Object({
  org_id: OrgId,
  metric: Type.Optional(MetricParam('Default `visitors`')),
  start_date: Type.Optional(
    DateParam('First local day, `YYYY-MM-DD`, inclusive; default 29 days before `end_date`'),
  ),
  end_date: Type.Optional(
    DateParam('Last local day, `YYYY-MM-DD`, inclusive; default today (at most 366 days)'),
  ),
  tz: Type.Optional(Tz),
  interval: Type.Optional(
    Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      default: 'day',
      description:
        'Bucket size in `tz`: `hour` (ranges of at most 31 days), `day` (23, 24 or 25 hours across DST), ' +
        '`week` (ISO, Monday start) or `month`. The first and last buckets are cut to the range',
    }),
  ),
  filter: Type.Optional(FilterParam),
  breakdown: Type.Optional(Dimension),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 50,
      default: 5,
      description: 'With `breakdown`: the values shown (top by the first metric’s total), then `$other`',
    }),
  ),
  compare: Type.Optional(
    Type.Literal('previous', {
      description: 'Also answer the range of the same number of days just before (`compare`)',
    }),
  ),
  include_bots: Type.Optional(IncludeBots),
});

const TrendSeries = Type.Object({
  metric: Type.String(),
  breakdown_value: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description: 'With `breakdown`: the value (null: unset), or `$other` for every value not shown',
    }),
  ),
  total: Type.Number({
    description:
      'Over the whole range: a sum for counts; distinct for `visitors` and `active_users`; over every session ' +
      'for the session rates',
  }),
  points: Type.Array(
    Type.Object({
      t: Type.String({
        format: 'date-time',
        description: 'The bucket’s start, RFC 3339 with the zone’s offset at that instant',
        examples: ['2024-03-31T00:00:00+01:00'],
      }),
      value: Type.Number(),
    }),
    { description: 'Every bucket of the range in order, zeros included' },
  ),
});

export const TrendsResponse = Type.Object(
  {
    interval: Type.String(),
    tz: Type.String(),
    start_date: Type.String({ format: 'date' }),
    end_date: Type.String({ format: 'date' }),
    series: Type.Array(TrendSeries, {
      description: 'Per metric in the order asked; with `breakdown`, per metric its values then `$other`',
    }),
    compare: Type.Optional(
      Type.Object(
        {
          start_date: Type.String({ format: 'date' }),
          end_date: Type.String({ format: 'date' }),
          series: Type.Array(TrendSeries),
        },
        { description: 'With `compare=previous`: the same number of days just before `start_date`' },
      ),
    ),
  },
  {
    examples: [
      {
        interval: 'day',
        tz: 'Europe/Berlin',
        start_date: '2024-03-30',
        end_date: '2024-03-31',
        series: [
          {
            metric: 'visitors',
            total: 301,
            points: [
              { t: '2024-03-30T00:00:00+01:00', value: 180 },
              { t: '2024-03-31T00:00:00+01:00', value: 142 },
            ],
          },
        ],
      },
    ],
  },
);

export const BreakdownQuery = Type.Object({
  org_id: OrgId,
  dimension: Dimension,
  metric: Type.Optional(MetricParam('Default `visitors`; rows are ordered by the first')),
  start_date: Type.Optional(
    DateParam('First local day, `YYYY-MM-DD`, inclusive; default 29 days before `end_date`'),
  ),
  end_date: Type.Optional(
    DateParam('Last local day, `YYYY-MM-DD`, inclusive; default today (at most 366 days)'),
  ),
  tz: Type.Optional(Tz),
  filter: Type.Optional(FilterParam),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Rows per page' }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 2048, description: 'The `next_cursor` of the previous page, as given' }),
  ),
  include_bots: Type.Optional(IncludeBots),
});

export const BreakdownResponse = Type.Object(
  {
    dimension: Type.String(),
    metrics: Type.Array(Type.String()),
    data: Type.Array(
      Type.Object({
        value: Type.Union([Type.String(), Type.Null()], {
          description: 'The dimension’s value; null: unset',
        }),
        values: Type.Record(Type.String(), Type.Number()),
      }),
      { description: 'By the first metric, descending, then by value (null last)' },
    ),
    totals: Type.Record(Type.String(), Type.Number(), {
      description:
        'Over every matching event of the range, whatever its value (distinct counts are not sums of rows)',
    }),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last',
    }),
  },
  {
    examples: [
      {
        dimension: 'path',
        metrics: ['visitors', 'pageviews'],
        data: [
          { value: '/', values: { visitors: 812, pageviews: 1490 } },
          { value: '/pricing', values: { visitors: 301, pageviews: 388 } },
        ],
        totals: { visitors: 1020, pageviews: 2710 },
        next_cursor: 'eyJ2IjozMDEsImsiOiIvcHJpY2luZyJ9.6kq2',
      },
    ],
  },
);
