import type { RetryPolicy } from './retry.js';
import type { Call, Transport } from './transport.js';

// The reads: `AnalyticsClient`'s read methods name their endpoint and call `read`; `pages` walks a cursor.

/**
 * A GET of `path` with `params` as query parameters (arrays repeated), retried as the policy says. `call` is
 * the caller's `RequestOptions`, or more of the request: a `body` makes it a POST, `raw` answers the response.
 */
export type Read = <T>(path: string, params?: object, call?: Omit<Call, 'query'>) => Promise<T>;

export const createRead =
  (request: Transport['request'], retry: RetryPolicy): Read =>
  async <T>(path: string, params = {}, call: Omit<Call, 'query'> = {}): Promise<T> => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      // append() writes any value as String() would.
      for (const v of [value].flat()) if (v != null) query.append(key, v as string);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await request<T>(path, { ...call, query: `${query}` });
      } catch (error) {
        const delay = !call.signal?.aborted && retry(attempt, error, 'read');
        if (delay === false) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

/** Every item of a cursor-paged list, fetching page after page (`page(cursor)`) as the loop asks for more. */
export async function* pages<T>(
  page: (cursor?: string) => Promise<{ data: T[]; next_cursor: string | null; has_more: boolean }>,
): AsyncGenerator<T> {
  // Falsy (no more pages) only once the loop is over, so page() never sees it.
  let cursor: string | null | false | undefined;
  do {
    const p = await page(cursor as string | undefined);
    yield* p.data;
    cursor = p.has_more && p.next_cursor;
  } while (cursor);
}
