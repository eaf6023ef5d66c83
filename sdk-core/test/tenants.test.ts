import 'fake-indexeddb/auto';
import { startTestServer, type TestServer } from '@acme/analytics-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalyticsApiError,
  AnalyticsClient,
  type AnalyticsClientOptions,
  type AnalyticsError,
  type RejectedBatch,
} from '../src/index.js';
import { accept, type Handler, harness, jwt, type SeenRequest, tick, until } from './helpers.js';

const sent = (requests: SeenRequest[]) =>
  requests.flatMap((r) => r.body!.events.map(({ event_type, org_id }) => ({ event_type, org_id })));
/** Each event once, however often it was tried. */
const distinct = (requests: SeenRequest[]) =>
  [...new Set(sent(requests).map((e) => JSON.stringify(e)))].sort();
const codes = (errors: Error[]) => errors.map((e) => (e as AnalyticsError).code);
let n = 0;
const unique = (name: string) => `${name}_${++n}`;

/** A page's client on IndexedDB under the default storage name (per base URL and tenant). */
const page = (baseUrl: string, options: Partial<AnalyticsClientOptions>, handler?: Handler) =>
  harness({ baseUrl, persistence: 'auto', storageName: undefined, flushAt: 1, ...options }, handler);

/** A page whose API is unreachable: tracks, tries once, and goes (its events stay queued). */
async function offlinePage(baseUrl: string, options: Partial<AnalyticsClientOptions>, types: string[]) {
  const p = page(baseUrl, options, () => 'network');
  await p.client.trackEvents(types.map((event_type) => ({ event_type })));
  await until(() => p.api.requests.length > 0);
  await p.client.shutdown({ timeout: 0 }).catch(() => {});
}

describe('one persisted queue per tenant', () => {
  it('two tenants on one page and base URL never send each other’s events', async () => {
    const base = `https://${unique('api')}.test`;
    const [orgA, orgB] = [unique('org_a'), unique('org_b')];
    const retry = { baseDelay: 10 };
    const a = page(base, { apiKey: jwt({ org_id: orgA }), retry }, () => 'network');
    const b = page(base, { tenant: orgB, retry }, () => 'network');
    await a.client.trackEvents([{ event_type: 'a1' }, { event_type: 'a2' }]);
    await b.client.trackEvent({ event_type: 'b1' });
    // Both try while the API is down, then it comes back.
    await until(() => a.api.requests.length > 0 && b.api.requests.length > 0);
    a.api.setHandler(accept);
    b.api.setHandler(accept);
    await Promise.all([a.client.flush(), b.client.flush()]);
    expect(distinct(a.api.requests)).toEqual([
      JSON.stringify({ event_type: 'a1', org_id: orgA }),
      JSON.stringify({ event_type: 'a2', org_id: orgA }),
    ]);
    expect(distinct(b.api.requests)).toEqual([JSON.stringify({ event_type: 'b1', org_id: orgB })]);
  });

  it('the next page with another tenant’s credentials leaves the first tenant’s events for that tenant', async () => {
    const base = `https://${unique('api')}.test`;
    const keyA = jwt({ org_id: unique('org_a') });
    const keyB = jwt({ org_id: unique('org_b') });
    await offlinePage(base, { apiKey: keyA }, ['left_by_a']);
    const b = page(base, { apiKey: keyB });
    await b.client.trackEvent({ event_type: 'b' });
    await b.client.flush();
    expect(sent(b.api.requests).map((e) => e.event_type)).toEqual(['b']);
    const a = page(base, { apiKey: keyA });
    await a.client.flush();
    expect(sent(a.api.requests).map((e) => e.event_type)).toEqual(['left_by_a']);
    expect(a.api.requests[0]!.headers.get('authorization')).toBe(`Bearer ${keyA}`);
  });

  it('gives an opaque key (no org_id) a queue named by a digest of it, never by the key itself', async () => {
    const base = `https://${unique('api')}.test`;
    const [key1, key2] = [unique('opaque-secret'), unique('opaque-secret')];
    await offlinePage(base, { apiKey: key1 }, ['by_key1']);
    const other = page(base, { apiKey: key2 });
    await other.client.flush();
    expect(other.api.requests).toEqual([]);
    const names = (await indexedDB.databases()).map((d) => d.name!);
    expect(names.filter((name) => name.startsWith(`acme-analytics ${base} #`))).toHaveLength(2);
    expect(names.some((name) => name.includes(key1) || name.includes(key2))).toBe(false);
    const again = page(base, { apiKey: key1 });
    await again.client.flush();
    // No org is known, so none is stamped: the server takes the token's.
    expect(sent(again.api.requests)).toEqual([{ event_type: 'by_key1', org_id: undefined }]);
  });
});

