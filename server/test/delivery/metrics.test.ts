/** The delivery counters on `/metrics`: seqs received, duplicate arrivals and reported drops by reason. */
import { describe, expect, it } from 'vitest';
import { bearer, createTestApp, orgId, stores } from '../helpers.js';

const TOKEN = 'metrics-scrape-token-0123456789abcdef';

describe('GET /metrics', () => {
  it('counts delivery seqs received, duplicates and the growth of reported drops', async () => {
    const t = await createTestApp(stores[0]!, { env: { ANALYTICS_METRICS_TOKEN: TOKEN } });
    try {
      const org = orgId('delivery_metrics');
      const headers = { ...bearer(await t.token({ org })), 'content-type': 'application/json' };
      const ev = (seq: number) => ({
        event_type: 'x',
        context: { delivery: { install_id: 'metricsInstall', seq } },
      });
      const report = (count: number) => ({
        install_id: 'metricsInstall',
        queue_depth: 0,
        dropped: { opt_out: { count, ranges: [[10, 9 + count]] } },
      });
      for (const payload of [
        { events: [ev(1), ev(2), ev(2)], client: report(2) },
        // A re-sent report changes nothing; a grown one counts its growth.
        { events: [ev(1), ev(3)], client: report(2) },
        { events: [ev(4)], client: report(5) },
      ]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload });
        expect(res.statusCode).toBe(202);
      }
      const res = await t.app.inject({ url: '/metrics', headers: bearer(TOKEN) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^analytics_delivery_received_total 4$/m);
      expect(res.body).toMatch(/^analytics_delivery_duplicates_total 2$/m);
      expect(res.body).toMatch(/^analytics_delivery_dropped_total\{reason="opt_out"\} 5$/m);
      expect(res.body).toMatch(/^analytics_delivery_dropped_total\{reason="sampled"\} 0$/m);
    } finally {
      await t.close();
    }
  }, 30_000);
});
