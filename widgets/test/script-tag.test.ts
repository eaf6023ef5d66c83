import { AnalyticsClient, type AnalyticsEvent } from '@acme/analytics-sdk';
import { executeServerCommand } from '@web/test-runner-commands';
import type { AcmeAnalyticsGlobal } from '../src/script-tag.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { apiEvents, cleanup, env, expected, mount, text } from './support/env.js';

interface Violation {
  directive: string;
  blocked: string;
  source: string;
  line: number;
}

type FrameWindow = Window & {
  AcmeAnalytics?: AcmeAnalyticsGlobal;
  __violations?: Violation[];
  __inline?: boolean;
};

/** Opens one of the strict-CSP pages (served by scripts/wtr-plugin.mjs) in an iframe. */
async function open(page: string): Promise<{ win: FrameWindow; doc: Document }> {
  const frame = document.createElement('iframe');
  frame.style.width = '1000px';
  frame.style.height = '800px';
  frame.src = `/csp/${page}`;
  mount(frame);
  // The bundle runs from <head>: wait for the body to be parsed too, not only for the global.
  const win = await waitFor(() => {
    const w = frame.contentWindow as FrameWindow | null;
    return w?.AcmeAnalytics && w.document.readyState !== 'loading' && w;
  }, 'the page and AcmeAnalytics');
  return { win: win as FrameWindow, doc: frame.contentDocument! };
}

const shadowOf = (el: Element | null | undefined) => el?.shadowRoot ?? null;

describe('the script tag', () => {
  afterEach(cleanup);

  it('works on a page served with a strict CSP (no inline script, no eval)', async () => {
    const { win, doc } = await open('script-tag.html');
    const table = doc.querySelector('events-table')!;
    const card = doc.querySelector('metrics-card')!;
    const select = doc.querySelector('event-type-select')!;
    await waitFor(() => shadowOf(table)?.querySelectorAll('tr.row').length, 'table rows');
    await waitFor(() => shadowOf(card)?.querySelector('[part="value"]'), 'card value');
    await waitFor(() => (shadowOf(select)?.querySelectorAll('option').length ?? 0) > 1, 'filter options');
    const first = shadowOf(table)!.querySelector('tr.row');
    equal(text(first?.querySelector('td:nth-child(2)')), expected('acme')[0]!.event_type);

    // The policy is in force (the page's own inline script was blocked) and the bundle broke none of it.
    equal(win.__inline, undefined, 'inline script blocked');
    const ours = (win.__violations ?? []).filter(
      (v) => !(v.directive === 'script-src-elem' && v.blocked === 'inline'),
    );
    deepEqual(ours, [], 'no violation caused by the bundle');
    assert((win.__violations ?? []).length === 1, 'exactly the deliberate inline-script violation');
    await expectAccessible(doc.body, 'script-tag page');
  });

  it('exposes AcmeAnalytics: track and flush reach the API', async () => {
    const { win } = await open('script-tag.html');
    const marker = `csp-${Date.now()}`;
    const api = win.AcmeAnalytics!;
    assert(api.client, 'client exposed');
    await api.track('csp_check', { marker });
    await api.track({ event_type: 'csp_check', properties: { marker, form: 'object' } });
    await api.flush();
    const { data } = await apiEvents('umbrella', { event_type: 'csp_check' });
    equal(data.filter((e) => e.properties.marker === marker).length, 2);
  });

  it('exposes identify, reset and register: the API stores the ids and properties they set', async () => {
    const { win } = await open('script-tag.html');
    const api = win.AcmeAnalytics!;
    const user = `u-${Date.now()}`;
    await api.register({ app: 'shop' });
    await api.identify(user, { plan: 'pro' });
    await api.track('tag_identified');
    await api.reset();
    await api.track('tag_signed_out', { user });
    await api.flush();
    const { data } = await apiEvents('umbrella', { user_id: user });
    const identify = data.find((e) => e.event_type === '$identify');
    const tracked = data.find((e) => e.event_type === 'tag_identified');
    assert(identify?.anonymous_id, '$identify stored with the anonymous id');
    equal(tracked?.anonymous_id, identify.anonymous_id);
    deepEqual(tracked?.properties, { app: 'shop' });
    const after = (await apiEvents('umbrella', { event_type: 'tag_signed_out' })).data.find(
      (e) => e.properties.user === user,
    );
    equal(after?.user_id, null);
    assert(after?.anonymous_id && after.anonymous_id !== identify.anonymous_id, 'a new anonymous id');
  });

  it('tracks a page_view on load with data-auto-pageview', async () => {
    const start = new Date().toISOString();
    const { win } = await open('script-tag.html');
    await win.AcmeAnalytics!.flush();
    await waitFor(async () => {
      const { data } = await apiEvents('umbrella', { event_type: 'page_view', start_date: start });
      return data.length > 0;
    }, 'page_view stored');
  });

  it('works as an ES module too', async () => {
    const { win, doc } = await open('script-module.html');
    const dashboard = doc.querySelector('analytics-dashboard')!;
    await waitFor(() => {
      const table = shadowOf(dashboard)?.querySelector('events-table');
      return shadowOf(table)?.querySelectorAll('tr.row').length === expected('globex').length;
    }, 'globex rows through token-url');
    deepEqual(win.__violations, []);
  });
});

