import { vi } from 'vitest';
import { AnalyticsClient, type AnalyticsClientOptions } from '../src/index.js';

/** One request as the transport saw it. */
export interface SeenRequest {
  url: URL;
  method: string;
  headers: Headers;
  key: string | null;
  body: { events: { event_id: string; event_type: string; [k: string]: unknown }[] } | undefined;
  raw: string | undefined;
  keepalive: boolean;
  signal: AbortSignal | undefined;
  at: number;
}

type Answer = Response | 'network' | 'hang';
export type Handler = (req: SeenRequest, index: number) => Answer | Promise<Answer>;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

export const problem = (status: number, code: string, headers?: Record<string, string>): Response =>
  json(status, { type: `/problems/${code}`, title: code, status, detail: `${code} detail`, code }, headers);

export const accept = (req: SeenRequest): Response =>
  json(202, {
    accepted: req.body?.events.length ?? 0,
    duplicates: 0,
    event_ids: req.body?.events.map((e) => e.event_id) ?? [],
  });

/**
 * The network edge the client talks through: records every request and answers from `handler` (default:
 * 202 for ingest). `hang` never answers but honours the abort signal, like a server that went quiet.
 */
export function transport(handler: Handler = accept) {
  const requests: SeenRequest[] = [];
  let current = handler;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const raw = typeof init.body === 'string' ? init.body : undefined;
    const req: SeenRequest = {
      url: new URL(String(input)),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      key: new Headers(init.headers).get('idempotency-key'),
      body: raw ? JSON.parse(raw) : undefined,
      raw,
      keepalive: !!init.keepalive,
      signal: init.signal ?? undefined,
      at: Date.now(),
    };
    requests.push(req);
    const answer = await current(req, requests.length - 1);
    init.signal?.throwIfAborted();
    if (answer === 'network') throw new TypeError('Failed to fetch');
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    return answer;
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    requests,
    ingests: () => requests.filter((r) => r.method === 'POST'),
    setHandler(next: Handler) {
      current = next;
    },
  };
}

/** Lets real I/O (fake-indexeddb schedules with setImmediate) and microtasks run, fake timers untouched. */
export async function tick(times = 30): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits (in real I/O turns, not fake time) until `condition` holds. */
export async function until(condition: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

export function useFakeTime(): void {
  // setImmediate stays real: fake-indexeddb completes requests with it.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2025-03-01T12:00:00Z') });
}

export interface Harness {
  client: AnalyticsClient;
  api: ReturnType<typeof transport>;
  errors: Error[];
  setOnline(online: boolean): void;
  exit(): void;
}

let names = 0;

/** A client on the memory queue (unless options say otherwise) with platform hooks the test drives. */
export function harness(options: Partial<AnalyticsClientOptions> = {}, handler?: Handler): Harness {
  const api = transport(handler);
  const errors: Error[] = [];
  let setOnline: (online: boolean) => void = () => {};
  let exit: () => void = () => {};
  const client = new AnalyticsClient({
    baseUrl: 'https://api.test/',
    apiKey: 'key',
    persistence: 'memory',
    storageName: `test-${++names}-${Math.random()}`,
    fetch: api.fetch,
    onError: (e) => errors.push(e),
    ...options,
    platform: {
      online: (set) => {
        setOnline = set;
        set(true);
        return undefined;
      },
      exit: (onExit) => {
        exit = onExit;
        return undefined;
      },
      locks: null,
      random: () => 1,
      ...options.platform,
    },
  });
  return { client, api, errors, setOnline: (o) => setOnline(o), exit: () => exit() };
}

export const events = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ event_type: 'click', properties: { i, ...extra } }));

const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** An unsigned JWT: the client only reads its claims, and the fake transport checks nothing. */
export const jwt = (claims: object) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;
