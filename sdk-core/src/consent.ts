import { VISITOR } from './identity.js';
import { win } from './platform.js';
import { clear, getConsent } from './queue.js';
import type { Store } from './storage.js';

/**
 * A person's consent covers the whole site, whichever tenant's client asks (queues are per tenant), so it
 * is kept origin-wide in localStorage; the queue's own record is the fallback where that is unavailable.
 */
const KEY = 'acme-analytics:consent';

const siteConsent = (value?: 'in' | 'out'): string | null | undefined => {
  try {
    const storage = win()?.localStorage;
    if (value) storage?.setItem(KEY, value);
    return storage?.getItem(KEY);
  } catch {
    // Storage blocked (privacy settings, sandboxed frame): the queue's record still holds the choice.
  }
};

/**
 * Whether tracking starts opted out: by the recorded choice (the site's, else the queue's), and without one,
 * when `respectDoNotTrack` is set, by Do Not Track or Global Privacy Control.
 */
export async function optedOut(store: Store, respectDoNotTrack?: boolean): Promise<boolean> {
  const consent = siteConsent() ?? (await store(getConsent));
  const nav: (Navigator & { globalPrivacyControl?: boolean }) | undefined = win()?.navigator;
  return (
    consent === 'out' ||
    (consent !== 'in' &&
      !!respectDoNotTrack &&
      (nav?.doNotTrack === '1' || nav?.globalPrivacyControl === true))
  );
}

/** Records the choice site-wide and in the queue; opting out also deletes the queued events and the visitor. */
export function saveConsent(store: Store, consent: 'in' | 'out'): Promise<void> {
  siteConsent(consent);
  return store((tx) => clear(tx, consent === 'out' ? ['q/', VISITOR] : [], consent));
}
