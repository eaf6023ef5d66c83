import { AnalyticsClient, type AnalyticsClientOptions } from '../../src/index.js';
import { api, assert, equal, openTab, reload, storageName, until } from './helpers.js';

interface StoredVisitor {
  event_id: string;
  event_type: string;
  properties: Record<string, unknown>;
  anonymous_id: string | null;
  session_id: string | null;
  user_id: string | null;
  visitor_id: string | null;
  context: { page?: { title?: string; path?: string }; library?: { name?: string } } | null;
}

const stored = async (org: string) => (await api.events(org)) as unknown as StoredVisitor[];

/** The queue database's record `key`, read straight from IndexedDB. */
async function record(database: string, key: string): Promise<unknown> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(database);
    open.onupgradeneeded = () => open.result.createObjectStore('queue');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    return await new Promise((resolve, reject) => {
      const get = db.transaction('queue').objectStore('queue').get(key);
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
  } finally {
    db.close();
  }
}

async function client(options: Partial<AnalyticsClientOptions> & { token: string; url: string }) {
  const { token, url, ...rest } = options;
  return new AnalyticsClient({
    baseUrl: url,
    apiKey: token,
    storageName: storageName(),
    retry: { baseDelay: 100, maxDelay: 400 },
    ...rest,
  });
}

describe('visitors in Chromium against the real API server', () => {
  it('the anonymous id survives a reload and is shared by two tabs; reset() changes it', async () => {
    const { org, token, url } = await api.org('org_visitor');
    const storage = storageName();
    let one = await openTab({ baseUrl: url, token, storage });
    await one.track(1, 'one');
    await one.client.flush();
    // A second tab opened during the visit.
    const two = await openTab({ baseUrl: url, token, storage });
    await two.track(1, 'two');
    one = await reload(one);
    await one.track(1, 'one-reloaded');
    await one.client.flush();
    await two.client.flush();
    const first = await until(
      () => stored(org),
      (s) => s.length >= 3,
    );
    const ids = new Set(first.map((e) => e.anonymous_id));
    equal(ids.size, 1, 'one anonymous id across tabs and the reload');
    const [id] = ids;
    assert(id, 'an anonymous id was sent');
    equal(((await record(storage, 'v')) as { a: string }).a, id, 'the id in IndexedDB');
    equal(new Set(first.map((e) => e.session_id)).size, 1, 'one session across tabs and the reload');
    await two.client.reset();
    await two.track(1, 'after-reset');
    await two.client.flush();
    const after = (await stored(org)).find((e) => e.properties.label === 'after-reset');
    assert(after?.anonymous_id && after.anonymous_id !== id, 'reset() starts a new anonymous id');
    assert(after.session_id !== first[0]!.session_id, 'and a new session');
    one.frame.remove();
    two.frame.remove();
  });

  it('optOut() deletes the id with the queue', async () => {
    const { token, url } = await api.org('org_visitor');
    const name = storageName();
    const c = await client({ token, url, storageName: name });
    await c.trackEvent({ event_type: 'before_opt_out' });
    await c.flush();
    assert(((await record(name, 'v')) as { a?: string } | undefined)?.a, 'the id is stored');
    await c.optOut();
    equal(await record(name, 'v'), undefined, 'the id after optOut()');
    await c.optIn();
    await c.shutdown();
  });

  it('cookieless stores nothing about the visitor: not in IndexedDB, localStorage or cookies', async () => {
    const { org, token, url } = await api.org('org_visitor');
    const name = storageName();
    const keys = Object.keys(localStorage);
    const c = await client({ token, url, storageName: name, cookieless: true });
    await c.identify('u_cookieless');
    await c.trackEvent({ event_type: 'cookieless' });
    await c.flush();
    equal(await record(name, 'v'), undefined, 'the visitor record');
    equal(Object.keys(localStorage), keys, 'localStorage keys');
    equal(document.cookie, '', 'cookies');
    const events = await until(
      () => stored(org),
      (s) => s.length >= 2,
    );
    equal(
      events.map((e) => [e.anonymous_id, e.session_id?.startsWith('s:')]),
      [
        [null, true],
        [null, true],
      ],
      'no anonymous id; sessions the server made',
    );
    await c.shutdown();
  });

  it('sessions rotate after the timeout without an event (injected clock)', async () => {
    const { org, token, url } = await api.org('org_visitor');
    let now = Date.now();
    const c = await client({ token, url, sessionTimeoutMs: 1000, platform: { now: () => now } });
    await c.trackEvent({ event_type: 's', properties: { n: 1 } });
    now += 999;
    await c.trackEvent({ event_type: 's', properties: { n: 2 } });
    now += 1000;
    await c.trackEvent({ event_type: 's', properties: { n: 3 } });
    await c.flush();
    const events = (await stored(org)).sort((a, b) => Number(a.properties.n) - Number(b.properties.n));
    const [a, b, d] = events.map((e) => e.session_id);
    equal(b, a, 'within the timeout');
    assert(d && d !== a, 'a new session after it');
    await c.shutdown();
  });

  it('beforeSend drops and masks; what it drops never reaches the API', async () => {
    const { org, token, url } = await api.org('org_visitor');
    document.title = 'Jane Doe – account';
    const c = await client({
      token,
      url,
      beforeSend: (e) => {
        if (e.event_type === 'private') return null;
        if (e.context?.page) e.context.page.title = 'masked';
        return e;
      },
    });
    await c.trackEvents([{ event_type: 'private' }, { event_type: 'public' }]);
    await c.flush();
    const events = await stored(org);
    equal(
      events.map((e) => [e.event_type, e.context?.page?.title, e.context?.library?.name]),
      [['public', 'masked', '@acme/analytics-sdk']],
      'stored events',
    );
    await c.shutdown();
  });

  it('samples per visitor: a visitor’s events are all kept or all dropped, across reloads', async () => {
    const { org, token, url } = await api.org('org_visitor');
    const visitors = Array.from({ length: 16 }, () => storageName());
    for (const page of ['first', 'second']) {
      for (const [i, name] of visitors.entries()) {
        const c = await client({ token, url, storageName: name, sampleRate: 0.5 });
        await c.trackEvents([
          { event_type: 'sampled', properties: { visitor: i, page } },
          { event_type: 'sampled', properties: { visitor: i, page, n: 2 } },
        ]);
        await c.shutdown();
      }
    }
    const counts = new Map<number, number>();
    for (const e of await stored(org)) {
      const v = Number(e.properties.visitor);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const [v, n] of counts) equal(n, 4, `events of kept visitor ${v}`);
    assert(
      counts.size > 0 && counts.size < visitors.length,
      `some visitors kept, some dropped: ${counts.size}`,
    );
  });
});
