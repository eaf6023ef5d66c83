import { assert, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, env, mount } from './support/env.js';

describe('the demo page', () => {
  afterEach(cleanup);

  it('shows every component with data, accessibly', async () => {
    const frame = document.createElement('iframe');
    frame.style.width = '1200px';
    frame.style.height = '900px';
    const fragment = new URLSearchParams({ api: env.apiUrl, a: env.tokens.acme, b: env.tokens.globex });
    frame.src = `/widgets/demo/index.html#${fragment}`;
    mount(frame);
    // Not the initial about:blank document, which is "complete" at once.
    const doc = await waitFor(() => {
      const d = frame.contentDocument;
      return d?.URL.includes('/demo/') && d.readyState === 'complete' ? d : null;
    }, 'the demo page');
    const root = (selector: string) => doc.querySelector(selector)?.shadowRoot;
    await waitFor(() => root('#events')?.querySelector('tr.row'), 'table rows');
    await waitFor(() => doc.querySelectorAll('metrics-card').length === 3, 'cards');
    for (const card of doc.querySelectorAll('metrics-card')) {
      await waitFor(() => card.shadowRoot?.querySelector('[part="value"]'), 'card value');
    }
    const dashboard = root('analytics-dashboard');
    await waitFor(
      () => dashboard?.querySelector('events-table')?.shadowRoot?.querySelector('tr.row'),
      'dashboard',
    );
    // Each tenant sees its own data.
    const types = (table: Element | null | undefined) =>
      [...(table?.shadowRoot?.querySelectorAll('tr.row td:nth-child(2)') ?? [])].map((td) => td.textContent);
    assert(
      types(doc.querySelector('#events')).every((t) => !t?.startsWith('globex_')),
      'tenant A',
    );
    assert(
      types(dashboard?.querySelector('events-table')).every((t) => t?.startsWith('globex_')),
      'tenant B',
    );
    await expectAccessible(doc.documentElement, 'demo page');
  });
});
