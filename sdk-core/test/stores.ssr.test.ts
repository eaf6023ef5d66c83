import { effect } from '@preact/signals-core';
import { describe, expect, it } from 'vitest';
import { createEventsStore, createMetricsStore } from '../src/index.js';
import { harness, json, tick } from './helpers.js';

describe('stores during server rendering', () => {
  it('fetch nothing, even when something reads their signals', async () => {
    expect(typeof document).toBe('undefined');
    const { client, api } = harness({}, () => json(200, {}));
    const events = createEventsStore(client);
    const metrics = createMetricsStore(client, {});
    const stop = effect(() => {
      void events.items.value;
      void metrics.data.value;
    });
    await tick();
    stop();
    expect(api.requests).toHaveLength(0);
  });
});
