// What the browser suites share: the running API (from the Node side), clients, fixtures and DOM helpers.
import { AnalyticsClient, type AnalyticsEvent } from '@acme/analytics-sdk';
import { executeServerCommand } from '@web/test-runner-commands';
import { defineElements } from '../../src/index.js';
import { assert } from './assert.js';

export interface Fixture {
  event_id: string;
  org_id: string;
  event_type: string;
  user_id?: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

export interface TestEnv {
  apiUrl: string;
  tokens: Record<Org | 'umbrellaWrite', string>;
  fixtures: Fixture[];
}

export const env = await executeServerCommand<TestEnv, undefined>('analytics-env');
defineElements();

let scopes = 0;

/** A fresh name for the proxy's log and fault switches, one per test. */
export function scope(name = 't'): string {
  return `${name}-${Date.now().toString(36)}-${scopes++}`;
}

/** The same-origin pass-through to the API for one scope (the server's test plugin, `@acme/analytics-server/testing/wtr`, serves it). */
export function proxyUrl(name: string): string {
  return `${location.origin}/proxy/${name}`;
}

export type Org = 'acme' | 'globex' | 'initech' | 'hooli' | 'umbrella';

/** A client reading one org, straight from the API or through a proxy scope. */
export function client(org: Org, options: { via?: string; token?: string } = {}): AnalyticsClient {
  return new AnalyticsClient({
    baseUrl: options.via ? proxyUrl(options.via) : env.apiUrl,
    apiKey: options.token ?? env.tokens[org],
    // Read-only: never share (and drain) the origin's persisted event queue.
    persistence: 'memory',
    // Reads still retry a 5xx twice, just without the production backoff.
    retry: { baseDelay: 20, maxDelay: 100 },
  });
}

/** An org's fixtures as the API orders them: newest first, then by id descending. */
export function expected(org: Org, keep: (f: Fixture) => boolean = () => true): Fixture[] {
  return env.fixtures
    .filter((f) => f.org_id === org && keep(f))
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.event_id.localeCompare(a.event_id));
}

export interface Logged {
  method: string;
  path: string;
}

export function requests(name: string): Promise<Logged[]> {
  return executeServerCommand<Logged[], { scope: string }>('analytics-requests', { scope: name });
}

/**
 * Makes the next `count` requests through a scope (those whose path and query contain `match`, if
 * given) answer `status`, or wait for `release()` (hold).
 */
export function fault(
  name: string,
  options: { status?: number; count?: number; hold?: boolean; match?: string },
): Promise<boolean> {
  return executeServerCommand('analytics-fault', { scope: name, ...options });
}

export function release(): Promise<boolean> {
  return executeServerCommand('analytics-release');
}

/** Reads an org's events straight from the API (Node side), to check what a page sent. */
export function apiEvents(org: Org, query: Record<string, string> = {}): Promise<{ data: AnalyticsEvent[] }> {
  return executeServerCommand('analytics-events', { org, query });
}

const mounted: Element[] = [];

/** Puts markup-free elements on the page; `cleanup()` removes them after each test. */
export function mount<T extends HTMLElement>(element: T, parent: Element = document.body): T {
  parent.append(element);
  mounted.push(element);
  return element;
}

export function cleanup(): void {
  for (const element of mounted.splice(0)) element.remove();
}

export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  Object.assign(element, props);
  return element;
}

/** The element that has focus, looking through shadow roots. */
export function deepActive(): Element | null {
  let active: Element | null = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

export function shadow(element: Element): ShadowRoot {
  assert(element.shadowRoot, `${element.localName} has no shadow root`);
  return element.shadowRoot;
}

/** Rendered data rows of an `<events-table>`. */
export function rows(table: Element): HTMLTableRowElement[] {
  return [...shadow(table).querySelectorAll<HTMLTableRowElement>('tr.row')];
}

export function text(element: Element | null | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
