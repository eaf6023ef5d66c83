// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { trackPageViews } from '../src/index.js';
import { harness, until } from './helpers.js';

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

/** Page views are read after routers finish (a 0 ms timer); a later timer on the same clock runs after it. */
const routed = () => new Promise((resolve) => setTimeout(resolve, 5));

const pageViews = (h: ReturnType<typeof harness>) =>
  h.api.requests.flatMap((r) => r.body!.events.map((e) => e.properties as Record<string, string>));

describe('trackPageViews()', () => {
  it('tracks the current page, then each SPA navigation with the previous URL as referrer', async () => {
    const h = harness();
    document.title = 'Home';
    window.history.replaceState(null, '', '/home?tab=1');
    const stop = trackPageViews(h.client, { window });
    window.history.pushState(null, '', '/pricing');
    document.title = 'Pricing';
    await routed();
    // Same URL again (a router storing scroll state): no new page view.
    window.history.replaceState({ scroll: 10 }, '', '/pricing');
    await routed();
    window.history.pushState(null, '', '/docs');
    await routed();
    window.history.back();
    await until(() => window.location.pathname === '/pricing');
    await routed();
    stop();
    window.history.pushState(null, '', '/after-stop');
    await routed();
    await h.client.flush();
    const views = pageViews(h);
    expect(views.map((v) => v.path)).toEqual(['/home?tab=1', '/pricing', '/docs', '/pricing']);
    expect(views[1]).toMatchObject({ title: 'Pricing', referrer: 'http://localhost:3000/home?tab=1' });
    expect(h.api.requests[0]!.body!.events[0]!.event_type).toBe('page_view');
  });

  it('restores history on stop', () => {
    const { pushState, replaceState } = window.history;
    const stop = trackPageViews(harness().client, { window });
    expect(window.history.pushState).not.toBe(pushState);
    stop();
    expect(window.history.pushState).toBe(pushState);
    expect(window.history.replaceState).toBe(replaceState);
  });
});

describe('browser hooks', () => {
  it('respects Do Not Track when asked to, until optIn()', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    try {
      const h = harness({ respectDoNotTrack: true });
      await h.client.trackEvent({ event_type: 'a' });
      await h.client.flush();
      expect(h.client.optedOut).toBe(true);
      expect(h.api.requests).toHaveLength(0);
      await h.client.optIn();
      await h.client.trackEvent({ event_type: 'b' });
      await h.client.flush();
      expect(h.api.requests).toHaveLength(1);
    } finally {
      Reflect.deleteProperty(navigator, 'doNotTrack');
    }
  });

  it('flushes with keepalive on pagehide through the default listener', async () => {
    const h = harness({ flushInterval: 60_000, platform: { exit: undefined } });
    await h.client.trackEvent({ event_type: 'leaving' });
    window.dispatchEvent(new Event('pagehide'));
    await until(() => h.api.requests.length === 1);
    expect(h.api.requests[0]!.keepalive).toBe(true);
    await h.client.shutdown();
  });
});

describe('consent across tenants', () => {
  afterEach(() => window.localStorage.clear());

  it("applies one tenant's opt-out to every other tenant's client on the site, and opt-in likewise", async () => {
    const acme = harness({ tenant: 'org_acme' });
    await acme.client.optOut();
    const globex = harness({ tenant: 'org_globex' });
    await globex.client.trackEvent({ event_type: 'ignored' });
    await globex.client.flush();
    expect(globex.client.optedOut).toBe(true);
    expect(globex.api.requests).toHaveLength(0);

    await globex.client.optIn();
    const later = harness({ tenant: 'org_acme' });
    await later.client.trackEvent({ event_type: 'sent' });
    await later.client.flush();
    expect(later.client.optedOut).toBe(false);
    expect(later.api.requests).toHaveLength(1);
  });
});
