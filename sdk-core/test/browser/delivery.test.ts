import { AnalyticsClient } from '../../src/index.js';
import {
  api,
  assert,
  equal,
  exactlyOnce,
  navigate,
  openTab,
  proxy,
  reload,
  type Sent,
  sleep,
  storageName,
  until,
} from './helpers.js';

describe('delivery in Chromium against the real API server', () => {
  it('server down, events tracked, page reloaded, server back: each event stored exactly once', async () => {
    const { org, token, url } = await api.org();
    const storage = storageName();
    let ids: string[] = [];
    let tab = await openTab({ baseUrl: url, token, storage, flushAt: 10 });
    await api.stop();
    try {
      ids = await tab.track(25, 'before-reload');
      // Attempts fail meanwhile (connection refused) and back off.
      await sleep(600);
      tab = await reload(tab);
      ids.push(...(await tab.track(5, 'after-reload')));
      await sleep(300);
    } finally {
      await api.start();
    }
    await until(
      () => api.events(org),
      (stored) => stored.length >= ids.length,
    );
    await tab.client.flush();
    await sleep(500);
    exactlyOnce(await api.events(org), ids);
    tab.frame.remove();
  });

  it('tenant A tracks offline, the page reloads as tenant B: B sends none of A’s events, A’s next page does', async () => {
    const a = await api.org();
    const b = await api.org();
    // The default storage name, the one the bug shared between tenants: per base URL (and now tenant).
    let tab = await openTab({ baseUrl: a.url, token: a.token, flushAt: 5 });
    let fromA: string[] = [];
    let fromB: string[] = [];
    await api.stop();
    try {
      fromA = await tab.track(12, 'tenant-a');
      await sleep(300);
      tab = await navigate(tab, { baseUrl: b.url, token: b.token, flushAt: 5 });
      fromB = await tab.track(6, 'tenant-b');
      await sleep(300);
    } finally {
      await api.start();
    }
    await until(
      () => api.events(b.org),
      (stored) => stored.length >= fromB.length,
    );
    await tab.client.flush();
    await sleep(500);
    exactlyOnce(await api.events(b.org), fromB);
    equal(
      tab.errors.map((e) => e.code),
      [],
      'errors on tenant B’s page',
    );
    equal((await api.events(a.org)).length, 0, 'tenant A’s events stored before A came back');
    tab = await navigate(tab, { baseUrl: a.url, token: a.token });
    await until(
      () => api.events(a.org),
      (stored) => stored.length >= fromA.length,
    );
    await tab.client.flush();
    exactlyOnce(await api.events(a.org), fromA);
    exactlyOnce(await api.events(b.org), fromB);
    tab.frame.remove();
  });

  it('a response lost after the server stored the batch: retried with the same key, stored once', async () => {
    const { org, token } = await api.org();
    const via = proxy();
    const client = new AnalyticsClient({
      baseUrl: via.url,
      apiKey: token,
      storageName: storageName(),
      timeout: 1000,
      flushAt: 1000,
      retry: { baseDelay: 100, maxDelay: 400 },
    });
    await api.hold(via.scope, 2500);
    const ids = Array.from({ length: 20 }, () => crypto.randomUUID());
    try {
      await client.trackEvents(
        ids.map((event_id, i) => ({ event_type: 'lost_answer', event_id, properties: { i } })),
      );
      await client.flush();
    } finally {
      await client.shutdown();
    }
    const log = await api.sent(via.scope);
    equal(
      log.map((s) => [s.key === log[0]!.key, s.status, s.replayed, s.faulted]),
      [
        [true, 202, false, true],
        [true, 202, true, false],
      ],
      'requests through the proxy',
    );
    exactlyOnce(await api.events(org), ids);
  });

  it('the server answers a held request after the client retried: still stored once', async () => {
    const { org, token } = await api.org();
    const via = proxy();
    const client = new AnalyticsClient({
      baseUrl: via.url,
      apiKey: token,
      storageName: storageName(),
      timeout: 800,
      flushAt: 1000,
      retry: { baseDelay: 50, maxDelay: 100 },
    });
    await api.hold(via.scope, 2000, { before: true });
    const ids = Array.from({ length: 7 }, () => crypto.randomUUID());
    try {
      await client.trackEvents(ids.map((event_id) => ({ event_type: 'late_answer', event_id })));
      await client.flush();
    } finally {
      await client.shutdown();
    }
    // In the order they arrived: the held original, then the retry; complete once both are answered.
    const log: Sent[] = await until(
      () => api.sent(via.scope),
      (sent) => sent.length >= 2 && sent.every((s) => s.status !== undefined),
    );
    equal(new Set(log.map((s) => s.key)).size, 1, 'idempotency keys used');
    equal(
      log.map((s) => [s.faulted, s.status, s.replayed]),
      [
        [true, 202, true],
        [false, 202, false],
      ],
      'the retry stored the batch, the late original was replayed',
    );
    exactlyOnce(await api.events(org), ids);
  });

  it('two tabs tracking at once: no event sent twice, none missing', async () => {
    const { org, token } = await api.org();
    const via = proxy();
    const options = { baseUrl: via.url, token, storage: storageName(), flushAt: 10, flushInterval: 100 };
    const [a, b] = await Promise.all([openTab(options), openTab(options)]);
    const [fromA, fromB] = await Promise.all([a.track(60, 'a'), b.track(60, 'b')]);
    await Promise.all([a.client.flush(), b.client.flush()]);
    const log: Sent[] = await api.sent(via.scope);
    const keyOf = new Map<string, string>();
    for (const sent of log) {
      for (const id of sent.ids) {
        assert(!keyOf.has(id), `event ${id} sent twice`);
        keyOf.set(id, sent.key);
      }
    }
    equal(
      log.every((s) => s.status === 202 && !s.replayed),
      true,
      'every batch accepted the first time',
    );
    exactlyOnce(await api.events(org), [...fromA, ...fromB]);
    a.frame.remove();
    b.frame.remove();
  });

  it('pagehide: what is queued goes out with keepalive as the page leaves', async () => {
    const { org, token, url } = await api.org();
    const tab = await openTab({
      baseUrl: url,
      token,
      storage: storageName(),
      flushAt: 1000,
      flushInterval: 600_000,
    });
    const ids = await tab.track(8, 'leaving');
    await sleep(300);
    equal(
      (await api.events(org)).length,
      0,
      `events stored before the page left ${JSON.stringify((tab as unknown as { sends: unknown }).sends)} ${document.visibilityState}`,
    );
    tab.frame.contentWindow!.location.href = 'about:blank';
    const stored = await until(
      () => api.events(org),
      (s) => s.length >= ids.length,
      10_000,
    );
    exactlyOnce(stored, ids);
    tab.frame.remove();
  });
});
