import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../src/domain/ingest.js';
import type { EventStore } from '../../src/store/types.js';
import { expectApiError, openTestStore, orgId, stores } from '../helpers.js';

describe.each(stores)('ingestBatch() ($name)', (storeCase) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(storeCase));
  });
  afterAll(() => close());

  it('replays the ids first made for events sent without ids', async () => {
    const org = orgId('ingest_ids');
    const rawBody = '{"events":[{"event_type":"a"},{"event_type":"b"}]}';
    const request = {
      orgId: org,
      events: [{ event_type: 'a' }, { event_type: 'b' }],
      idempotencyKey: 'k',
      rawBody,
    };
    const first = await ingestBatch(store, { ...request, receivedAt: Date.now() });
    const again = await ingestBatch(store, { ...request, receivedAt: Date.now() + 1000 });
    expect(first).toMatchObject({ status: 202, replayed: false, accepted: 2 });
    expect(again).toEqual({ status: 202, body: first.body, replayed: true, accepted: 0 });
    expect((await store.queryEvents({ orgId: org, limit: 10 })).events).toHaveLength(2);
  });

  it('takes no key for an invalid batch: the corrected batch may use it', async () => {
    const org = orgId('ingest_invalid');
    const bad = { orgId: org, receivedAt: Date.now(), idempotencyKey: 'k' };
    await expectApiError(
      ingestBatch(store, { ...bad, events: [{ event_type: 'a', timestamp: 'yesterday' }], rawBody: '1' }),
      'validation_failed',
    );
    const fixed = await ingestBatch(store, { ...bad, events: [{ event_type: 'a' }], rawBody: '2' });
    expect(fixed).toMatchObject({ status: 202, replayed: false, accepted: 1 });
  });
});
