import type { AcmeAnalyticsGlobal } from '../src/script-tag.js';
import { assert, deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { apiEvents, cleanup, expected, mount, text } from './support/env.js';

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
