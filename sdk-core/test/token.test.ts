import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenFetcher, tokenExpiry } from '../src/index.js';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const jwt = (exp: number) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ sub: 'u', exp }))}.sig`;
const now = () => Math.floor(Date.now() / 1000);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-03-01T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function backend(answer: () => Response) {
  const calls: RequestInit[] = [];
  const fetch = (async (_url: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push(init);
    await new Promise((r) => setImmediate(r));
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('createTokenFetcher()', () => {
  it('fetches with cookies, reads JSON { token } and caches it until shortly before exp', async () => {
    let exp = now() + 300;
    const api = backend(() => Response.json({ token: jwt(exp) }));
    const getToken = createTokenFetcher('/api/analytics-token', { fetch: api.fetch });
    const first = await getToken();
    expect(tokenExpiry(first)).toBe(exp);
    expect(api.calls[0]!.credentials).toBe('include');
    vi.setSystemTime(Date.now() + 260_000);
    expect(await getToken()).toBe(first);
    expect(api.calls).toHaveLength(1);
    vi.setSystemTime(Date.now() + 15_000);
    exp = now() + 300;
    expect(await getToken()).not.toBe(first);
    expect(api.calls).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const api = backend(() => Response.json({ token: jwt(now() + 300) }));
    const getToken = createTokenFetcher('/t', { fetch: api.fetch });
    const tokens = await Promise.all([getToken(), getToken(), getToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(api.calls).toHaveLength(1);
  });

  it('fetches anew on forceRefresh (after a 401)', async () => {
    let n = 0;
    const api = backend(() => Response.json({ token: jwt(now() + 300 + n++) }));
    const getToken = createTokenFetcher('/t', { fetch: api.fetch });
    const first = await getToken();
    const second = await getToken({ forceRefresh: true });
    expect(second).not.toBe(first);
    expect(await getToken()).toBe(second);
  });

  it('accepts a plain-text token and honours expires_in', async () => {
    const text = createTokenFetcher('/t', { fetch: backend(() => new Response('opaque-token\n')).fetch });
    expect(await text()).toBe('opaque-token');
    const api = backend(() => Response.json({ token: 'opaque', expires_in: 60 }));
    const json = createTokenFetcher('/t', { fetch: api.fetch });
    await json();
    vi.setSystemTime(Date.now() + 20_000);
    await json();
    expect(api.calls).toHaveLength(1);
    vi.setSystemTime(Date.now() + 15_000);
    await json();
    expect(api.calls).toHaveLength(2);
  });

  it('fails with a typed error when the backend refuses, and tries again next time', async () => {
    let status = 403;
    const getToken = createTokenFetcher('/t', {
      fetch: backend(() => (status === 403 ? new Response('no', { status }) : Response.json({ token: 't' })))
        .fetch,
    });
    await expect(getToken()).rejects.toMatchObject({ code: 'token_fetch_failed' });
    status = 200;
    expect(await getToken()).toBe('t');
  });
});
