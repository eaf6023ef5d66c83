/**
 * `tsx bench/delivery.ts`: what delivery completeness costs the SQLite write path. The same batches (100
 * events, 10 visitors, a page context) go through `store.ingest` (writer thread, group commit) without
 * delivery fields, with a context as large but no delivery fields (what the bigger rows cost), and with
 * `context.delivery` and a `client` report, in alternating rounds so a noisy machine weighs on
 * both alike; prints events/s and CPU per event (every thread of the process: the writer's included, and
 * far less sensitive to other load than events/s) per round, and the medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareClientReport } from '../src/domain/delivery.js';
import { prepareEvents } from '../src/domain/ingest.js';
import { createStore } from '../src/store/sqlite/index.js';
import type { IngestBatch } from '../src/store/types.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 300);
const CONCURRENCY = 16;

type Mode = 'without' | 'same bytes' | 'with delivery';

function batches(mode: Mode, round: number): IngestBatch[] {
  const withDelivery = mode === 'with delivery';
  const now = Date.now();
  const seqs = new Map<string, number>();
  return Array.from({ length: BATCHES }, (_, b) => {
    const events = Array.from({ length: 100 }, (_, i) => {
      const visitor = `v${round}_${(b * 10 + Math.floor(i / 10)) % 2_000}`;
      const install = `i${visitor}`;
      const seq = (seqs.get(install) ?? 0) + 1;
      seqs.set(install, seq);
      return {
        event_type: i % 3 === 0 ? 'page_view' : 'click',
        timestamp: new Date(now - (BATCHES - b) * 1_000).toISOString(),
        anonymous_id: visitor,
        session_id: `s_${visitor}`,
        properties: { plan: 'pro', value: i, label: 'x'.repeat(200) },
        context: {
          page: { path: `/p/${i % 20}`, referrer: 'https://www.google.com/' },
          locale: 'de-DE',
          // `same bytes`: the context as large, under a key the bookkeeping ignores.
          ...(mode === 'with delivery' && { delivery: { install_id: install, seq } }),
          ...(mode === 'same bytes' && { deliverx: { install_id: install, seq } }),
        },
      };
    });
    const batch: IngestBatch = { orgId: 'org_bench', events: prepareEvents(events, now), receivedAt: now };
    if (withDelivery) {
      batch.client = prepareClientReport({
        install_id: `iv${round}_${(b * 10) % 2_000}`,
        queue_depth: 2,
        dropped: { sampled: { count: b } },
      });
    }
    return batch;
  });
}

async function round(mode: Mode, n: number): Promise<{ rate: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'delivery-bench-'));
  const store = await createStore(`sqlite:${join(dir, 'bench.db')}`);
  try {
    await store.migrate();
    const list = batches(mode, n);
    const started = performance.now();
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < list.length) await store.ingest(list[next++]!);
      }),
    );
    const used = process.cpuUsage(cpu);
    const events = list.length * 100;
    return {
      rate: events / ((performance.now() - started) / 1000),
      cpu: (used.user + used.system) / events,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MODES: Mode[] = ['without', 'same bytes', 'with delivery'];
const results = new Map<Mode, { rate: number; cpu: number }[]>(MODES.map((m) => [m, []]));
const show = (r: { rate: number; cpu: number }) =>
  `${Math.round(r.rate)} ev/s, ${r.cpu.toFixed(1)} µs CPU/event`;
for (let r = 0; r < ROUNDS; r++) {
  const line: string[] = [];
  for (const mode of MODES) {
    const result = await round(mode, r);
    results.get(mode)!.push(result);
    line.push(`${mode} ${show(result)}`);
  }
  console.log(`round ${r + 1}: ${line.join('; ')}`);
}
const med = (rs: { rate: number; cpu: number }[]) => ({
  rate: median(rs.map((r) => r.rate)),
  cpu: median(rs.map((r) => r.cpu)),
});
console.log(`median: ${MODES.map((m) => `${m} ${show(med(results.get(m)!))}`).join('; ')}`);
