import type { AnalyticsPlatform } from './options.js';
import { defaultOnline } from './platform.js';

/** Connectivity, and the waits that it (or shutting down) cuts short. */
export interface Connection {
  readonly online: boolean;
  /** Waits `ms`, or without it until woken: by the connection coming back, or by `off()`. */
  sleep(ms?: number): Promise<void>;
  /** Stops listening to the platform, and ends the current sleep. */
  off(): void;
}

/** Follows the platform's `online` hook; `back` runs each time the connection comes back. */
export function createConnection(hook: AnalyticsPlatform['online'], back: () => void): Connection {
  let online = true;
  let wake: (() => void) | undefined;
  const off = (hook ?? defaultOnline)?.((on) => {
    online = on;
    if (on) {
      wake?.();
      back();
    }
  });
  return {
    get online() {
      return online;
    },
    sleep: (ms) =>
      new Promise((resolve) => {
        const t = ms === undefined ? undefined : setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      }),
    off: () => {
      off?.();
      wake?.();
    },
  };
}