/** A publishable key of a fresh org for these origins (`POST /api/v1/keys`, by the server's test plugin). */
async function publishableKey(origins: string[]): Promise<{ org: string; key: string }> {
  const org = `org_pk_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const { key } = await executeServerCommand<{ id: string; key: string }, { org: string; origins: string[] }>(
    'analytics-key',
    { org, origins },
  );
  return { org, key };
}

function eventsOf(org: string, query: Record<string, string> = {}): Promise<{ data: AnalyticsEvent[] }> {
  return executeServerCommand('analytics-events', { org, query });
}

describe('the script tag with a publishable key (data-api-key="pk_…")', () => {
  afterEach(cleanup);

  it('tracks from a page on an origin that only the key allows', async () => {
    // http://localhost:PORT is not among the API's CORS origins (the suite allows 127.0.0.1 only): the
    // browser's preflight and POST get through because the key lists that origin.
    const origin = `http://localhost:${location.port}`;
    const { org, key } = await publishableKey([origin]);
    const frame = document.createElement('iframe');
    frame.src = `${origin}/csp/script-key.html?key=${key}&org=${org}`;
    mount(frame);
    const { data } = await waitFor(async () => {
      const page = await eventsOf(org, { event_type: 'page_view' });
      return page.data.length > 0 && page;
    }, "the key page's page_view");
    equal(data[0]!.org_id, org);
    equal(data.length, 1);
  });

  it('data-cookieless: no anonymous id sent or stored; the API derives the visitor', async () => {
    const { org, key } = await publishableKey([location.origin]);
    const frame = document.createElement('iframe');
    frame.src = `/csp/script-cookieless.html?key=${key}&org=${org}`;
    mount(frame);
    const { data } = await waitFor(async () => {
      const page = await eventsOf(org, { event_type: 'page_view' });
      return page.data.length > 0 && page;
    }, "the cookieless page's page_view");
    equal(data[0]!.anonymous_id, null);
    assert(data[0]!.visitor_id?.startsWith('h:'), 'a visitor the API derived');
    const win = frame.contentWindow!;
    const databases = await win.indexedDB.databases();
    // The tenant's queue (the database named after the org) holds events only: no visitor record.
    const ours = databases.filter((d) => d.name?.includes(org));
    equal(ours.length, 1, 'the tenant queue');
    for (const { name } of ours) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = win.indexedDB.open(name!);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      if (db.objectStoreNames.contains('queue')) {
        const record = await new Promise((resolve) => {
          const get = db.transaction('queue').objectStore('queue').get('v');
          get.onsuccess = () => resolve(get.result);
        });
        equal(record, undefined, `no visitor record in ${name}`);
      }
      db.close();
    }
    deepEqual(
      Object.keys(win.localStorage).filter((k) => k !== 'acme-analytics:consent'),
      [],
      'localStorage',
    );
    equal(win.document.cookie, '', 'cookies');
  });

  it('tracker.js tracks with the same API and defines no element', async () => {
    const { org, key } = await publishableKey([location.origin]);
    const frame = document.createElement('iframe');
    frame.src = `/csp/script-tracker.html?key=${key}&org=${org}`;
    mount(frame);
    const win = (await waitFor(() => {
      const w = frame.contentWindow as FrameWindow | null;
      return w?.AcmeAnalytics && w;
    }, 'AcmeAnalytics from tracker.js')) as FrameWindow;
    const api = win.AcmeAnalytics!;
    equal('reader' in api, false, 'no reader: tracker.js shows nothing');
    const user = `u-${Date.now()}`;
    await api.identify(user);
    await api.track('tracked_only', { via: 'tracker.js' });
    await api.flush();
    const { data } = await waitFor(async () => {
      const page = await eventsOf(org);
      return page.data.length >= 3 && page;
    }, "the tracker page's events");
    deepEqual(data.map((e) => e.event_type).sort(), ['$identify', 'page_view', 'tracked_only']);
    equal(data.find((e) => e.event_type === 'tracked_only')!.user_id, user);
    // The page's <events-table> stays an unknown element: no Lit, no definitions in this bundle.
    equal(win.customElements.get('events-table'), undefined);
    equal(win.document.querySelector('events-table')!.shadowRoot, null);
    deepEqual(win.__violations, [], 'no CSP violation');
  });

  it('is refused on a page whose origin the key does not list: 403 origin_not_allowed', async () => {
    const { org, key } = await publishableKey(['https://shop.example']);
    const errors: string[] = [];
    const client = new AnalyticsClient({
      baseUrl: env.apiUrl,
      apiKey: key,
      persistence: 'memory',
      onError: (e) => errors.push(e.code),
    });
    await client.trackEvent({ event_type: 'refused', properties: { from: location.origin } });
    const failed = await client.flush().then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    assert(failed, 'flush rejects');
    const rejected = await client.rejectedBatches();
    equal(rejected.length, 1);
    equal(rejected[0]!.problem.status, 403);
    equal(rejected[0]!.problem.code, 'origin_not_allowed');
    equal(rejected[0]!.events[0]!.event_type, 'refused');
    deepEqual((await eventsOf(org)).data, []);
    await client.shutdown({ timeout: 100 }).catch(() => {});
  });
});