describe('a client with only getToken', () => {
  it('learns its tenant from the first token, holding tracked events in memory until then', async () => {
    const base = `https://${unique('api')}.test`;
    const [orgA, orgB] = [unique('org_a'), unique('org_b')];
    await offlinePage(base, { tenant: orgB }, ['left_by_b']);
    let give: (token: string) => void = () => {};
    const token = new Promise<string>((resolve) => (give = resolve));
    const a = page(base, { apiKey: undefined, getToken: () => token });
    let accepted = false;
    const tracked = a.client.trackEvent({ event_type: 'a' }).then(() => (accepted = true));
    await tick(50);
    // Not accepted, and no queue opened, while the tenant is unknown.
    expect(accepted).toBe(false);
    expect((await indexedDB.databases()).some((d) => d.name === `acme-analytics ${base} ${orgA}`)).toBe(
      false,
    );
    const tokenA = jwt({ org_id: orgA });
    give(tokenA);
    await tracked;
    expect((await indexedDB.databases()).some((d) => d.name === `acme-analytics ${base} ${orgA}`)).toBe(true);
    await a.client.flush();
    expect(sent(a.api.requests)).toEqual([{ event_type: 'a', org_id: orgA }]);
    expect(a.api.requests[0]!.headers.get('authorization')).toBe(`Bearer ${tokenA}`);
    // B's events waited for B.
    const b = page(base, { apiKey: undefined, getToken: () => jwt({ org_id: orgB }) });
    await b.client.flush();
    expect(sent(b.api.requests)).toEqual([{ event_type: 'left_by_b', org_id: orgB }]);
  });

  it('asks again for a token it could not get, at once when the connection comes back', async () => {
    const orgA = unique('org_a');
    let calls = 0;
    const a = page(`https://${unique('api')}.test`, {
      apiKey: undefined,
      getToken: () => {
        if (++calls === 1) throw new TypeError('Failed to fetch');
        return jwt({ org_id: orgA });
      },
      // The backoff after the failure would outlast the test.
      retry: { baseDelay: 3_600_000, maxDelay: 3_600_000 },
    });
    const tracked = a.client.trackEvent({ event_type: 'a' });
    await until(() => calls === 1);
    await tick(20);
    expect(calls).toBe(1);
    a.setOnline(false);
    a.setOnline(true);
    await tracked;
    expect(calls).toBe(2);
    await a.client.flush();
    expect(sent(a.api.requests)).toEqual([{ event_type: 'a', org_id: orgA }]);
    expect(a.errors).toEqual([]);
  });

  it('keeps a token without org_id in memory, and says so', async () => {
    const base = `https://${unique('api')}.test`;
    const before = (await indexedDB.databases()).length;
    const a = page(base, { apiKey: undefined, getToken: () => 'opaque' });
    await a.client.trackEvent({ event_type: 'a' });
    await a.client.flush();
    expect(sent(a.api.requests)).toEqual([{ event_type: 'a', org_id: undefined }]);
    expect(codes(a.errors)).toEqual(['tenant_unknown']);
    expect((await indexedDB.databases()).length).toBe(before);
  });

  it('rejects events still waiting for the tenant when shut down', async () => {
    const a = page(`https://${unique('api')}.test`, {
      apiKey: undefined,
      getToken: () => new Promise(() => {}),
    });
    const tracked = a.client.trackEvent({ event_type: 'a' }).catch((e: AnalyticsError) => e.code);
    await expect(a.client.shutdown({ timeout: 10 })).rejects.toMatchObject({ code: 'timeout' });
    expect(await tracked).toBe('closed');
    expect(a.api.requests).toEqual([]);
  });
});

