import { batch, signal } from '@preact/signals-core';
import type { AnalyticsClient } from '../client.js';
import type { AnalyticsEvent, EventFilters } from '../types.js';
import { isServer } from './query.js';
import type { EventsStore } from './types.js';

/**
 * An infinite list over `GET /api/v1/events`: the first page loads when its signals gain their first
 * subscriber (never during server rendering) or on `loadMore()`; each `loadMore()` adds the next page.
 * Errors land in `error` (the promises always resolve, so a UI never has an unhandled rejection).
 */
export function createEventsStore(client: AnalyticsClient, filters: EventFilters = {}): EventsStore {
  let watchers = 0;
  let started = false;
  let disposed = false;
  let cursor: string | undefined;
  let inflight: Promise<void> | undefined;
  let ctl: AbortController | undefined;
  const options = {
    watched(): void {
      if (!watchers++ && !started && !isServer()) void loadMore();
    },
    unwatched(): void {
      watchers--;
    },
  };
  const items = signal<readonly AnalyticsEvent[]>([], options);
  const loading = signal(false, options);
  const error = signal<Error | null>(null, options);
  const hasMore = signal(true, options);

  const loadMore = (): Promise<void> => {
    if (inflight) return inflight;
    if (disposed || !hasMore.peek()) return Promise.resolve();
    started = true;
    const c = new AbortController();
    ctl = c;
    loading.value = true;
    inflight = client
      .getEventsPage(filters, { cursor, signal: c.signal })
      .then(
        (page) => {
          if (c !== ctl) return;
          cursor = page.next_cursor ?? undefined;
          batch(() => {
            items.value = items.peek().concat(page.data);
            hasMore.value = page.has_more && !!cursor;
            error.value = null;
          });
        },
        (e: Error) => {
          if (c === ctl && !c.signal.aborted) error.value = e;
        },
      )
      .finally(() => {
        if (c === ctl) {
          inflight = undefined;
          loading.value = false;
        }
      });
    return inflight;
  };

  const stop = (): void => {
    ctl?.abort();
    ctl = inflight = undefined;
    loading.value = false;
  };

  return {
    filters,
    items,
    loading,
    error,
    hasMore,
    loadMore,
    refresh(): Promise<void> {
      stop();
      cursor = undefined;
      batch(() => {
        items.value = [];
        hasMore.value = true;
        error.value = null;
      });
      return loadMore();
    },
    dispose(): void {
      disposed = true;
      stop();
    },
  };
}
