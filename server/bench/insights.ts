/**
 * Times the insight reads on a generated data set (`npm run gen-data`), straight through the domain
 * modules and the store, without HTTP: a 3-step funnel over 30 days with a 1-day window (UTC; in a zone
 * with a filter; with a breakdown) and a weekly retention. Each case runs three times; the first run also
 * warms the caches.
 *
 *   npx tsx bench/insights.ts sqlite:/path/10m.db [org_gen_01]
 *   npx tsx bench/insights.ts 'postgres://…?schema=bench' [org_gen_01]
 */
import { prepareFunnel, prepareRetention, runFunnel, runRetention } from '../src/domain/insights/index.js';
import { openStore } from '../src/store/index.js';

const url = process.argv[2];
if (!url) throw new Error('usage: tsx bench/insights.ts DATABASE_URL [ORG]');
const org = process.argv[3] ?? 'org_gen_01';
const store = await openStore(url);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const end = Date.now();
const range = { start_date: day(end - 29 * 86_400_000), end_date: day(end) };
const steps = [{ event_type: 'page_view' }, { event_type: 'feature_used' }, { event_type: 'purchase' }];
const funnels = {
  'funnel 3 steps, 30 days, 1-day window': { ...range, window_seconds: 86_400, steps },
  'the same in Europe/Berlin, device!=bot': {
    ...range,
    window_seconds: 86_400,
    steps,
    tz: 'Europe/Berlin',
    filter: ['device!=bot'],
  },
  'the same by country': { ...range, window_seconds: 86_400, steps, breakdown: 'country' },
};
const budget = () => ({ deadline: Date.now() + 600_000, timeoutMs: 600_000 });
const results: Record<string, number[]> = {};
const record = (name: string, ms: number) => {
  results[name] = [...(results[name] ?? []), Math.round(ms)];
};
for (const [name, body] of Object.entries(funnels)) {
  const prepared = prepareFunnel(org, body);
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await runFunnel(store, prepared, budget());
    record(name, performance.now() - t0);
    if (i === 0) console.log(name, r.steps.map((s) => s.visitors).join(' → '));
  }
}
const retention = prepareRetention(org, { ...range, period: 'week', periods: 8 });
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await runRetention(store, retention, budget());
  record('retention, weekly, 30 days', performance.now() - t0);
}
console.log(JSON.stringify({ store: store.info.kind, ms: results }, null, 2));
await store.close();
