import 'fake-indexeddb/auto';
import { createStore, entries } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalyticsError } from '../src/index.js';
import { accept, events, harness, type SeenRequest, tick, until } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

let n = 0;
const dbName = () => `persist-${++n}-${Math.random()}`;
const records = async (name: string) => entries<string, unknown>(createStore(name, 'queue'));

/** Web Locks as browsers implement them for one name: exclusive, granted in request order. */
function lockManager(): Pick<LockManager, 'request'> {
  const chains = new Map<string, Promise<unknown>>();
  const request = (name: string, callback: (lock: Lock | null) => Promise<unknown>) => {
    const run = (chains.get(name) ?? Promise.resolve()).then(() => callback(null));
    chains.set(
      name,
      run.catch(() => {}),
    );
    return run;
  };
  return { request } as Pick<LockManager, 'request'>;
}

describe('IndexedDB queue', () => {
  it('has the event in IndexedDB when trackEvent resolves', async () => {
    const storageName = dbName();
    const { client } = harness({ persistence: 'auto', storageName, flushInterval: 60_000 });
    await client.trackEvent({ event_type: 'stored', properties: { a: 1 } });
    const queued = (await records(storageName)).filter(([k]) => k.startsWith('q/'));
    expect(queued).toHaveLength(1);
    const [, chunk] = queued[0] as [string, { e: string[] }];
    expect(JSON.parse(chunk.e[0]!)).toMatchObject({ event_type: 'stored', properties: { a: 1 } });
  });

  it('writes each new event under its own key, never rewriting what is queued', async () => {
    const storageName = dbName();
    const { client } = harness({ persistence: 'auto', storageName, flushAt: 1000, flushInterval: 60_000 });
    for (let i = 0; i < 5; i++) await client.trackEvent({ event_type: 'e', properties: { i } });
    const put = vi.spyOn(IDBObjectStore.prototype, 'put');
    await client.trackEvent({ event_type: 'e', properties: { i: 5 } });
    const keys = put.mock.calls.map(([, key]) => key as string);
    expect(keys).toHaveLength(2);
    expect(keys).toContain('n');
    const [chunkKey] = keys.filter((k) => k.startsWith('q/'));
    const before = (await records(storageName))
      .map(([k]) => k)
      .filter((k) => k !== chunkKey && k.startsWith('q/'));
    expect(before).toHaveLength(5);
    expect(before.every((k) => k < chunkKey!)).toBe(true);
  });

  it('survives a reload: the next page sends the same batch under the same idempotency key', async () => {
    const storageName = dbName();
    const first = harness({ persistence: 'auto', storageName, flushAt: 5 }, () => 'network');
    await first.client.trackEvents(events(5));
    await until(() => first.api.requests.length >= 1);
    await first.client.shutdown({ timeout: 0 }).catch(() => {});
    const [lost] = first.api.requests as [SeenRequest];

    const second = harness({ persistence: 'auto', storageName });
    await until(() => second.api.requests.length === 1);
    await second.client.flush();
    expect(second.api.requests).toHaveLength(1);
    expect(second.api.requests[0]!.key).toBe(lost.key);
    expect(second.api.requests[0]!.raw).toBe(lost.raw);
    expect((await records(storageName)).filter(([k]) => k.startsWith('q/'))).toEqual([]);
  });

  it('keeps the consent choice across reloads', async () => {
    const storageName = dbName();
    const first = harness({ persistence: 'auto', storageName });
    await first.client.optOut();
    const second = harness({ persistence: 'auto', storageName });
    await second.client.trackEvent({ event_type: 'ignored' });
    await second.client.flush();
    expect(second.client.optedOut).toBe(true);
    expect(second.api.requests).toHaveLength(0);
  });

  it('falls back to the memory queue when IndexedDB cannot be opened, and says so', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'InvalidStateError');
    });
    const { client, api, errors } = harness({ persistence: 'auto', storageName: dbName() });
    await client.trackEvent({ event_type: 'a' });
    await client.flush();
    expect(api.requests).toHaveLength(1);
    expect(errors.map((e) => (e as AnalyticsError).code)).toEqual(['storage_unavailable']);
  });

  it('falls back to memory when IndexedDB is full, losing no event', async () => {
    const storageName = dbName();
    const { client, api, errors } = harness({ persistence: 'auto', storageName, flushAt: 1000 });
    await client.trackEvent({ event_type: 'before' });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('Quota exceeded', 'QuotaExceededError');
    });
    await client.trackEvent({ event_type: 'after' });
    await client.flush();
    expect(errors.map((e) => (e as AnalyticsError).code)).toEqual(['storage_unavailable']);
    expect(api.requests.flatMap((r) => r.body!.events.map((e) => e.event_type))).toEqual(['after']);
    vi.restoreAllMocks();
    // The event written before the trouble is still in IndexedDB, for the next page.
    const next = harness({ persistence: 'auto', storageName });
    await next.client.flush();
    expect(next.api.requests.flatMap((r) => r.body!.events.map((e) => e.event_type))).toEqual(['before']);
  });
});

describe('several tabs on one queue', () => {
  const run = async (locks: Pick<LockManager, 'request'> | null) => {
    const storageName = dbName();
    const seen: SeenRequest[] = [];
    const tabs = [0, 1, 2].map(() =>
      harness({ persistence: 'auto', storageName, flushAt: 7, platform: { locks } }, async (req) => {
        seen.push(req);
        await tick(2);
        return accept(req);
      }),
    );
    await Promise.all(
      tabs.map(async ({ client }, t) => {
        for (let i = 0; i < 30; i++) await client.trackEvent({ event_type: 'tab', properties: { t, i } });
      }),
    );
    await Promise.all(tabs.map(({ client }) => client.flush()));
    return seen;
  };

  it('with Web Locks, sends every event once and no batch twice', async () => {
    const seen = await run(lockManager());
    const ids = seen.flatMap((r) => r.body!.events.map((e) => e.event_id));
    expect(ids).toHaveLength(90);
    expect(new Set(ids).size).toBe(90);
    expect(new Set(seen.map((r) => r.key)).size).toBe(seen.length);
  });

  it('without Web Locks, may send a batch twice but only ever under its one key and body', async () => {
    const seen = await run(null);
    const byKey = new Map<string, Set<string>>();
    for (const r of seen) byKey.set(r.key!, (byKey.get(r.key!) ?? new Set()).add(r.raw!));
    for (const bodies of byKey.values()) expect(bodies.size).toBe(1);
    const ids = [...byKey.values()].flatMap((b) =>
      (JSON.parse([...b][0]!) as SeenRequest['body'])!.events.map((e) => e.event_id),
    );
    expect(ids).toHaveLength(90);
    expect(new Set(ids).size).toBe(90);
  });
});
