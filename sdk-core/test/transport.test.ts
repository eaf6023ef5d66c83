import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsApiError, AnalyticsError } from '../src/errors.js';
import { createTransport } from '../src/transport.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A real HTTP server on a free port; each test sets how it answers. */
let handler: Handler = (_req, _body, res) => res.end('{}');
let seen: { url: string; method: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c));
  req.on('end', () => {
    seen.push({ url: req.url!, method: req.method!, headers: req.headers, body });
    handler(req, body, res);
  });
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const answer =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

describe('createTransport() .request()', () => {
  it('GETs with query and bearer token under the base URL; POSTs JSON with the idempotency key', async () => {
    seen = [];
    handler = answer(200, { ok: true });
    const t = createTransport({ baseUrl: base, apiKey: 'key' });
    expect(await t.request('/api/v1/x', { query: 'a=1' })).toEqual({ ok: true });
    await t.request('/api/v1/events', { body: '{"events":[]}', key: 'k-1' });
    expect(seen.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/prefix/api/v1/x?a=1'],
      ['POST', '/prefix/api/v1/events'],
    ]);
    expect(seen[0]!.headers.authorization).toBe('Bearer key');
    expect(seen[1]!.headers['content-type']).toBe('application/json');
    expect(seen[1]!.headers['idempotency-key']).toBe('k-1');
    expect(seen[1]!.body).toBe('{"events":[]}');
  });

  it('turns a problem document into an AnalyticsApiError, with Retry-After in ms', async () => {
    handler = answer(
      429,
      { type: '/problems/rate-limited', title: 'Slow down', status: 429 },
      { 'retry-after': '3' },
    );
    const error = await createTransport({ baseUrl: base })
      .request('/x', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 3000 });
  });

  it('after 401s, calls getToken once with forceRefresh for every request refused the same token', async () => {
    seen = [];
    let current = 'old';
    const calls: boolean[] = [];
    handler = (req, _body, res) =>
      (req.headers.authorization === 'Bearer new'
        ? answer(200, {})
        : answer(401, { status: 401, title: 'no' }))(req, '', res);
    const t = createTransport({
      baseUrl: base,
      getToken: async ({ forceRefresh }) => {
        calls.push(forceRefresh);
        if (forceRefresh) current = 'new';
        return current;
      },
    });
    await Promise.all([t.request('/a', {}), t.request('/b', {}), t.request('/c', {})]);
    expect(calls.filter((f) => f)).toHaveLength(1);
    expect(seen.map((r) => r.headers.authorization).sort()).toEqual([
      'Bearer new',
      'Bearer new',
      'Bearer new',
      'Bearer old',
      'Bearer old',
      'Bearer old',
    ]);
  });

  it('goes once more only: a refused refreshed token is the answer', async () => {
    seen = [];
    handler = answer(401, { status: 401, title: 'no', code: 'invalid_token' });
    const t = createTransport({ baseUrl: base, getToken: () => 'never' });
    await expect(t.request('/a', {})).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    expect(seen).toHaveLength(2);
  });

  it('gives up after `timeout` ms with a timeout error, and honours the caller’s abort', async () => {
    handler = () => {};
    const t = createTransport({ baseUrl: base, apiKey: 'key', timeout: 50 });
    const error = await t.request('/slow', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsError);
    expect(error).toMatchObject({ code: 'timeout' });
    const ctl = new AbortController();
    const aborted = createTransport({ baseUrl: base, apiKey: 'key' })
      .request('/slow', { signal: ctl.signal })
      .catch((e: unknown) => e);
    ctl.abort();
    expect(((await aborted) as Error).name).toBe('AbortError');
  });
});

describe('createTransport() .auth()', () => {
  it('is the static key, or getToken’s token, which a page-exit request then uses without waiting', async () => {
    seen = [];
    handler = answer(200, {});
    expect(await createTransport({ baseUrl: base, apiKey: 'key' }).auth()).toBe('key');
    let calls = 0;
    const t = createTransport({ baseUrl: base, getToken: () => `t${++calls}` });
    expect(await t.auth()).toBe('t1');
    await t.request('/bye', { body: '{}', keepalive: true });
    expect(calls).toBe(1);
    expect(seen[0]!.headers.authorization).toBe('Bearer t1');
  });
});
