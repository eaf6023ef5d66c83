/**
 * Times the insight reads on a generated data set (`npm run gen-data`), straight through the domain
 * modules and the store, without HTTP: a 3-step funnel over 30 days with a 1-day window (UTC; in a zone
 * with a filter; with a breakdown), a weekly retention, and the trends and breakdown goals (90 days by day
 * with 2 metrics in several zones; 30 days by hour by device; the top 10 paths by visitors with a filter)
 * beside their reference, the UTC 90-day summary of the same metrics. Each case runs three times (the
 * trends and breakdown cases five); the first run also warms the caches. `BENCH_ONLY_TRENDS=1` runs only
 * the trends and breakdown cases.
 *
 *   npx tsx bench/insights.ts sqlite:/path/10m.db [org_gen_01]
 *   npx tsx bench/insights.ts 'postgres://…?schema=bench' [org_gen_01]
 */
import { prepareBreakdown, runBreakdown } from '../src/domain/insights/breakdown.js';
import { prepareFunnel, prepareRetention, runFunnel, runRetention } from '../src/domain/insights/index.js';
import { prepareTrends, runTrends } from '../src/domain/insights/trends.js';
import { metricsSummary } from '../src/domain/metrics.js';
import { parseDate } from '../src/lib/time.js';
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
const onlyTrends = process.env.BENCH_ONLY_TRENDS === '1';
if (!onlyTrends) {
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
}

// Trends and breakdown: the goals, and the UTC summary they are measured against.
const range90 = { start_date: day(end - 89 * 86_400_000), end_date: day(end) };
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (name: string, run: () => Promise<unknown>) => {
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await run();
    record(name, performance.now() - t0);
  }
};
await time('reference: summary, 90 days, UTC, visitors + pageviews', () =>
  metricsSummary(store, {
    orgId: org,
    start: parseDate(range90.start_date)!,
    end: parseDate(range90.end_date)!,
    tz: 'UTC',
    metrics: ['visitors', 'pageviews'],
  }),
);
for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
  const plan = prepareTrends(org, { ...range90, tz, interval: 'day', metric: ['visitors', 'pageviews'] });
  await time(`trends, 90 days by day, visitors + pageviews, ${tz}`, () => runTrends(store, plan, budget()));
}
const hourly = prepareTrends(org, {
  ...range,
  tz: 'Europe/Berlin',
  interval: 'hour',
  metric: ['visitors'],
  breakdown: 'device',
});
await time('trends, 30 days by hour, visitors by device, Europe/Berlin', () =>
  runTrends(store, hourly, budget()),
);
const paths = prepareBreakdown(
  org,
  { ...range, dimension: 'path', metric: ['visitors'], limit: 10, filter: ['device==desktop'] },
  'bench',
);
await time('breakdown, top 10 paths by visitors, 30 days, device==desktop', () =>
  runBreakdown(store, paths, budget()),
);
const medians = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, p50(v)]));
console.log(JSON.stringify({ store: store.info.kind, ms: results, p50: medians }, null, 2));
await store.close();
