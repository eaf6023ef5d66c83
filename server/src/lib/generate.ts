import type { NewEvent } from '../store/types.js';
import { formatUuid } from './ids.js';

/** splitmix32: a tiny, fast, well-distributed PRNG; the same seed gives the same stream everywhere. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export const EVENT_TYPES = ['page_view', 'click', 'login', 'feature_used', 'report_exported', 'purchase'];
const TYPE_WEIGHTS = [0.45, 0.25, 0.1, 0.12, 0.05, 0.03];
const PATHS = ['/dashboard', '/reports', '/settings', '/billing', '/search', '/events', '/users', '/home'];
const BROWSERS = ['Chrome 131', 'Firefox 133', 'Safari 18', 'Edge 131'];
const FEATURES = ['dashboard.share', 'metrics.compare', 'export.csv', 'filter.save', 'alerts.create'];

export interface GenerateOptions {
  events: number;
  orgs: number;
  seed: number;
  /** Newest possible timestamp, epoch ms. */
  end: number;
  /** Span of the data, days before `end`. */
  days: number;
  usersPerOrg: number;
}

export type GeneratedEvent = NewEvent & { orgId: string; receivedAt: number };

/** Org ids of a generated data set: `org_gen_01`, `org_gen_02`, ... */
export function generatedOrgIds(orgs: number): string[] {
  return Array.from({ length: orgs }, (_, i) => `org_gen_${String(i + 1).padStart(2, '0')}`);
}

/** Deterministic properties of ~300 bytes serialised, shaped like real product analytics. */
export function properties(rand: () => number, type: string): Record<string, unknown> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const base: Record<string, unknown> = {
    path: pick(PATHS),
    referrer: rand() < 0.3 ? 'https://www.example.com/landing?utm_source=newsletter' : '',
    browser: pick(BROWSERS),
    os: rand() < 0.5 ? 'macOS 15.1' : 'Windows 11',
    screen: rand() < 0.5 ? '1920x1080' : '1440x900',
    session_id: Math.floor(rand() * 2 ** 40).toString(36),
    duration_ms: Math.floor(rand() * 60_000),
    locale: rand() < 0.7 ? 'en-US' : 'de-DE',
    app_version: `4.${Math.floor(rand() * 20)}.${Math.floor(rand() * 10)}`,
  };
  if (type === 'feature_used' || type === 'click') base.feature = pick(FEATURES);
  if (type === 'purchase') {
    base.amount_cents = Math.floor(rand() * 50_000);
    base.currency = 'USD';
  }
  return base;
}

/**
 * `opts.events` events across `opts.orgs` orgs, in time order over `opts.days` days ending at `opts.end`,
 * yielded in chunks. Same options → same events (ids included): UUIDv7 whose time is the event time and
 * whose random bits come from the seeded stream.
 */
export function* generateEvents(opts: GenerateOptions, chunkSize = 50_000): Generator<GeneratedEvent[]> {
  const rand = prng(opts.seed);
  const orgIds = generatedOrgIds(opts.orgs);
  const start = opts.end - opts.days * 86_400_000;
  const step = (opts.end - start) / Math.max(1, opts.events);
  const cumulative = TYPE_WEIGHTS.map((_, i) => TYPE_WEIGHTS.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const idBytes = Buffer.alloc(16);
  let chunk: GeneratedEvent[] = [];
  for (let i = 0; i < opts.events; i++) {
    const ts = Math.floor(start + i * step + rand() * step);
    const orgIndex = Math.floor(rand() * opts.orgs);
    const r = rand();
    const type = EVENT_TYPES[cumulative.findIndex((c) => r < c)] ?? 'page_view';
    // A skewed user distribution: a core of frequent users and a long tail.
    const u = Math.floor(opts.usersPerOrg * rand() ** 2);
    idBytes.writeUIntBE(ts, 0, 6);
    for (let b = 6; b < 16; b += 2) idBytes.writeUInt16BE(Math.floor(rand() * 65536), b);
    idBytes[6] = 0x70 | ((idBytes[6] ?? 0) & 0x0f);
    idBytes[8] = 0x80 | ((idBytes[8] ?? 0) & 0x3f);
    chunk.push({
      orgId: orgIds[orgIndex]!,
      eventId: formatUuid(idBytes),
      eventType: type,
      userId: rand() < 0.05 ? null : `user_${orgIndex + 1}_${u}`,
      ts,
      receivedAt: ts,
      properties: properties(rand, type),
      schemaVersion: 1,
    });
    if (chunk.length === chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
