import { executeServerCommand } from '@web/test-runner-commands';
import {
  api,
  assert,
  equal,
  exactlyOnce,
  type Org,
  openTab,
  type Stored,
  storageName,
  until,
} from './helpers.js';

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

  it('the queue wiped while the page runs: a new install, and the old one’s events reported lost, not missing', async () => {
    const { org, token, url } = await executeServerCommand<Org, { prefix: string; scope: string }>(
      'analytics-org',
      { prefix: 'org_wipe', scope: 'events:write metrics:read' },
    );
    const storage = storageName();
    const tab = await openTab({ baseUrl: url, token, storage, flushAt: 1000, flushInterval: 600_000 });
    await tab.track(5, 'before-wipe');
    // Site data cleared: the queue's records go, from another realm of the origin, as the browser would.
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(storage);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('queue', 'readwrite');
      tx.objectStore('queue').clear();
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    const ids = await tab.track(3, 'after-wipe');
    await tab.client.flush();
    const stored = (await api.events(org)) as WithDelivery[];
    exactlyOnce(stored, ids);
    equal(stored.map((e) => e.context?.delivery?.seq).sort(), [1, 2, 3], 'seqs of the new install');
    const res = await fetch(`${url}/api/v1/delivery`, { headers: { authorization: `Bearer ${token}` } });
    const { totals } = (await res.json()) as {
      totals: { received: number; missing: number; duplicates: number; intentional: Record<string, number> };
    };
    equal(
      [totals.received, totals.missing, totals.duplicates, totals.intentional.storage_cleared],
      [3, 0, 0, 5],
      'delivery totals (received, missing, duplicates, storage_cleared)',
    );
    tab.frame.remove();
  });
});
