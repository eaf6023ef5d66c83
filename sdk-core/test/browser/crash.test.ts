// Crash: a page tracks events without pause while the API server process is killed with SIGKILL (three
// times, each time just as a batch is on its way) and started again on the same port and database file. At
// the end every event the page tracked is stored exactly once, as read back through the API. The second
// test also has the server package copy the live database with SQLite's online backup API, mid-run and
// right after a crash, and check each copy (its findings, and the org's events read from the copy through
// the API). The server side is the server package's web-test-runner plugin (web-test-runner.config.mjs).

import type { SqliteBackup as Backup } from '@acme/analytics-server/testing/wtr';
import { executeServerCommand } from '@web/test-runner-commands';
import { AnalyticsClient, type AnalyticsError } from '../../src/index.js';
import { api, assert, equal, exactlyOnce, sleep, storageName, until } from './helpers.js';

const crash = {
  org: () => api.org('org_crash'),
  kill: api.kill,
  start: api.start,
  events: api.events,
  backup: (org: string) => executeServerCommand<Backup, { org: string }>('analytics-backup', { org }),
};

/** A page's client tracking one event every few milliseconds until told to stop. */
function trackingPage(options: { url: string; token: string }) {
  const errors: AnalyticsError[] = [];
  const posts = { started: 0, failed: 0 };
  let armed: (() => void) | undefined;
  const client = new AnalyticsClient({
    baseUrl: options.url,
    apiKey: options.token,
    storageName: storageName(),
    flushAt: 8,
    flushInterval: 50,
    timeout: 3000,
    retry: { baseDelay: 50, maxDelay: 400 },
    onError: (e) => errors.push(e),
    fetch: (input, init) => {
      const res = fetch(input, init);
      if (init?.method === 'POST') {
        posts.started++;
        // A kill waiting for a batch to be on its way goes off now, racing the server's answer.
        const fire = armed;
        armed = undefined;
        fire?.();
        res.catch(() => posts.failed++);
      }
      return res;
    },
  });
  const ids: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const event_id = crypto.randomUUID();
      // Once trackEvent resolves the event is in IndexedDB: from here on it is the page's to deliver.
      await client.trackEvent({
        event_type: 'crash_test',
        event_id,
        user_id: `u${i % 13}`,
        properties: { i },
      });
      ids.push(event_id);
      await sleep(4);
    }
  })();
  return {
    client,
    ids,
    errors,
    posts,
    /** Resolves once the next batch has left the page (and arms nothing else). */
    nextPost: () => new Promise<void>((resolve) => (armed = resolve)),
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** SIGKILL as a batch leaves the page; the server stays down a moment, then comes back on its file. */
async function crashAndRestart(page: ReturnType<typeof trackingPage>): Promise<void> {
  await page.nextPost();
  const how = await crash.kill();
  equal(how?.signal, 'SIGKILL', 'how the server process ended');
  await sleep(300);
  await crash.start();
}

async function deliveredExactlyOnce(org: string, page: ReturnType<typeof trackingPage>): Promise<void> {
  await page.client.flush();
  const stored = await until(
    () => crash.events(org),
    (events) => events.length >= page.ids.length,
    30_000,
  );
  exactlyOnce(stored, page.ids);
  // Refused connections and lost answers are retried silently; anything reported is an API error.
  equal(
    page.errors.map((e) => `${e.code}: ${e.message}`),
    [],
    'errors reported by the client',
  );
}

function consistent(backup: Backup, tracked: Set<string>, label: string): void {
  equal(backup.integrity, 'ok', `${label}: integrity_check`);
  equal(backup.foreignKeys, 0, `${label}: foreign key violations`);
  equal(backup.rollupMismatches, [], `${label}: daily counts against the events`);
  equal([backup.userMismatches, backup.usersMissing], [0, 0], `${label}: daily users against the events`);
  equal(backup.acknowledgedMissing, 0, `${label}: events of recorded 202s missing`);
  assert(backup.idempotencyRecords > 0, `${label}: no idempotency records copied`);
  const foreign = backup.orgIds.filter((id) => !tracked.has(id));
  equal(foreign, [], `${label}: events the page never tracked`);
  equal(new Set(backup.orgIds).size, backup.orgIds.length, `${label}: an event stored twice`);
}

describe('crash: the API server killed with SIGKILL while a page tracks', () => {
  it('three kills and restarts mid-run: every tracked event stored exactly once', async () => {
    const { org, token, url } = await crash.org();
    const page = trackingPage({ url, token });
    try {
      await sleep(500);
      for (let kill = 0; kill < 3; kill++) {
        await crashAndRestart(page);
        await sleep(700);
      }
    } finally {
      await page.stop();
      await crash.start();
    }
    console.log(`crash: ${JSON.stringify({ tracked: page.ids.length, posts: page.posts })}`);
    assert(page.ids.length > 50, `only ${page.ids.length} events tracked`);
    assert(page.posts.failed > 0, 'no request ever failed: the kills missed');
    await deliveredExactlyOnce(org, page);
    await page.client.shutdown();
  });

  it('online backups mid-run and right after a kill open and are consistent; the live data exactly once', async () => {
    const { org, token, url } = await crash.org();
    const page = trackingPage({ url, token });
    const backups: [string, Backup][] = [];
    try {
      await sleep(800);
      backups.push(['mid-run', await crash.backup(org)]);
      await page.nextPost();
      equal((await crash.kill())?.signal, 'SIGKILL', 'how the server process ended');
      backups.push(['after the kill', await crash.backup(org)]);
      await crash.start();
      await sleep(700);
      backups.push(['after the restart', await crash.backup(org)]);
      await crashAndRestart(page);
      await sleep(500);
    } finally {
      await page.stop();
      await crash.start();
    }
    await deliveredExactlyOnce(org, page);
    const tracked = new Set(page.ids);
    const summary = backups.map(([label, b]) => ({
      label,
      steps: b.steps,
      events: b.orgIds.length,
      keys: b.idempotencyRecords,
    }));
    console.log(`backups: ${JSON.stringify({ tracked: page.ids.length, posts: page.posts, summary })}`);
    let previous = 0;
    for (const [label, backup] of backups) {
      consistent(backup, tracked, label);
      assert(backup.orgIds.length >= previous, `${label}: fewer events than an earlier copy`);
      previous = backup.orgIds.length;
    }
    assert(previous > 0, 'the copies hold none of the page’s events');
    await page.client.shutdown();
  });
});
