import { executeServerCommand } from '@web/test-runner-commands';
import type { AnalyticsClient, AnalyticsError } from '../../src/index.js';

export interface Org {
  org: string;
  token: string;
  url: string;
}

export interface Sent {
  key: string;
  ids: string[];
  status: number;
  replayed: boolean;
  held: boolean;
}

export interface Stored {
  event_id: string;
  event_type: string;
  properties: Record<string, unknown>;
}

export const api = {
  org: () => executeServerCommand<Org, undefined>('api-org'),
  stop: () => executeServerCommand<boolean, undefined>('api-stop'),
  start: () => executeServerCommand<string, undefined>('api-start'),
  events: (org: string) => executeServerCommand<Stored[], { org: string }>('api-events', { org }),
  hold: (ms: number, options: { count?: number; before?: boolean } = {}) =>
    executeServerCommand('proxy-hold', { ms, ...options }),
  proxyLog: () => executeServerCommand<Sent[], undefined>('proxy-log'),
};

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
