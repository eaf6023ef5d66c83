import { api, assert, equal, exactlyOnce, openTab, type Stored, storageName, until } from './helpers.js';

type WithDelivery = Stored & { context: { delivery?: { install_id: string; seq: number } } | null };

describe('delivery completeness in Chromium against the real API server', () => {
  it('two tabs of one origin tracking at once: every seq 1..N of the install stored exactly once', async () => {
    const { org, token, url } = await api.org();
    // One queue (one install), real IndexedDB and Web Locks, both tabs writing at the same moment.
    const options = { baseUrl: url, token, storage: storageName(), flushAt: 7, flushInterval: 100 };
    const [a, b] = await Promise.all([openTab(options), openTab(options)]);
    const ids = (await Promise.all([a.track(60, 'a'), b.track(60, 'b')])).flat();
    await Promise.all([a.client.flush(), b.client.flush()]);
    const stored = (await until(
      () => api.events(org),
      (s) => s.length >= ids.length,
    )) as WithDelivery[];
    exactlyOnce(stored, ids);
    const installs = new Set(stored.map((e) => e.context?.delivery?.install_id));
    equal(installs.size, 1, 'installs');
    assert(/^[\w-]{22}$/.test([...installs][0] ?? ''), `install id ${[...installs][0]}`);
    equal(
      stored.map((e) => e.context?.delivery?.seq ?? 0).sort((x, y) => x - y),
      Array.from({ length: ids.length }, (_, i) => i + 1),
      'seqs stored',
    );
    equal(
      [...a.errors, ...b.errors].map((e) => e.code),
      [],
      'errors',
    );
    a.frame.remove();
    b.frame.remove();
  });
});
