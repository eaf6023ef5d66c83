import type { AnalyticsPlatform } from './options.js';

/** `window`, where there is one: the defaults below (and consent) read it only then. */
export const win = (): Window | undefined => (typeof window === 'undefined' ? undefined : window);

/** `navigator.onLine` now, then `online`/`offline`. */
export const defaultOnline: AnalyticsPlatform['online'] = (set) => {
  const w = win();
  if (!w) return;
  set(w.navigator.onLine !== false);
  const on = (): void => set(true);
  const off = (): void => set(false);
  w.addEventListener('online', on);
  w.addEventListener('offline', off);
  return () => {
    w.removeEventListener('online', on);
    w.removeEventListener('offline', off);
  };
};

/** `pagehide`, and `visibilitychange` to hidden (the last event a mobile browser reliably fires). */
export const defaultExit: AnalyticsPlatform['exit'] = (onExit) => {
  const w = win();
  if (!w) return;
  const d = w.document;
  const hidden = (): void => {
    if (d.visibilityState === 'hidden') onExit();
  };
  w.addEventListener('pagehide', onExit);
  d.addEventListener('visibilitychange', hidden);
  return () => {
    w.removeEventListener('pagehide', onExit);
    d.removeEventListener('visibilitychange', hidden);
  };
};
