// One "tab" of the host application, loaded in an iframe: its own JavaScript realm, sharing the origin's
// IndexedDB and Web Locks with the other frames, exactly like another tab. The test drives it through
// `window.tab` (same origin) and reads its options from the query string.
import { AnalyticsClient, type AnalyticsError } from '../../src/index.js';

const q = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => Number(q.get(name) ?? fallback);
const errors: AnalyticsError[] = [];
const sends: { keepalive: boolean; visibility: string; at: number }[] = [];

const client = new AnalyticsClient({
  baseUrl: q.get('baseUrl')!,
  apiKey: q.get('token')!,
  // Without one, the default: a queue per base URL and tenant.
  storageName: q.get('storage') ?? undefined,
  flushAt: num('flushAt', 20),
  flushInterval: num('flushInterval', 200),
  timeout: num('timeout', 10_000),
  retry: { baseDelay: 100, maxDelay: 400 },
  onError: (e) => errors.push(e),
  fetch: (input, init) => {
    if (init?.method === 'POST')
      sends.push({
        keepalive: !!init.keepalive,
        visibility: document.visibilityState,
        at: performance.now(),
      });
    return fetch(input, init);
  },
});

async function track(n: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const event_id = crypto.randomUUID();
    ids.push(event_id);
    // Each awaited: once it resolves the event is in IndexedDB.
    await client.trackEvent({ event_type: 'tab_event', event_id, properties: { label, i } });
  }
  return ids;
}

declare global {
  interface Window {
    tab?: {
      client: AnalyticsClient;
      track: typeof track;
      errors: AnalyticsError[];
      sends: typeof sends;
      loadedAt: number;
    };
  }
}
window.tab = { client, track, errors, sends, loadedAt: performance.timeOrigin };
