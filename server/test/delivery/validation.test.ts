/**
 * Bad delivery input is a 422 naming the field, on ingest and on the report; never a 500, and a refused
 * batch leaves no bookkeeping behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, orgId, stores, type TestApp } from '../helpers.js';

const INSTALL = 'Zq3u9bR1xT0cVw8mN2pL4k';
const event = (delivery: unknown) => ({ event_type: 'page_view', context: { delivery } });
const client = (extra: Record<string, unknown>) => ({ install_id: INSTALL, queue_depth: 0, ...extra });

describe.each(stores)('delivery input ($name)', (storeCase) => {
  let t: TestApp;
  const org = orgId('delivery_422');
  beforeAll(async () => {
    t = await createTestApp(storeCase);
  });
  afterAll(async () => {
    await t.close();
  });

  async function post(body: unknown) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { ...bearer(await t.token({ org })), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  }

  describe('POST /api/v1/events', () => {
    const cases: [string, unknown, string][] = [
      ['a seq of 0', { events: [event({ install_id: INSTALL, seq: 0 })] }, '/events/0/context/delivery/seq'],
      [
        'a seq past 2^53 - 1',
        { events: [event({ install_id: INSTALL, seq: 2 ** 53 })] },
        '/events/0/context/delivery/seq',
      ],
      [
        'a fractional seq',
        { events: [event({ install_id: INSTALL, seq: 1.5 })] },
        '/events/0/context/delivery/seq',
      ],
      [
        'a seq as text',
        { events: [event({ install_id: INSTALL, seq: '1' })] },
        '/events/0/context/delivery/seq',
      ],
      ['no seq', { events: [event({ install_id: INSTALL })] }, '/events/0/context/delivery/seq'],
      [
        'an install id with a space',
        { events: [event({ install_id: 'a b', seq: 1 })] },
        '/events/0/context/delivery/install_id',
      ],
      [
        'an install id of 65 characters',
        { events: [event({ install_id: 'a'.repeat(65), seq: 1 })] },
        '/events/0/context/delivery/install_id',
      ],
      [
        'an empty install id',
        { events: [event({ install_id: '', seq: 1 })] },
        '/events/0/context/delivery/install_id',
      ],
      [
        'an unknown drop reason',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ dropped: { lost: { count: 1 } } }),
        },
        '/client/dropped/lost',
      ],
      [
        'ranges on a reason without seqs',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ dropped: { sampled: { count: 1, ranges: [[1, 2]] } } }),
        },
        '/client/dropped/sampled/ranges',
      ],
      [
        'more than 32 ranges',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({
            dropped: {
              opt_out: { count: 33, ranges: Array.from({ length: 33 }, (_, i) => [2 * i + 1, 2 * i + 1]) },
            },
          }),
        },
        '/client/dropped/opt_out/ranges',
      ],
      [
        'a range ending before it starts',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ dropped: { queue_overflow: { count: 2, ranges: [[5, 4]] } } }),
        },
        '/client/dropped/queue_overflow/ranges/0',
      ],
      [
        'a range of three numbers',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ dropped: { opt_out: { count: 2, ranges: [[1, 2, 3]] } } }),
        },
        '/client/dropped/opt_out/ranges/0',
      ],
      [
        'a negative count',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ dropped: { before_send: { count: -1 } } }),
        },
        '/client/dropped/before_send/count',
      ],
      [
        'a negative queue depth',
        { events: [event({ install_id: INSTALL, seq: 1 })], client: client({ queue_depth: -1 }) },
        '/client/queue_depth',
      ],
      [
        'an oldest_queued_at that is no instant',
        {
          events: [event({ install_id: INSTALL, seq: 1 })],
          client: client({ oldest_queued_at: 'yesterday' }),
        },
        '/client/oldest_queued_at',
      ],
      [
        'a client without install id',
        { events: [event({ install_id: INSTALL, seq: 1 })], client: { queue_depth: 0 } },
        '/client/install_id',
      ],
      [
        'an unknown client field',
        { events: [event({ install_id: INSTALL, seq: 1 })], client: client({ secret: 'x'.repeat(5000) }) },
        '/client/secret',
      ],
    ];

    it.each(cases)('answers 422 for %s', async (_name, body, path) => {
      const res = await post(body);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().code).toBe('validation_failed');
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('stores nothing of a refused batch', async () => {
      const res = await t.app.inject({
        url: '/api/v1/delivery',
        headers: bearer(await t.token({ org })),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().totals).toMatchObject({ installs: 0, received: 0, duplicates: 0, pending: 0 });
    });

    it('takes a client report for another install than the events', async () => {
      const res = await post({
        events: [event({ install_id: 'newInstall', seq: 1 })],
        client: client({
          oldest_queued_at: '2024-05-01T12:00:00+02:00',
          dropped: { storage_cleared: { count: 3, ranges: [[7, 9]] } },
        }),
      });
      expect(res.statusCode, res.body).toBe(202);
    });
  });

  describe('GET /api/v1/delivery', () => {
    it.each([
      ['tz=Mars/Olympus', '/tz'],
      ['start_date=2024-13-01', '/start_date'],
      ['end_date=tomorrow', '/end_date'],
      ['start_date=2024-05-02&end_date=2024-05-01', '/start_date'],
      ['start_date=2023-01-01&end_date=2024-12-31', '/end_date'],
    ])('answers 422 for %s', async (query, path) => {
      const res = await t.app.inject({
        url: `/api/v1/delivery?${query}`,
        headers: bearer(await t.token({ org })),
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('needs the metrics:read scope and answers only for the token’s org', async () => {
      const denied = await t.app.inject({
        url: '/api/v1/delivery',
        headers: bearer(await t.token({ org, scope: 'events:write events:read' })),
      });
      expect(denied.statusCode).toBe(403);
      const other = await t.app.inject({
        url: `/api/v1/delivery?org_id=${orgId('other')}`,
        headers: bearer(await t.token({ org })),
      });
      expect(other.statusCode).toBe(403);
      expect(other.json().code).toBe('org_mismatch');
      const none = await t.app.inject({ url: '/api/v1/delivery' });
      expect(none.statusCode).toBe(401);
    });
  });
});
