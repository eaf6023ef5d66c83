import 'fake-indexeddb/auto';
import { clear, createStore, entries, setMany } from 'idb-keyval';
import { describe, expect, it, vi } from 'vitest';
import { type Counter, drop } from '../src/delivery.js';
import type { AnalyticsClientOptions } from '../src/index.js';
import { events, harness, type SeenRequest } from './helpers.js';

let n = 0;
const dbName = () => `delivery-${++n}-${Math.random()}`;
const records = async (name: string) => new Map(await entries<string, unknown>(createStore(name, 'queue')));

interface Client {
  install_id: string;
  queue_depth: number;
  oldest_queued_at?: string;
  dropped?: Counter['r'];
}
type Sent = { event_type: string; context: { delivery?: { install_id: string; seq: number } } };
const bodies = (requests: SeenRequest[]) =>
  requests.map((r) => JSON.parse(r.raw!) as { events: Sent[]; client?: Client });
const delivered = (requests: SeenRequest[]) => bodies(requests).flatMap((b) => b.events);
const seqs = (requests: SeenRequest[]) => delivered(requests).map((e) => e.context.delivery?.seq);
const lastClient = (requests: SeenRequest[]) => bodies(requests).at(-1)?.client;
const page = (storageName: string, options: Partial<AnalyticsClientOptions> = {}) =>
  harness({ persistence: 'auto', storageName, flushAt: 1000, flushInterval: 60_000, ...options });

