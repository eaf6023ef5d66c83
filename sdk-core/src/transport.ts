import { AnalyticsError, toApiError } from './errors.js';
import type { AnalyticsClientOptions } from './options.js';

/** One request: a POST when it has a body, else a GET. */
export interface Call {
  query?: string;
  body?: string;
  /** The `Idempotency-Key`. */
  key?: string;
  signal?: AbortSignal;
  /** The page-exit send: `fetch` with `keepalive`, no timeout, and the last token without waiting for one. */
  keepalive?: boolean;
  /** Resolve with the response itself, its body unread (a stream): the timeout covers its headers only. */
  raw?: boolean;
}

export interface Transport {
  /**
   * Fetches `path` under the base URL with the bearer token and a timeout; resolves with the JSON of a 2xx
   * (or, `raw`, the response), rejects with an `AnalyticsApiError` otherwise. After a 401, with `getToken`,
   * goes once more with a refreshed token.
   */
  request<T>(path: string, call: Call): Promise<T>;
  /** The token for the next request (`getToken`'s, remembered for the page-exit send, or `apiKey`). */
  auth(): Promise<string | undefined>;
}

/** The base URL without trailing slashes, so paths join with one. */
export const base = (url: string): string => url.replace(/\/+$/, '');

export function createTransport({
  baseUrl,
  apiKey,
  getToken,
  fetch: f,
  timeout = 10_000,
}: AnalyticsClientOptions): Transport {
  const root = base(baseUrl);
  let token = apiKey;
  /** The refresh after a 401, shared by every request that was refused the same `stale` token. */
  let refresh: { stale: string | undefined; next: Promise<string> } | undefined;

  /** Token for a request; with `stale`, the shared refresh after a 401 with that token. */
  const auth = async (refreshing?: boolean, stale?: string): Promise<string | undefined> => {
    if (!getToken) return token;
    if (refreshing && refresh?.stale !== stale) {
      const next = Promise.resolve().then(() => getToken({ forceRefresh: true }));
      refresh = { stale, next };
      // A failed refresh must not be shared forever.
      next.catch(() => {
        if (refresh?.next === next) refresh = undefined;
      });
    }
    token = await (refreshing ? refresh!.next : getToken({ forceRefresh: false }));
    return token;
  };

  const request = async <T>(path: string, { raw, query, body, key, signal, keepalive }: Call): Promise<T> => {
    // The exit path cannot wait for a token: it uses the last one, synchronously.
    let sent = keepalive ? token : await auth();
    for (let retried = false; ; retried = true) {
      signal?.throwIfAborted();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (sent) headers.authorization = `Bearer ${sent}`;
      if (body) headers['content-type'] = 'application/json';
      if (key) headers['idempotency-key'] = key;
      const ctl = new AbortController();
      const abort = (): void => ctl.abort(signal?.reason);
      signal?.addEventListener('abort', abort);
      const timer = keepalive
        ? undefined
        : setTimeout(
            () => ctl.abort(new AnalyticsError(`No response after ${timeout} ms`, 'timeout')),
            timeout,
          );
      try {
        const res = await (f ?? fetch)(root + path + (query ? `?${query}` : ''), {
          method: body && 'POST',
          headers,
          body,
          signal: ctl.signal,
          keepalive,
        });
        if (res.ok) return (raw ? res : await res.json()) as T;
        if (res.status !== 401 || !getToken || retried) throw await toApiError(res);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
      }
      sent = await auth(true, sent);
    }
  };

  return { request, auth };
}
