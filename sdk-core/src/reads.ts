import type { RequestOptions } from './options.js';
import type { RetryPolicy } from './retry.js';
import type { Transport } from './transport.js';

// The reads: `AnalyticsClient`'s read methods name their endpoint and call `read`; `pages` walks a cursor.

/** A GET of `path` with `params` as query parameters (arrays repeated), retried as the policy says. */
export type Read = <T>(path: string, params?: object, options?: RequestOptions) => Promise<T>;

export const createRead =
  (request: Transport['request'], retry: RetryPolicy): Read =>
  async <T>(path: string, params = {}, { signal }: RequestOptions = {}): Promise<T> => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const v of [value].flat()) if (v != null) query.append(key, String(v));
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await request<T>(path, { query: query.toString(), signal });
      } catch (error) {
        const delay = !signal?.aborted && retry(attempt, error, 'read');
        if (delay === false) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

/** Every item of a cursor-paged list, fetching page after page (`page(cursor)`) as the loop asks for more. */
export async function* pages<T>(
  page: (cursor?: string) => Promise<{ data: T[]; next_cursor: string | null; has_more: boolean }>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    yield* p.data;
    cursor = (p.has_more && p.next_cursor) || undefined;
  } while (cursor);
}
