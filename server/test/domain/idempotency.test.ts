import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestAccepted } from '../../src/contract.js';
import { idempotent } from '../../src/domain/idempotency.js';
import { uuidv7 } from '../../src/lib/ids.js';
import type { EventStore, IdempotencyRecord, NewEvent } from '../../src/store/types.js';
import { expectApiError, openTestStore, orgId, stores } from '../helpers.js';

function event(): NewEvent {
  return {
    eventId: uuidv7(),
    eventType: 'a',
    userId: 'u1',
    ts: Date.now(),
    properties: {},
    schemaVersion: 1,
  };
}

describe.each(stores)('idempotent() ($name)', (storeCase) => {
  let store: EventStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(storeCase));
  });
  afterAll(() => close());

  /** A write as the ingest route does it: one event, completing the record in the same transaction. */
  const ingestOne =
    (org: string, calls: (IdempotencyRecord | undefined)[]) =>
    async (idempotency: IdempotencyRecord | undefined) => {
      calls.push(idempotency);
      return store.ingest({ orgId: org, events: [event()], receivedAt: Date.now(), idempotency });
    };

  it('runs the write without a record, every time, when no key is sent', async () => {
    const org = orgId('idem_nokey');
    const calls: (IdempotencyRecord | undefined)[] = [];
    const request = { orgId: org, key: undefined, body: '{}', now: Date.now() };
    const a = await idempotent(store, request, ingestOne(org, calls));
    const b = await idempotent(store, request, ingestOne(org, calls));
    expect(a.replayed).toBe(false);
    expect(b.replayed).toBe(false);
    expect(calls).toEqual([undefined, undefined]);
  });

  it('replays the first response for a repeated key and body, without writing again', async () => {
    const org = orgId('idem_replay');
    const calls: (IdempotencyRecord | undefined)[] = [];
    const request = { orgId: org, key: 'k1', body: '{"events":[1]}', now: Date.now() };
    const first = await idempotent(store, request, ingestOne(org, calls));
    if (first.replayed) throw new Error('the first request replayed');
    const again = await idempotent(store, { ...request, now: Date.now() }, ingestOne(org, calls));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({ key: 'k1', requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    if (!again.replayed) throw new Error('the repeat wrote again');
    expect(again.response.status).toBe(202);
    const body = JSON.parse(again.response.body) as IngestAccepted;
    expect(body).toEqual({ accepted: 1, duplicates: 0, event_ids: first.value.eventIds });
  });

  it('answers 422 idempotency_key_reused for the same key with another body, byte for byte', async () => {
    const org = orgId('idem_reuse');
    const calls: (IdempotencyRecord | undefined)[] = [];
    await idempotent(
      store,
      { orgId: org, key: 'k', body: '{"a":1}', now: Date.now() },
      ingestOne(org, calls),
    );
    const other = { orgId: org, key: 'k', body: '{"a": 1}', now: Date.now() };
    await expectApiError(idempotent(store, other, ingestOne(org, calls)), 'idempotency_key_reused');
    expect(calls).toHaveLength(1);
  });

  it('answers 409 idempotency_key_in_use while the first request holds the key', async () => {
    const org = orgId('idem_busy');
    const calls: (IdempotencyRecord | undefined)[] = [];
    const request = { orgId: org, key: 'k', body: '{}', now: Date.now() };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let entered!: () => void;
    const writing = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = idempotent(store, request, async (record) => {
      entered();
      await gate;
      return ingestOne(org, calls)(record);
    });
    await writing; // the first request holds the key now
    await expectApiError(idempotent(store, request, ingestOne(org, calls)), 'idempotency_key_in_use');
    open();
    expect((await first).replayed).toBe(false);
    expect(calls).toHaveLength(1);
    expect((await idempotent(store, request, ingestOne(org, calls))).replayed).toBe(true);
  });

  it('releases the key when the write fails, so a retry with the same key writes', async () => {
    const org = orgId('idem_release');
    const calls: (IdempotencyRecord | undefined)[] = [];
    const request = { orgId: org, key: 'k', body: '{}', now: Date.now() };
    const failing = idempotent(store, request, async () => {
      throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    const retry = await idempotent(store, request, ingestOne(org, calls));
    expect(retry.replayed).toBe(false);
    expect(calls).toHaveLength(1);
  });

  it('scopes keys to the org: another org with the same key and body writes its own', async () => {
    const [a, b] = [orgId('idem_org_a'), orgId('idem_org_b')];
    const calls: (IdempotencyRecord | undefined)[] = [];
    const request = { key: 'shared', body: '{}', now: Date.now() };
    await idempotent(store, { ...request, orgId: a }, ingestOne(a, calls));
    const other = await idempotent(store, { ...request, orgId: b }, ingestOne(b, calls));
    expect(other.replayed).toBe(false);
    expect(calls).toHaveLength(2);
  });
});
