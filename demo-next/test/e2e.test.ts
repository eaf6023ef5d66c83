// End to end: `next build && next start` against the real API seeded with sample_data/, driven by headless
// Chromium (Debian's, through playwright-core). Skipped only when ANALYTICS_SKIP_BROWSER=1.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AnalyticsEvent, EventsPage, EventTypeCount, MetricsSummary } from '@acme/analytics-sdk';
import { DEV_JWT_SECRET, startTestServer, type TestServer } from '@acme/analytics-server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(app, 'test-output');
const PORT = Number(process.env.DEMO_TEST_PORT ?? 3100);
const origin = `http://127.0.0.1:${PORT}`;
const skip = process.env.ANALYTICS_SKIP_BROWSER === '1';
/** The sample user the browser signs in as: a member of org_acme and a viewer of org_globex. */
const USER = 'usr_003';

/** The rows of one of the sample CSV files (simple: no quoted commas in the columns read here). */
function csv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(app, '..', 'sample_data', name), 'utf8')
    .trim()
    .split('\n');
  const keys = head!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])));
}

let api: TestServer;
let next: ChildProcess | undefined;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
/** Every text the dashboard's own server sent to the browser (HTML, scripts, JSON). */
const served: Promise<string>[] = [];
const pageErrors: string[] = [];

/** Reads the API directly, as org `org`, to know what the dashboard should show. */
async function apiGet<T>(org: string, path: string): Promise<T> {
  const token = await api.token({ org });
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
}

const rowOrgs = () =>
  page.$$eval('#recent-events tr[data-event-id]', (rows) =>
    rows.map((row) => (row as HTMLElement).dataset.org),
  );
const rowTypes = () =>
  page.$$eval('#recent-events tr[data-event-id]', (rows) =>
    rows.map((row) => (row as HTMLElement).dataset.type),
  );
const rowCount = () => page.locator('#recent-events tr[data-event-id]').count();

/** Waits until the list is idle with `expected` rows (`'some'`: at least one). */
async function waitForRows(expected: number | 'some') {
  await page.waitForFunction(
    (want) => {
      if (document.querySelector('#recent-events[aria-busy="true"]')) return false;
      const count = document.querySelectorAll('#recent-events tr[data-event-id]').length;
      return want === 'some' ? count > 0 : count === want;
    },
    expected,
    { timeout: 15_000 },
  );
}

/** Stops a `next start` and the processes it started (it leads its own process group). */
function stopNext(server = next) {
  if (!server?.pid || server.exitCode !== null) return;
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {}
}

function startNext(port: number, env: NodeJS.ProcessEnv): ChildProcess {
  const server = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: app,
    env,
    stdio: process.env.E2E_DEBUG ? 'inherit' : 'ignore',
    detached: true,
  });
  // Whatever happens to this test process, the server goes with it.
  process.once('exit', () => stopNext(server));
  return server;
}

