/**
 * Fixed-window request counters for the API's rate limits. A bucket (`ingest:<org>`, `read:<org>`,
 * `key:<id>`, `ip:<address>`) counts the requests of one window of `windowMs`, aligned on the epoch so that
 * every process (and the database) agrees on where a window starts. The plugin
 * (`plugins/external/rate-limit.ts`) decides which bucket a request is charged to and what to answer.
 */

/** The bucket's state right after one request was counted. */
export interface Hit {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** When the current window ends (epoch ms): the budget is whole again. */
  resetAt: number;
}

export interface RateCounter {
  /** Count one request against `bucket` in the window that holds `now`. */
  hit(bucket: string, now: number): Promise<Hit>;
  close(): Promise<void>;
}

/** The start (epoch ms) of the window of `windowMs` that holds `now`. */
export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

/**
 * Counters in this process's memory: right for SQLite, where one process owns the database. Buckets of past
 * windows are dropped as new ones are counted, and at most `maxBuckets` are kept (the oldest go first), so
 * a flood from many addresses cannot grow memory without bound.
 */
export class MemoryCounter implements RateCounter {
  readonly #windowMs: number;
  readonly #maxBuckets: number;
  /** In insertion order, so the first entries are the least recently started windows. */
  readonly #buckets = new Map<string, { start: number; count: number }>();

  constructor(windowMs: number, maxBuckets = 100_000) {
    this.#windowMs = windowMs;
    this.#maxBuckets = maxBuckets;
  }

  async hit(bucket: string, now: number): Promise<Hit> {
    const start = windowStart(now, this.#windowMs);
    let entry = this.#buckets.get(bucket);
    if (!entry || entry.start < start) {
      // Re-inserted so the map stays ordered by window start.
      this.#buckets.delete(bucket);
      this.#evict(start);
      entry = { start, count: 0 };
      this.#buckets.set(bucket, entry);
    }
    entry.count++;
    return { count: entry.count, resetAt: entry.start + this.#windowMs };
  }

  /** Drop buckets of past windows from the front, and the oldest beyond the cap. */
  #evict(start: number): void {
    for (const [key, entry] of this.#buckets) {
      if (entry.start >= start && this.#buckets.size < this.#maxBuckets) break;
      this.#buckets.delete(key);
    }
  }

  /** @internal Buckets held (tests). */
  get size(): number {
    return this.#buckets.size;
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}
