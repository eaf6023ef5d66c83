import { Type } from 'typebox';

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
        'Repeatable (`metrics=` or `metrics[]=`): `events`, `active_users`, `events:<event_type>`, or a stored metric name. Default `events`, `active_users`',
    }),
  ),
  tz: Type.Optional(
    Type.String({ maxLength: 64, default: 'UTC', description: 'IANA time zone for day boundaries' }),
  ),
});

export const SummaryResponse = Type.Object({
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
    description: '`active_users` is distinct over the whole range, not the sum of the days',
  }),
});