describe('context.delivery', () => {
  it('gives every queued event the next seq of one install, persisted across a reload', async () => {
    const storageName = dbName();
    const first = page(storageName);
    await first.client.trackEvents(events(3));
    await first.client.trackEvent({ event_type: 'fourth' });
    await first.client.flush();
    const second = page(storageName);
    await second.client.trackEvents(events(2));
    await second.client.flush();
    const all = [...delivered(first.api.requests), ...delivered(second.api.requests)];
    expect(all.map((e) => e.context.delivery?.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const ids = new Set(all.map((e) => e.context.delivery?.install_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[\w-]{22}$/);
    expect(((await records(storageName)).get('n') as Counter).s).toBe(6);
  });

  it('never gives a seq again, after maxQueueSize dropped events or opting out cleared them', async () => {
    const storageName = dbName();
    const h = page(storageName, { maxQueueSize: 3 });
    await h.client.trackEvents(events(5));
    await h.client.optOut();
    await h.client.optIn();
    await h.client.trackEvents(events(2));
    await h.client.flush();
    expect(seqs(h.api.requests)).toEqual([6, 7]);
  });

  it('takes over a queue written before installs: its events go as they are, new ones from seq 1', async () => {
    const storageName = dbName();
    const old = ['{"event_type":"old","event_id":"0190a000-0000-7000-8000-000000000001"}'];
    await setMany(
      [
        ['n', 1],
        ['q/0190a000-0000-7000-8000-000000000000', { e: old, b: old[0]!.length + 1 }],
      ],
      createStore(storageName, 'queue'),
    );
    const h = page(storageName);
    await h.client.trackEvent({ event_type: 'new' });
    await h.client.flush();
    expect(delivered(h.api.requests).map((e) => [e.event_type, e.context?.delivery?.seq])).toEqual([
      ['old', undefined],
      ['new', 1],
    ]);
    expect(((await records(storageName)).get('n') as Counter).n).toBe(0);
  });

  it('overrides an application’s own context.delivery, keeping the rest of its context', async () => {
    const h = page(dbName());
    await h.client.trackEvent({
      event_type: 'a',
      context: { locale: 'de-DE', delivery: { install_id: 'mine', seq: 99 } },
    });
    await h.client.flush();
    const [event] = delivered(h.api.requests);
    expect(event!.context).toMatchObject({ locale: 'de-DE', delivery: { seq: 1 } });
    expect(event!.context.delivery!.install_id).not.toBe('mine');
  });

  it('gives two clients of one tenant tracking at the same moment disjoint seqs, none skipped', async () => {
    const storageName = dbName();
    const tabs = [page(storageName), page(storageName)];
    await Promise.all(
      tabs.map(async ({ client }, t) => {
        for (let i = 0; i < 20; i++) {
          // Some alone, some several in one write, interleaved across the two tabs.
          await (i % 3 ? client.trackEvent({ event_type: `t${t}` }) : client.trackEvents(events(2)));
        }
      }),
    );
    await Promise.all(tabs.map(({ client }) => client.flush()));
    // Without Web Locks both may send a batch: once per idempotency key is what the API stores.
    const once = new Map(tabs.flatMap(({ api }) => api.requests.map((r) => [r.key, r])));
    const all = seqs([...once.values()]);
    expect(all).toHaveLength(2 * (20 + 7));
    expect([...all].sort((a, b) => a! - b!)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  });

  it('sends events tracked in the same task as the page exit without a seq, and stores them as sent', async () => {
    const storageName = dbName();
    const h = page(storageName);
    await h.client.trackEvents(events(2));
    void h.client.trackEvent({ event_type: 'same-tick' });
    h.exit();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [exit] = bodies(h.api.requests);
    expect(exit!.events.map((e) => e.context.delivery?.seq)).toEqual([1, 2, undefined]);
    expect(exit!.events[2]!.context).toHaveProperty('library');
  });
});

describe('client report', () => {
  it('says how many events stay queued behind the batch and since when', async () => {
    const h = page(dbName(), { flushAt: 1000 });
    const before = new Date().toISOString();
    await h.client.trackEvents(events(150));
    const after = new Date().toISOString();
    await h.client.flush();
    const reports = bodies(h.api.requests).map((b) => b.client!);
    expect(reports.map((c) => c.queue_depth)).toEqual([50, 0]);
    expect(reports[0]!.oldest_queued_at! >= before && reports[0]!.oldest_queued_at! <= after).toBe(true);
    expect(reports[1]).not.toHaveProperty('oldest_queued_at');
    expect(new Set(reports.map((c) => c.install_id))).toEqual(
      new Set(delivered(h.api.requests).map((e) => e.context.delivery!.install_id)),
    );
  });

  it('reports drops per reason, cumulatively, across reloads', async () => {
    const storageName = dbName();
    let masked = true;
    const options: Partial<AnalyticsClientOptions> = {
      maxQueueSize: 4,
      beforeSend: (e) => (masked && e.event_type === 'secret' ? null : e),
    };
    const first = page(storageName, options);
    await first.client.trackEvents(events(6)); // seqs 1-6, 1 and 2 overflow
    await first.client.trackEvent({ event_type: 'secret' });
    await first.client.optOut(); // seqs 3-6 cleared
    await first.client.optIn();
    await first.client.trackEvents(events(2)); // seqs 7-8
    await first.client.flush();
    expect(lastClient(first.api.requests)!.dropped).toEqual({
      queue_overflow: { count: 2, ranges: [[1, 2]] },
      before_send: { count: 1 },
      opt_out: { count: 4, ranges: [[3, 6]] },
    });

    masked = false;
    const second = page(storageName, options);
    await second.client.trackEvents(events(6)); // seqs 9-14, 9 and 10 overflow
    await second.client.flush();
    expect(lastClient(second.api.requests)!.dropped).toEqual({
      queue_overflow: {
        count: 4,
        ranges: [
          [1, 2],
          [9, 10],
        ],
      },
      before_send: { count: 1 },
      opt_out: { count: 4, ranges: [[3, 6]] },
    });
  });

  it('counts events a sampled-out page load never queued, for a later page’s batch', async () => {
    const storageName = dbName();
    // Cookieless, each page load draws anew: this one draws above the rate.
    const draw = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const out = page(storageName, { cookieless: true, sampleRate: 0.5 });
    await out.client.trackEvents(events(3));
    await out.client.flush();
    draw.mockRestore();
    expect(out.api.requests).toHaveLength(0);
    const later = page(storageName);
    await later.client.trackEvent({ event_type: 'a' });
    await later.client.flush();
    expect(lastClient(later.api.requests)!.dropped!.sampled).toEqual({ count: 3 });
  });

  it('reports a queue wiped while the page runs under the old install, and goes on as a new one', async () => {
    const storageName = dbName();
    const h = page(storageName);
    await h.client.trackEvents(events(3));
    const old = ((await records(storageName)).get('n') as Counter).i;
    // Site data cleared: the queue and its counter are gone.
    await clear(createStore(storageName, 'queue'));
    await h.client.trackEvents(events(2));
    await h.client.flush();
    const [wiped, ...rest] = bodies(h.api.requests);
    expect(wiped!.client).toEqual({
      install_id: old,
      queue_depth: 0,
      dropped: { storage_cleared: { count: 3, ranges: [[1, 3]] } },
    });
    expect(wiped!.events.map((e) => e.context.delivery!.seq)).toEqual([1, 2]);
    expect(wiped!.events[0]!.context.delivery!.install_id).not.toBe(old);
    expect(rest).toEqual([]);
  });

  it('reports no storage_cleared for a wipe after opting out: the opt-out took those seqs', async () => {
    const storageName = dbName();
    const h = page(storageName);
    await h.client.trackEvents(events(3));
    await h.client.optOut();
    await clear(createStore(storageName, 'queue'));
    await h.client.optIn();
    await h.client.trackEvents(events(2));
    await h.client.flush();
    const reports = bodies(h.api.requests).map((b) => b.client!);
    expect(reports.map((c) => c.dropped)).toEqual([{}]);
    expect(seqs(h.api.requests)).toEqual([1, 2]);
  });

  it('keeps a batch’s body, report included, the same on every retry', async () => {
    let fail = 2;
    const h = harness({ flushAt: 2, retry: { baseDelay: 1 } }, () =>
      fail-- > 0 ? 'network' : new Response('{}', { status: 202 }),
    );
    await h.client.trackEvents(events(2));
    await h.client.flush();
    expect(h.api.requests).toHaveLength(3);
    expect(new Set(h.api.requests.map((r) => r.raw)).size).toBe(1);
    expect(bodies(h.api.requests)[0]!.client!.install_id).toMatch(/^[\w-]{22}$/);
  });
});

describe('drop()', () => {
  it('merges seqs into ranges, keeps the count exact, and caps the ranges at 32 by joining the closest', () => {
    const report: Counter['r'] = {};
    drop(report, 'queue_overflow', 3, [
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
    drop(report, 'queue_overflow', 2, [
      [1, 1],
      [8, 8],
    ]);
    expect(report.queue_overflow).toEqual({
      count: 5,
      ranges: [
        [1, 1],
        [5, 8],
      ],
    });
    // 40 lone seqs, 10 apart but for one pair 3 apart: that pair is joined first.
    const lone = Array.from({ length: 40 }, (_, i): [number, number] => [100 + i * 10 - (i > 20 ? 7 : 0), 0]);
    for (const r of lone) r[1] = r[0];
    drop(report, 'opt_out', 40, lone);
    const { count, ranges } = report.opt_out!;
    expect(count).toBe(40);
    expect(ranges).toHaveLength(32);
    expect(ranges).toContainEqual([300, 303]);
    for (const [a, b] of lone) expect(ranges!.some(([from, to]) => from <= a && b <= to)).toBe(true);
    drop(report, 'sampled', 0);
    expect(report).not.toHaveProperty('sampled');
  });
});
