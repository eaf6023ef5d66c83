import { Type } from 'typebox';

/** `install_id`: what the SDK makes (22 random base64url characters), at most 64 of `[A-Za-z0-9_-]`. */
export const InstallId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  description: '1–64 characters of `[A-Za-z0-9_-]`: one SDK install (one persisted queue)',
  examples: ['Zq3u9bR1xT0cVw8mN2pL4k'],
});

/** A sequence number: 1 … 2^53 − 1 (exact in every JSON parser that reads numbers as doubles). */
export const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** The most ranges a reason may list (the SDK merges the closest neighbours past it; the count stays exact). */
export const MAX_REPORTED_RANGES = 32;

const SeqDropped = (description: string) =>
  Type.Optional(
    Type.Object(
      {
        count: Count,
        ranges: Type.Optional(
          Type.Array(Type.Array(Seq, { minItems: 2, maxItems: 2 }), {
            maxItems: MAX_REPORTED_RANGES,
            description: 'Inclusive `[from_seq, to_seq]`, at most 32, each with from ≤ to',
          }),
        ),
      },
      { additionalProperties: false, description },
    ),
  );

const CountDropped = (description: string) =>
  Type.Optional(Type.Object({ count: Count }, { additionalProperties: false, description }));

/**
 * Events an install dropped, by reason, CUMULATIVE since the install began: the server keeps the largest
 * `count` and the union of `ranges` per reason, so a re-sent report changes nothing.
 */
export const Dropped = Type.Object(
  {
    queue_overflow: SeqDropped('Queued events pushed out by `maxQueueSize`'),
    opt_out: SeqDropped('Queued events discarded by an opt-out'),
    storage_cleared: SeqDropped('The unsent seqs of a queue that vanished (reported under the old install)'),
    sampled: CountDropped('Events sampled out before queueing (they have no seq)'),
    before_send: CountDropped('Events `beforeSend` discarded (no seq)'),
    storage_unavailable: CountDropped('Events not queued because storage failed (no seq)'),
  },
  {
    additionalProperties: false,
    description: 'By reason; another reason is a 422 naming it',
  },
);

/** The batch's `client`: how the sending install's queue stands, and what it dropped. */
export const ClientReport = Type.Object(
  {
    install_id: InstallId,
    queue_depth: Type.Integer({
      minimum: 0,
      maximum: 2_147_483_647,
      description: 'Events still queued on the device after this batch (not counting it)',
    }),
    oldest_queued_at: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'RFC 3339 instant of the oldest queued event; absent when the queue is empty',
      }),
    ),
    dropped: Type.Optional(Dropped),
  },
  {
    additionalProperties: false,
    description:
      "Delivery report of an SDK install (it may differ from the events' `context.delivery.install_id`)",
    examples: [
      {
        install_id: 'Zq3u9bR1xT0cVw8mN2pL4k',
        queue_depth: 3,
        oldest_queued_at: '2024-05-01T11:59:58.000Z',
        dropped: { queue_overflow: { count: 12, ranges: [[40, 51]] }, sampled: { count: 7 } },
      },
    ],
  },
);

export const DeliveryQuery = Type.Object({
  org_id: Type.Optional(Type.String({ maxLength: 255, description: "Must equal the token's" })),
  start_date: Type.Optional(
    Type.String({ maxLength: 10, description: '`YYYY-MM-DD`, inclusive; default 29 days before `end_date`' }),
  ),
  end_date: Type.Optional(
    Type.String({ maxLength: 10, description: '`YYYY-MM-DD`, inclusive; default today' }),
  ),
  tz: Type.Optional(
    Type.String({ maxLength: 64, default: 'UTC', description: 'IANA time zone for day boundaries' }),
  ),
});

const Completeness = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'received / (received + missing); 1 when both are 0',
});

const counts = {
  installs: Type.Integer({ description: 'Installs with a received event (the day, or the range: distinct)' }),
  received: Type.Integer({ description: 'Distinct seqs received, on the local day of their `timestamp`' }),
  duplicates: Type.Integer({ description: 'Arrivals of a seq already received (stored once)' }),
  missing: Type.Integer({
    description:
      'Seqs in gaps whose next received event arrived more than 24 h ago (counted on that event’s day)',
  }),
  pending: Type.Integer({
    description: 'Seqs in younger gaps, plus the `queue_depth` of each install’s latest report (its day)',
  }),
};

export const DeliveryResponse = Type.Object(
  {
    start_date: Type.String({ format: 'date' }),
    end_date: Type.String({ format: 'date' }),
    tz: Type.String(),
    totals: Type.Object({
      ...counts,
      intentional: Type.Object(
        {
          queue_overflow: Type.Integer(),
          opt_out: Type.Integer(),
          storage_cleared: Type.Integer(),
          sampled: Type.Integer(),
          before_send: Type.Integer(),
          storage_unavailable: Type.Integer(),
        },
        {
          description:
            'Reported drops by reason (the largest cumulative count of each install active in the range); ' +
            'their seqs are not counted as missing',
        },
      ),
      completeness: Completeness,
    }),
    days: Type.Array(
      Type.Object({ date: Type.String({ format: 'date' }), ...counts, completeness: Completeness }),
    ),
  },
  {
    examples: [
      {
        start_date: '2024-05-01',
        end_date: '2024-05-02',
        tz: 'Europe/Berlin',
        totals: {
          installs: 41,
          received: 1180,
          duplicates: 9,
          missing: 4,
          pending: 12,
          intentional: {
            queue_overflow: 0,
            opt_out: 25,
            storage_cleared: 3,
            sampled: 0,
            before_send: 2,
            storage_unavailable: 0,
          },
          completeness: 0.9966,
        },
        days: [
          {
            date: '2024-05-01',
            installs: 30,
            received: 640,
            duplicates: 5,
            missing: 4,
            pending: 0,
            completeness: 0.9938,
          },
          {
            date: '2024-05-02',
            installs: 22,
            received: 540,
            duplicates: 4,
            missing: 0,
            pending: 12,
            completeness: 1,
          },
        ],
      },
    ],
  },
);
