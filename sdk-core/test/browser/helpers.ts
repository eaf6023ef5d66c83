import { executeServerCommand } from '@web/test-runner-commands';
import type { AnalyticsClient, AnalyticsError } from '../../src/index.js';

export interface Org {
  org: string;
  token: string;
  url: string;
}

/** One request through the proxy (`/proxy/<scope>/...`), as the server plugin logged it. */
export interface Sent {
  method: string;
  path: string;
  key: string;
  ids: string[];
  /** Absent until the API has answered. */
  status?: number;
  replayed?: boolean;
  /** Whether it was held (a fault applied). */
  faulted: boolean;
}

export interface Stored {
  event_id: string;
  event_type: string;
  properties: Record<string, unknown>;
}

export interface Exit {
  code: number | null;
  signal: string | null;
}

/**
 * The API server as the page sees it: the server package's web-test-runner plugin runs it as its own
 * process (`@acme/analytics-server/testing/wtr`, set up in web-test-runner.config.mjs).
 */
export const api = {
  org: (prefix = 'org_browser') => executeServerCommand<Org, { prefix: string }>('analytics-org', { prefix }),
  /** Graceful stop: in-flight requests finish, then connections are refused. */
  stop: () => executeServerCommand<unknown, undefined>('analytics-stop'),
  /** SIGKILL the server process: no shutdown of any kind. */
  kill: () => executeServerCommand<Exit | null, undefined>('analytics-kill'),
  /** Start it again (same port, same database) unless it runs. */
  start: () => executeServerCommand<string, undefined>('analytics-start'),
  /** Every stored event of an org, read through the API. */
  events: async (org: string) =>
    (
      await executeServerCommand<{ data: Stored[] }, { org: string; all: boolean }>('analytics-events', {
        org,
        all: true,
      })
    ).data,
  /** Holds the next `count` POSTs of a proxy scope `ms`: their answers (lost to a client that gives up
   *  first), or with `before` the requests themselves (the API answers after the client retried). */
  hold: (scope: string, ms: number, options: { count?: number; before?: boolean } = {}) =>
    executeServerCommand('analytics-fault', {
      scope,
      match: '/api/v1/events',
      count: options.count ?? 1,
      ...(options.before ? { delayMs: ms } : { delayAnswerMs: ms }),
    }),
  /** The POSTs that went through a proxy scope, in the order they arrived. */
  sent: async (scope: string) =>
    (await executeServerCommand<Sent[], { scope: string }>('analytics-requests', { scope })).filter(
      (r) => r.method === 'POST',
    ),
};

let scopes = 0;

/** A fresh proxy scope (its own log and faults) and its base URL, a same-origin pass-through to the API. */
export function proxy(): { scope: string; url: string } {
  const scope = `s${Date.now().toString(36)}-${scopes++}`;
  return { scope, url: `${location.origin}/proxy/${scope}` };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function equal<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Polls until `read` satisfies `done`, then returns the last value. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await sleep(150);
  }
}

/** Every id stored once and nothing else: the exactly-once check. */
export function exactlyOnce(stored: Stored[], expected: string[]): void {
  const counts = new Map<string, number>();
  for (const e of stored) counts.set(e.event_id, (counts.get(e.event_id) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1);
  const missing = expected.filter((id) => !counts.has(id));
  const extra = [...counts.keys()].filter((id) => !expected.includes(id));
  equal(
    { doubled, missing, extra, total: stored.length },
    { doubled: [], missing: [], extra: [], total: expected.length },
    'stored events',
  );
}

export interface Tab {
  frame: HTMLIFrameElement;
  client: AnalyticsClient;
  track(n: number, label: string): Promise<string[]>;
  errors: AnalyticsError[];
  loadedAt: number;
}

const tabOf = (frame: HTMLIFrameElement) => (frame.contentWindow as Window & { tab?: Tab }).tab;

async function ready(frame: HTMLIFrameElement, previous?: number): Promise<Tab> {
  for (let i = 0; i < 400; i++) {
    const tab = tabOf(frame);
    if (tab && tab.loadedAt !== previous) return Object.assign(Object.create(null), tab, { frame });
    await sleep(25);
  }
  throw new Error('tab did not load');
}

const tabUrl = (options: Record<string, string | number>) =>
  new URL(
    `./tab.html?${new URLSearchParams(Object.entries(options).map(([k, v]) => [k, String(v)]))}`,
    import.meta.url,
  ).href;

/** Opens a "tab": an iframe running tab.ts with its own client on the shared storage. */
export async function openTab(options: Record<string, string | number>): Promise<Tab> {
  const frame = document.createElement('iframe');
  frame.src = tabUrl(options);
  document.body.append(frame);
  return ready(frame);
}

/** The tab's next page, with other options (another tenant's credentials): a new client on the same origin. */
export async function navigate(tab: Tab, options: Record<string, string | number>): Promise<Tab> {
  tab.frame.contentWindow!.location.href = tabUrl(options);
  return ready(tab.frame, tab.loadedAt);
}

/** Reloads a tab: the page (and its client) goes, a new one comes up on the same storage. */
export async function reload(tab: Tab): Promise<Tab> {
  tab.frame.contentWindow!.location.reload();
  return ready(tab.frame, tab.loadedAt);
}

export const storageName = () => `browser-test-${crypto.randomUUID()}`;
