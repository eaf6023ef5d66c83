import pg from 'pg';
import { type Hit, type RateCounter, windowStart } from '../../lib/rate-limit.js';

/**
 * Rate-limit counters every replica shares: one row per bucket in the `rate_limits` table (unlogged: the
 * counts are worth nothing after a crash, and a transaction that writes only unlogged rows commits without
 * waiting for a WAL flush).
 *
 * Exact, but not one statement per request: requests that arrive while a statement is in flight wait and go
 * together in the next one, one row per bucket incremented by that bucket's number of requests. The database
 * serialises the increments of all replicas on the row, so each request learns its exact position in the
 * window (the returned count minus the ones queued after it), and two replicas never both grant the last
 * request of a budget. Under load this is one round trip per group, not per request.
 *
 * The counters have a connection of their own: on the store's pool, a count would queue behind ingest
 * statements that take tens of milliseconds, and every request would wait for one of them to finish.
 */

/** One row per bucket; a row whose window has passed starts over at the next request. */
const UPSERT = `
  INSERT INTO rate_limits AS r (bucket, window_start, hits)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])
  ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN r.window_start >= EXCLUDED.window_start THEN r.hits + EXCLUDED.hits ELSE EXCLUDED.hits END,
    window_start = GREATEST(r.window_start, EXCLUDED.window_start)
  RETURNING bucket, window_start, hits`;

const PURGE = 'DELETE FROM rate_limits WHERE window_start < $1';

const DEADLOCK = '40P01';

interface Waiting {
  bucket: string;
  start: number;
  resolve(hit: Hit): void;
  reject(err: unknown): void;
}

export class PostgresCounter implements RateCounter {
  readonly #pool: pg.Pool;
  readonly #windowMs: number;
  #queue: Waiting[] = [];
  /** The running flush, while one runs. */
  #flushing: Promise<void> | undefined;
  readonly #purge: NodeJS.Timeout;

  /** `store` is the store's pool, whose settings (server, schema, session options) the counters share. */
  constructor(store: pg.Pool, windowMs: number) {
    this.#pool = new pg.Pool({
      ...store.options,
      max: 1,
      application_name: 'analytics-api rate limits',
    });
    // A dropped idle connection is replaced at the next query; without a listener it would crash the process.
    this.#pool.on('error', () => {});
    this.#windowMs = windowMs;
    // Buckets of clients that went quiet (an address that sent a burst of bad tokens) are removed; any
    // replica may do it, the statement is idempotent.
    this.#purge = setInterval(
      () => {
        this.#pool.query(PURGE, [windowStart(Date.now(), this.#windowMs) - this.#windowMs]).catch(() => {});
      },
      Math.max(this.#windowMs, 60_000),
    );
    this.#purge.unref();
  }

  hit(bucket: string, now: number): Promise<Hit> {
    return new Promise<Hit>((resolve, reject) => {
      this.#queue.push({ bucket, start: windowStart(now, this.#windowMs), resolve, reject });
      this.#flushing ??= this.#flush().finally(() => {
        this.#flushing = undefined;
      });
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue;
      this.#queue = [];
      await this.#send(group);
    }
  }

  async #send(group: Waiting[]): Promise<void> {
    // Per bucket: how many requests, and the newest window any of them saw.
    const buckets = new Map<string, { n: number; start: number }>();
    for (const w of group) {
      const b = buckets.get(w.bucket);
      if (b) {
        b.n++;
        b.start = Math.max(b.start, w.start);
      } else buckets.set(w.bucket, { n: 1, start: w.start });
    }
    // Rows are locked in key order, so two replicas' groups never wait for each other in a cycle.
    const keys = [...buckets.keys()].sort();
    let rows: { bucket: string; window_start: string; hits: number }[] = [];
    for (let attempt = 1; ; attempt++) {
      try {
        ({ rows } = await this.#pool.query(UPSERT, [
          keys,
          keys.map((k) => buckets.get(k)!.start),
          keys.map((k) => buckets.get(k)!.n),
        ]));
        break;
      } catch (err) {
        if ((err as { code?: string }).code === DEADLOCK && attempt < 3) continue;
        for (const w of group) w.reject(err);
        return;
      }
    }
    const after = new Map(rows.map((r) => [r.bucket, r]));
    const seen = new Map<string, number>();
    for (const w of group) {
      const row = after.get(w.bucket)!;
      const n = buckets.get(w.bucket)!.n;
      const i = seen.get(w.bucket) ?? 0;
      seen.set(w.bucket, i + 1);
      // The group's requests for this bucket took the last n places of the returned count, in order.
      w.resolve({ count: row.hits - n + i + 1, resetAt: Number(row.window_start) + this.#windowMs });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#purge);
    // Requests already queued are answered before the connection closes.
    await this.#flushing;
    await this.#pool.end();
  }
}
