import { Type } from 'typebox';
import { FilterParam } from './events.js';

export const SummaryQuery = Type.Object({
  org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
  start_date: Type.Optional(
    Type.String({ maxLength: 10, description: '`YYYY-MM-DD`, inclusive; default 29 days before `end_date`' }),
  ),
  end_date: Type.Optional(
    Type.String({ maxLength: 10, description: '`YYYY-MM-DD`, inclusive; default today' }),
  ),
  metrics: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      maxItems: 50,
      description:
        'Repeatable (`metrics=` or `metrics[]=`): `events`, `active_users`, `events:<event_type>`, `visitors`, ' +
        '`sessions`, `pageviews`, `bounce_rate`, `avg_session_duration`, `views_per_session`, or a stored metric name. ' +
        'Default `events`, `active_users`',
    }),
  ),
  tz: Type.Optional(
    Type.String({ maxLength: 64, default: 'UTC', description: 'IANA time zone for day boundaries' }),
  ),
  filter: Type.Optional(FilterParam),
  include_bots: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        'Count bot events in the visitor metrics (`visitors`, `sessions`, `pageviews` and the rates); `events`, ' +
        '`events:<type>` and `active_users` count every stored event either way',
    }),
  ),
});

export const SummaryResponse = Type.Object(
  {
    org_id: Type.String(),
    start_date: Type.String({ format: 'date' }),
    end_date: Type.String({ format: 'date' }),
    tz: Type.String(),
    metrics: Type.Array(Type.String()),
    daily: Type.Array(
      Type.Object({
        date: Type.String({ format: 'date' }),
        values: Type.Record(Type.String(), Type.Number()),
      }),
    ),
    totals: Type.Record(Type.String(), Type.Number(), {
      description:
        '`active_users` and `visitors` are distinct over the whole range, not sums of the days; the session ' +
        'rates are over every session that starts in the range',
    }),
  },
  {
    examples: [
      {
        org_id: 'org_acme',
        start_date: '2024-05-01',
        end_date: '2024-05-02',
        tz: 'Europe/Berlin',
        metrics: ['visitors', 'sessions', 'bounce_rate'],
        daily: [
          { date: '2024-05-01', values: { visitors: 120, sessions: 151, bounce_rate: 0.4172 } },
          { date: '2024-05-02', values: { visitors: 98, sessions: 117, bounce_rate: 0.3932 } },
        ],
        totals: { visitors: 201, sessions: 268, bounce_rate: 0.4067 },
      },
    ],
  },
);