describe('stamped events against the real API server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ rateLimit: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  const stored = async (org: string) => {
    const res = await fetch(`${server.url}/api/v1/events?limit=1000`, {
      headers: { authorization: `Bearer ${await server.token({ org })}` },
    });
    return ((await res.json()) as { data: { event_type: string; org_id: string }[] }).data;
  };
  const down: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'));
  const client = (options: Partial<AnalyticsClientOptions>) => {
    const errors: AnalyticsError[] = [];
    const c = new AnalyticsClient({
      baseUrl: server.url,
      persistence: 'auto',
      onError: (e) => errors.push(e),
      retry: { baseDelay: 20, maxDelay: 100 },
      flushAt: 1,
      platform: { locks: null },
      ...options,
    });
    return { client: c, errors };
  };
  const events = (batches: RejectedBatch[]) =>
    batches.flatMap((b) => b.events.map((e) => [e.event_type, e.org_id]));

  it('keeps a batch stamped for org A aside when org B’s token sends it (403), storing it nowhere', async () => {
    const [orgA, orgB] = [unique('org_a'), unique('org_b')];
    // One queue shared on purpose (an explicit storageName), as if the namespace were ever crossed.
    const storageName = unique('shared');
    let tries = 0;
    const a = client({
      apiKey: await server.token({ org: orgA }),
      storageName,
      fetch: (...args) => {
        tries++;
        return down(...args);
      },
    });
    await a.client.trackEvents([{ event_type: 'a1' }, { event_type: 'a2' }]);
    await until(() => tries > 0);
    await a.client.shutdown({ timeout: 0 }).catch(() => {});

    const b = client({ apiKey: await server.token({ org: orgB }), storageName });
    await b.client.trackEvent({ event_type: 'b1' });
    const error = await b.client.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error).toMatchObject({ status: 403, code: 'org_mismatch', count: 2 });
    expect(codes(b.errors)).toEqual(['org_mismatch']);
    expect(events(await b.client.rejectedBatches())).toEqual([
      ['a1', orgA],
      ['a2', orgA],
    ]);
    expect((await stored(orgB)).map((e) => e.event_type)).toEqual(['b1']);
    expect(await stored(orgA)).toEqual([]);
  });

  it('refuses a client told the wrong tenant rather than store its events in the token’s org', async () => {
    const [orgA, orgB] = [unique('org_a'), unique('org_b')];
    const b = client({ tenant: orgA, getToken: () => server.token({ org: orgB }) });
    await b.client.trackEvent({ event_type: 'misconfigured' });
    await expect(b.client.flush()).rejects.toMatchObject({ status: 403 });
    expect(events(await b.client.rejectedBatches())).toEqual([['misconfigured', orgA]]);
    expect(await stored(orgB)).toEqual([]);
  });

  it('stores a getToken client’s events in the org its token names', async () => {
    const orgA = unique('org_a');
    const a = client({ getToken: () => server.token({ org: orgA }) });
    await a.client.trackEvents([{ event_type: 'x' }, { event_type: 'y' }]);
    await a.client.flush();
    expect((await stored(orgA)).map((e) => [e.event_type, e.org_id]).sort()).toEqual([
      ['x', orgA],
      ['y', orgA],
    ]);
    expect(a.errors).toEqual([]);
  });
});