async function waitForHttp(url: string, child: ChildProcess) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never answered`);
}

describe('the dashboard, end to end', { skip: skip && 'ANALYTICS_SKIP_BROWSER=1' }, () => {
  before(async () => {
    api = await startTestServer({ seed: 'sample', corsOrigins: [origin] });
    // The token route and the API must agree on the signing secret: the test server uses the development
    // default, which `next start` (production) must be given explicitly: it signs nothing without one.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      ANALYTICS_API_URL: api.url,
      ANALYTICS_JWT_SECRET: DEV_JWT_SECRET,
    };
    delete env.ANALYTICS_JWT_ISSUER;
    const build = spawnSync('npx', ['next', 'build', '--webpack'], { cwd: app, env, encoding: 'utf8' });
    assert.equal(build.status, 0, `next build failed:\n${build.stdout}\n${build.stderr}`);
    // An answer before `next start` runs means another server holds the port: its pages would be tested.
    const stale = await fetch(origin).then(
      () => true,
      () => false,
    );
    assert.equal(stale, false, `port ${PORT} is already in use (set DEMO_TEST_PORT)`);
    next = startNext(PORT, env);
    await waitForHttp(`${origin}/signin`, next);

    browser = await chromium.launch(chromiumLaunchOptions);
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('response', (response) => {
      if (response.url().startsWith(origin)) served.push(response.text().catch(() => ''));
    });
    if (process.env.E2E_DEBUG) {
      page.on('console', (message) => console.log('console', message.type(), message.text()));
      page.on('requestfailed', (request) =>
        console.log('failed', request.url(), request.failure()?.errorText),
      );
      page.on('response', (response) => console.log('response', response.status(), response.url()));
    }
  });

  after(async () => {
    await browser?.close();
    stopNext();
    await api?.close();
  });

  it('sends a visitor without a session to sign in, and signs in as a sample user', async () => {
    await page.goto(`${origin}/`);
    assert.equal(new URL(page.url()).pathname, '/signin');
    const listed = await page.$$eval('button[data-user]', (buttons) =>
      buttons.map((button) => (button as HTMLButtonElement).value),
    );
    assert.deepEqual(
      listed,
      csv('users.csv').map((user) => user.user_id),
    );
    await Promise.all([page.waitForURL(`${origin}/dashboard`), page.click(`button[data-user="${USER}"]`)]);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'demo_session');
    assert.ok(cookie, 'a session cookie was set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
  });

  it('redirects / to the dashboard, which shows the seeded summary and the newest events', async () => {
    await page.goto(`${origin}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    const summary = await apiGet<MetricsSummary>(
      'org_acme',
      '/api/v1/metrics/summary?metrics=active_users&metrics=events&metrics=events:purchase&metrics=events:signup',
    );
    assert.ok((summary.totals.events ?? 0) > 0, 'the sample data has events in the last 30 days');
    const format = new Intl.NumberFormat('en');
    for (const metric of ['events', 'active_users', 'events:purchase']) {
      const value = page.locator(`.card[data-metric="${metric}"] .value`);
      await value
        .filter({ hasText: format.format(summary.totals[metric] ?? 0) })
        .waitFor({ timeout: 15_000 });
    }
    // One bar per day of the summary.
    assert.equal(await page.locator('#daily-chart rect').count(), summary.daily.length);

    const newest = await apiGet<EventsPage>('org_acme', '/api/v1/events?limit=20');
    await waitForRows(20);
    const ids = await page.$$eval('#recent-events tr[data-event-id]', (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.eventId),
    );
    assert.deepEqual(
      ids,
      newest.data.map((event: AnalyticsEvent) => event.event_id),
    );
    assert.ok((await rowOrgs()).every((org) => org === 'org_acme'));
  });

  it('has the summary and the newest events in the HTML, before any script runs', async () => {
    const session = (await page.context().cookies()).find((c) => c.name === 'demo_session')!;
    const response = await fetch(`${origin}/dashboard?org=org_acme`, {
      headers: { cookie: `${session.name}=${session.value}` },
    });
    assert.equal(response.status, 200);
    const html = await response.text();
    const summary = await apiGet<MetricsSummary>(
      'org_acme',
      '/api/v1/metrics/summary?metrics=active_users&metrics=events&metrics=events:purchase&metrics=events:signup',
    );
    const format = new Intl.NumberFormat('en');
    for (const metric of ['events', 'active_users', 'events:purchase', 'events:signup']) {
      const card = new RegExp(
        `data-metric="${metric}"><div class="label">[^<]*</div><div class="value">([^<]*)<`,
      );
      assert.equal(html.match(card)?.[1], format.format(summary.totals[metric] ?? 0), metric);
    }
    assert.equal(html.match(/<rect /g)?.length, summary.daily.length);
    const newest = await apiGet<EventsPage>('org_acme', '/api/v1/events?limit=20');
    assert.deepEqual(
      [...html.matchAll(/<tr data-event-id="([^"]+)"/g)].map((match) => match[1]),
      newest.data.map((event) => event.event_id),
    );
    // The token the page read with stays on the server.
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(html), 'no token in the HTML');
  });

  it("offers the signed-in user's organisations in the switcher, and no other", async () => {
    const mine = new Set(
      csv('user_orgs.csv')
        .filter((m) => m.user_id === USER)
        .map((m) => m.org_id),
    );
    const ids = csv('organizations.csv')
      .map((org) => org.org_id!)
      .filter((id) => mine.has(id));
    const options = await page.$$eval('#org-switcher option', (list) =>
      list.map((option) => (option as HTMLOptionElement).value),
    );
    assert.deepEqual(options, ids);
    assert.deepEqual(ids, ['org_acme', 'org_globex']);
  });

  it('never sends the token signing secret to the browser', async () => {
    const texts = await Promise.all(served);
    assert.ok(
      texts.some((text) => text.includes('"token"')),
      'a token was fetched from the route handler',
    );
    assert.equal(texts.filter((text) => text.includes(DEV_JWT_SECRET)).length, 0);
  });

  it('fills the drop-in <EventsTable /> from the same client', async () => {
    await page.waitForFunction(() => {
      const table = document.querySelector('#dropin-table');
      return (table?.shadowRoot?.querySelectorAll('tr.row').length ?? 0) > 0;
    });
  });

  it('narrows the list with the event-type filter', async () => {
    const types = await apiGet<{ data: EventTypeCount[] }>('org_acme', '/api/v1/event-types');
    const purchase = types.data.find((type) => type.event_type === 'purchase');
    assert.ok(purchase, 'the sample data has purchases');
    await page.locator('#event-type-filter option[value="purchase"]').waitFor({ state: 'attached' });
    await page.selectOption('#event-type-filter', 'purchase');
    const expected = Math.min(20, purchase.count);
    await waitForRows('some');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLElement>('#recent-events tr[data-event-id]')].every(
          (row) => row.dataset.type === 'purchase',
        ),
      undefined,
      { timeout: 15_000 },
    );
    assert.equal(await rowCount(), expected);
    assert.deepEqual(new Set(await rowTypes()), new Set(['purchase']));
    // The drop-in table follows the same filter.
    await page.waitForFunction(
      () => {
        const cells = document
          .querySelector('#dropin-table')
          ?.shadowRoot?.querySelectorAll('td[part="cell type"]');
        return !!cells?.length && [...cells].every((cell) => cell.textContent === 'purchase');
      },
      undefined,
      { timeout: 15_000 },
    );
  });

  it('loads page 2 when the list is scrolled to its end', async () => {
    await page.selectOption('#event-type-filter', '');
    await waitForRows(20);
    await page.locator('#recent-events').evaluate((scroller) => {
      scroller.scrollTop = scroller.scrollHeight;
    });
    await waitForRows(40);
    const second = await apiGet<EventsPage>('org_acme', '/api/v1/events?limit=40');
    const ids = await page.$$eval('#recent-events tr[data-event-id]', (rows) =>
      rows.map((row) => (row as HTMLElement).dataset.eventId),
    );
    assert.deepEqual(
      ids,
      second.data.map((event) => event.event_id),
    );
  });

  it('sends a test event that shows up in the list', async () => {
    const before = await apiGet<EventsPage>('org_acme', '/api/v1/events?event_type=test_event&limit=100');
    await page.click('#send-test-event');
    await page.locator('#send-status', { hasText: 'Delivered' }).waitFor({ timeout: 10_000 });
    await page.locator('#recent-events tr[data-type="test_event"]').first().waitFor({ timeout: 10_000 });
    const afterSend = await apiGet<EventsPage>('org_acme', '/api/v1/events?event_type=test_event&limit=100');
    assert.equal(afterSend.data.length, before.data.length + 1, 'stored exactly once');
    const sent = afterSend.data[0]!;
    assert.equal(sent.org_id, 'org_acme');
    assert.equal(await page.locator(`#recent-events tr[data-event-id="${sent.event_id}"]`).count(), 1);
  });

  it('switches orgs without ever showing another org’s events', async () => {
    // Every row that is ever added from now on, whatever happens in between.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenOrgs: string[] }).seenOrgs = seen;
      new MutationObserver(() => {
        for (const row of document.querySelectorAll<HTMLElement>('#recent-events tr[data-event-id]')) {
          seen.push(row.dataset.org ?? '?');
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.selectOption('#org-switcher', 'org_globex');
    const globex = await apiGet<EventsPage>('org_globex', '/api/v1/events?limit=20');
    await page.waitForFunction(
      (first) =>
        document.querySelector('#recent-events tr[data-event-id]')?.getAttribute('data-event-id') === first,
      globex.data[0]!.event_id,
      { timeout: 15_000 },
    );
    await waitForRows(20);
    assert.deepEqual(new Set(await rowOrgs()), new Set(['org_globex']));
    const seen = await page.evaluate(() => (window as unknown as { seenOrgs: string[] }).seenOrgs);
    assert.ok(seen.length > 0);
    assert.deepEqual(new Set(seen), new Set(['org_globex']), 'no row of another org was ever rendered');
    assert.ok(page.url().endsWith('?org=org_globex'));

    // Back and forth quickly: late answers for the org left behind must never show.
    await page.selectOption('#org-switcher', 'org_acme');
    await page.selectOption('#org-switcher', 'org_globex');
    await page.selectOption('#org-switcher', 'org_acme');
    await waitForRows('some');
    await page.waitForTimeout(1000);
    assert.deepEqual(new Set(await rowOrgs()), new Set(['org_acme']));
  });

  it('saves a screenshot and logged no hydration errors', async () => {
    await page.goto(`${origin}/dashboard?org=org_acme`);
    await waitForRows(20);
    await page.locator('.card[data-metric="events"] .value').filter({ hasText: /\d/ }).waitFor();
    await page.waitForFunction(
      () => (document.querySelector('#dropin-table')?.shadowRoot?.querySelectorAll('tr.row').length ?? 0) > 0,
    );
    mkdirSync(output, { recursive: true });
    await page.screenshot({ path: join(output, 'dashboard.png'), fullPage: true });
    const hydration = consoleErrors.filter((text) => /hydrat|did not match|#418|#423|#425/i.test(text));
    assert.deepEqual(hydration, []);
    // Nothing else went wrong either (no failed request, no React warning).
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(pageErrors, []);
  });

  /** The browser's session cookie, for requests made outside it. */
  const sessionCookie = async () => {
    const session = (await page.context().cookies()).find((c) => c.name === 'demo_session');
    assert.ok(session);
    return `demo_session=${session.value}`;
  };

  it("signs tokens only with a session, and only for the user's organisations and role", async () => {
    for (const cookie of [undefined, `demo_session=${USER}.9999999999.forged`]) {
      const res = await fetch(`${origin}/api/token?org=org_acme`, cookie ? { headers: { cookie } } : {});
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await res.json()) as { status: number }).status, 401);
    }
    const cookie = await sessionCookie();
    assert.equal((await fetch(`${origin}/api/token?org=org_hooli`, { headers: { cookie } })).status, 403);
    const res = await fetch(`${origin}/api/token?org=org_globex`, { headers: { cookie } });
    assert.equal(res.status, 200);
    const { token } = (await res.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      [claims.sub, claims.org_id, claims.role, claims.scope],
      [USER, 'org_globex', 'viewer', 'events:read metrics:read'],
    );
  });

  it('sends the security headers, with a CSP that allows only its own scripts and the API', async () => {
    const cookie = await sessionCookie();
    const nonces = new Set<string>();
    for (const path of ['/signin', '/dashboard', '/dashboard?org=org_globex', '/api/token?org=org_acme']) {
      const res = await fetch(`${origin}${path}`, { headers: { cookie }, redirect: 'manual' });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      assert.doesNotMatch(scripts, /unsafe-inline|unsafe-eval|\*/, path);
      const nonce = /'nonce-([^']+)'/.exec(scripts)?.[1];
      assert.ok(nonce, path);
      nonces.add(nonce);
      assert.match(csp, new RegExp(`connect-src 'self' ${new URL(api.url).origin}(;|$)`), path);
      if (path.startsWith('/dashboard')) assert.ok((await res.text()).includes(`nonce="${nonce}"`), path);
    }
    assert.equal(nonces.size, 4, 'a new nonce for every response');
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await fetch(`${origin}/api/session`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: `user=${USER}`,
      redirect: 'manual',
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('set-cookie'), null);
  });

  it('signs out', async () => {
    await Promise.all([page.waitForURL(`${origin}/signin`), page.click('button[name="signout"]')]);
    assert.equal(
      (await page.context().cookies()).find((c) => c.name === 'demo_session'),
      undefined,
    );
    await page.goto(`${origin}/dashboard`);
    assert.equal(new URL(page.url()).pathname, '/signin');
  });

  it('signs nothing in production without a configured secret: 503, not the development secret', async () => {
    const port = PORT + 1;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      ANALYTICS_API_URL: api.url,
    };
    delete env.ANALYTICS_JWT_SECRET;
    const unconfigured = startNext(port, env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/signin`, unconfigured);
      const token = await fetch(`http://127.0.0.1:${port}/api/token?org=org_acme`);
      assert.equal(token.status, 503);
      assert.match(token.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(((await token.json()) as { detail: string }).detail, /ANALYTICS_JWT_SECRET is not set/);
      const signIn = await fetch(`http://127.0.0.1:${port}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `user=${USER}`,
        redirect: 'manual',
      });
      assert.equal(signIn.status, 503);
      assert.equal(signIn.headers.get('set-cookie'), null);
    } finally {
      stopNext(unconfigured);
    }
  });
});
