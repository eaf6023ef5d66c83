// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createStore, entries } from 'idb-keyval';
import { afterEach, describe, expect, it } from 'vitest';
import { LIBRARY, VERSION } from '../src/context.js';
import { harness, tick } from './helpers.js';

let n = 0;
const dbName = () => `identity-${++n}-${Math.random()}`;
const records = async (name: string) => new Map(await entries<string, unknown>(createStore(name, 'queue')));
const sent = (h: ReturnType<typeof harness>) => h.api.ingests().flatMap((r) => r.body!.events);

/** A clock the test moves. */
const clock = (start = Date.parse('2025-03-01T12:00:00Z')) => {
  const c = { t: start, now: () => c.t };
  return c;
};

afterEach(() => {
  window.localStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('anonymous id', () => {
  it('is made once, persisted beside the queue and sent on every event; a reload keeps it', async () => {
    const storageName = dbName();
    const first = harness({ persistence: 'auto', storageName });
    await first.client.trackEvent({ event_type: 'a' });
    await first.client.flush();
    const stored = (await records(storageName)).get('v') as { a: string };
    expect(stored.a).toMatch(/^[\da-f-]{36}$/);
    const second = harness({ persistence: 'auto', storageName });
    await second.client.trackEvent({ event_type: 'b' });
    await second.client.flush();
    expect([...sent(first), ...sent(second)].map((e) => e.anonymous_id)).toEqual([stored.a, stored.a]);
  });

  it('optOut() deletes it with the queue; optIn() starts a new one', async () => {
    const storageName = dbName();
    const h = harness({ persistence: 'auto', storageName, flushInterval: 60_000 });
    await h.client.trackEvent({ event_type: 'a' });
    const before = ((await records(storageName)).get('v') as { a: string }).a;
    await h.client.optOut();
    const after = await records(storageName);
    expect(after.has('v')).toBe(false);
    expect([...after.keys()].filter((k) => k.startsWith('q/'))).toEqual([]);
    await h.client.trackEvent({ event_type: 'ignored' });
    await tick();
    expect((await records(storageName)).has('v')).toBe(false);
    await h.client.optIn();
    await h.client.trackEvent({ event_type: 'back' });
    await h.client.flush();
    const again = (await records(storageName)).get('v') as { a: string };
    expect(again.a).not.toBe(before);
    expect(sent(h).map((e) => [e.event_type, e.anonymous_id])).toEqual([['back', again.a]]);
  });

  it('cookieless: no anonymous_id or session_id is sent and nothing about the visitor is stored', async () => {
    const storageName = dbName();
    const h = harness({ persistence: 'auto', storageName, cookieless: true });
    await h.client.identify('u1');
    await h.client.register({ plan: 'pro' });
    await h.client.trackEvent({ event_type: 'a' });
    await h.client.flush();
    const [identify, a] = sent(h);
    expect(identify).not.toHaveProperty('anonymous_id');
    expect(a).not.toHaveProperty('anonymous_id');
    expect(a).not.toHaveProperty('session_id');
    expect(a).toMatchObject({ user_id: 'u1', properties: { plan: 'pro' } });
    expect((await records(storageName)).has('v')).toBe(false);
    expect(window.localStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });
});

describe('.identify() and .reset()', () => {
  it('sends $identify with both ids, then stamps user_id; the same user again sends nothing', async () => {
    const h = harness();
    await h.client.trackEvent({ event_type: 'before' });
    await h.client.identify('u42', { plan: 'pro' });
    await h.client.trackEvent({ event_type: 'after' });
    await h.client.identify('u42');
    await h.client.flush();
    const [before, identify, after, ...rest] = sent(h);
    expect(rest).toEqual([]);
    expect(before!.user_id).toBeUndefined();
    expect(identify).toMatchObject({
      event_type: '$identify',
      user_id: 'u42',
      anonymous_id: before!.anonymous_id,
      properties: { plan: 'pro' },
    });
    expect(after).toMatchObject({ user_id: 'u42', anonymous_id: before!.anonymous_id });
  });

  it('refuses an invalid user id without keeping it', async () => {
    const h = harness();
    await expect(h.client.identify('')).rejects.toMatchObject({ code: 'invalid_event' });
    await h.client.trackEvent({ event_type: 'a' });
    await h.client.flush();
    expect(sent(h)[0]!.user_id).toBeUndefined();
  });

  it('reset() forgets the user and starts a new anonymous id and session', async () => {
    const h = harness();
    await h.client.identify('u1');
    await h.client.register({ plan: 'pro' });
    await h.client.trackEvent({ event_type: 'in' });
    await h.client.reset();
    await h.client.trackEvent({ event_type: 'out' });
    await h.client.flush();
    const [, signedIn, signedOut] = sent(h);
    expect(signedIn).toMatchObject({ user_id: 'u1', properties: { plan: 'pro' } });
    expect(signedOut!.user_id).toBeUndefined();
    expect(signedOut!.properties).toBeUndefined();
    expect(signedOut!.anonymous_id).not.toBe(signedIn!.anonymous_id);
    expect(signedOut!.session_id).not.toBe(signedIn!.session_id);
  });
});

describe('sessions', () => {
  it('rotate after sessionTimeoutMs without an event, and not before', async () => {
    const c = clock();
    const h = harness({ sessionTimeoutMs: 60_000, platform: { now: c.now } });
    await h.client.trackEvent({ event_type: 'a' });
    c.t += 59_999;
    await h.client.trackEvent({ event_type: 'b' });
    c.t += 59_999;
    await h.client.trackEvent({ event_type: 'c' });
    c.t += 60_000;
    await h.client.trackEvent({ event_type: 'd' });
    await h.client.flush();
    const [a, b, cc, d] = sent(h).map((e) => e.session_id);
    expect(a).toBeTruthy();
    expect([b, cc]).toEqual([a, a]);
    expect(d).not.toBe(a);
  });

  it('a reload within the timeout continues the session (30 minutes by default)', async () => {
    const storageName = dbName();
    const c = clock();
    const first = harness({ persistence: 'auto', storageName, platform: { now: c.now } });
    await first.client.trackEvent({ event_type: 'a' });
    await first.client.flush();
    c.t += 29 * 60_000;
    const second = harness({ persistence: 'auto', storageName, platform: { now: c.now } });
    await second.client.trackEvent({ event_type: 'b' });
    await second.client.flush();
    c.t += 30 * 60_000;
    await second.client.trackEvent({ event_type: 'c' });
    await second.client.flush();
    const [a, b, cc] = [...sent(first), ...sent(second)].map((e) => e.session_id);
    expect(b).toBe(a);
    expect(cc).not.toBe(a);
  });

  it('a new UTM campaign starts a new session; the same campaign again does not', async () => {
    const h = harness();
    await h.client.trackEvent({ event_type: 'a' });
    window.history.replaceState(null, '', '/landing?utm_source=news&utm_campaign=spring');
    await h.client.trackEvent({ event_type: 'b' });
    await h.client.trackEvent({ event_type: 'c' });
    await h.client.flush();
    const [a, b, c] = sent(h);
    expect(b!.session_id).not.toBe(a!.session_id);
    expect(c!.session_id).toBe(b!.session_id);
    expect(b!.context).toMatchObject({
      utm: { source: 'news', campaign: 'spring' },
      page: { path: '/landing' },
    });
  });
});

describe('context', () => {
  it('carries page, screen, locale and the library; only what is set', async () => {
    document.title = 'Pricing';
    window.history.replaceState(null, '', '/pricing?x=1');
    const h = harness();
    await h.client.trackEvent({ event_type: 'a', context: { locale: 'de-DE' } });
    await h.client.flush();
    const { context } = sent(h)[0]!;
    expect(context).toMatchObject({
      page: { path: '/pricing', title: 'Pricing' },
      locale: 'de-DE',
      library: { name: LIBRARY, version: VERSION },
    });
    expect(context).not.toHaveProperty('utm');
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});

describe('super properties', () => {
  it('register() merges into every event (the event’s own win), persisted; unregister() removes one', async () => {
    const storageName = dbName();
    const first = harness({ persistence: 'auto', storageName });
    await first.client.register({ plan: 'pro', app: 'web' });
    await first.client.trackEvent({ event_type: 'a', properties: { plan: 'team' } });
    await first.client.flush();
    const second = harness({ persistence: 'auto', storageName });
    await second.client.unregister('app');
    await second.client.trackEvent({ event_type: 'b' });
    await second.client.flush();
    expect([...sent(first), ...sent(second)].map((e) => e.properties)).toEqual([
      { plan: 'team', app: 'web' },
      { plan: 'pro' },
    ]);
  });
});

describe('beforeSend and sampleRate', () => {
  it('beforeSend masks, enriches or drops; dropped events are never queued or sent', async () => {
    const h = harness({
      beforeSend: (e) => {
        if (e.event_type === 'secret') return null;
        if (e.context?.page) e.context.page.title = '[masked]';
        return { ...e, properties: { ...e.properties, enriched: true } };
      },
    });
    document.title = 'Account of Jane Doe';
    await h.client.trackEvents([{ event_type: 'secret' }, { event_type: 'kept' }]);
    await h.client.trackEvent({ event_type: 'secret' });
    await h.client.flush();
    const events = sent(h);
    expect(events.map((e) => e.event_type)).toEqual(['kept']);
    expect(events[0]).toMatchObject({
      properties: { enriched: true },
      context: { page: { title: '[masked]' } },
    });
  });

  it('samples per visitor: each visitor kept or dropped as a whole, the decision kept across reloads', async () => {
    const outcomes: boolean[] = [];
    for (let i = 0; i < 24; i++) {
      const storageName = dbName();
      const kept: number[] = [];
      for (const page of [0, 1]) {
        const h = harness({ persistence: 'auto', storageName, sampleRate: 0.5 });
        await h.client.trackEvents([{ event_type: 'a' }, { event_type: 'b' }]);
        await h.client.flush();
        kept.push(sent(h).length);
        expect(h.errors).toEqual([]);
        void page;
      }
      expect([
        [0, 0],
        [2, 2],
      ]).toContainEqual(kept);
      outcomes.push(kept[0] === 2);
    }
    // 24 fair draws all alike: about one run in eight million.
    expect(new Set(outcomes).size).toBe(2);
  });
});
