import { AnalyticsError } from './errors.js';

/** Seconds before `exp` at which a cached token is replaced. */
const EARLY = 30;

/**
 * The claims of a JWT, unverified (the server does that): read only for a token's `exp` and for the `org_id`
 * that names the client's queue. `{}` for anything that is not a JWT.
 */
export function claims(token: string | undefined): { exp?: unknown; org_id?: unknown } {
  try {
    const bin = atob(token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    // UTF-8, so an org id outside ASCII reads back exactly as the server will compare it.
    return Object(JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))));
  } catch {
    return {};
  }
}

/** `exp` (seconds since the epoch) of a JWT, without verifying it: the server does that. */
export function tokenExpiry(token: string): number | undefined {
  const { exp } = claims(token);
  return typeof exp === 'number' ? exp : undefined;
}

/**
 * A `getToken` for the client, the widgets' `<analytics-provider token-url>` and the React provider: fetches a
 * short-lived token from the host app's own backend (cookies included, so the backend knows the user), as
 * JSON `{ token, expires_in? }` or plain text. Caches it until 30 s before its `exp` (a JWT claim, or
 * `expires_in`); concurrent callers share one request; `forceRefresh` (after a 401) fetches anew.
 */
export function createTokenFetcher(
  url: string,
  options: { fetch?: typeof fetch } = {},
): (options?: { forceRefresh?: boolean }) => Promise<string> {
  let cached: { token: string; exp: number | undefined } | undefined;
  let inflight: Promise<string> | undefined;
  const load = async (): Promise<string> => {
    const f = options.fetch ?? fetch;
    const res = await f(url, { credentials: 'include', headers: { accept: 'application/json, text/plain' } });
    if (!res.ok) throw new AnalyticsError(`Token endpoint answered ${res.status}`, 'token_fetch_failed');
    const text = (await res.text()).trim();
    let token = text;
    let exp: number | undefined;
    if (text.startsWith('{')) {
      const json = JSON.parse(text) as { token?: unknown; expires_in?: unknown };
      // Not a string: no token, refused below.
      token = typeof json.token === 'string' ? json.token : '';
      if (typeof json.expires_in === 'number') exp = Date.now() / 1000 + json.expires_in;
    }
    if (!token) throw new AnalyticsError('Token endpoint sent no token', 'token_fetch_failed');
    cached = { token, exp: exp ?? tokenExpiry(token) };
    return token;
  };
  return ({ forceRefresh = false } = {}) => {
    if (!forceRefresh && cached && !(cached.exp !== undefined && cached.exp - EARLY <= Date.now() / 1000)) {
      return Promise.resolve(cached.token);
    }
    if (forceRefresh) cached = undefined;
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}
