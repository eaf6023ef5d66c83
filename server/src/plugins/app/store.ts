import fp from 'fastify-plugin';
import { loadSample } from '../../lib/sample.js';
import { openStore, redact } from '../../store/index.js';
import type { EventStore } from '../../store/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: EventStore;
  }
}

export interface StorePluginOptions {
  /** Use this store instead of opening `config.databaseUrl`; the caller then owns closing it. */
  store?: EventStore | undefined;
}

/**
 * Opens the store `DATABASE_URL` selects (migrations applied unless `ANALYTICS_MIGRATE_ON_START=false`), seeds the sample data when configured, purges
 * expired idempotency records hourly, and closes the database last when the app closes (after in-flight
 * requests have finished).
 */
export default fp<StorePluginOptions>(
  async (app, opts) => {
    const { config } = app;
    const owned = !opts.store;
    const store =
      opts.store ??
      (await openStore(
        config.databaseUrl,
        { durability: config.durability },
        { migrate: config.migrateOnStart },
      ));
    app.decorate('store', store);
    app.log.info({ store: store.info.kind, location: redact(store.info.location) }, 'store open');

    if (config.seed === 'sample') {
      const sample = await loadSample(config.sampleDir, Date.now());
      const seeded = await store.seedSample(sample);
      app.log.info(
        { events: sample.events.length, shift_ms: sample.shiftMs, seeded },
        seeded ? 'sample data loaded' : 'sample data already present',
      );
    }

    const purge = async () => {
      try {
        const n = await store.purgeIdempotencyKeys(Date.now() - config.idempotencyTtlMs);
        if (n > 0) app.log.info({ purged: n }, 'expired idempotency keys purged');
      } catch (err) {
        app.log.warn({ err }, 'idempotency purge failed');
      }
    };
    const timer = setInterval(purge, 3_600_000);
    timer.unref();

    app.addHook('onClose', async () => {
      clearInterval(timer);
      if (owned) await store.close();
    });
  },
  { name: 'store', dependencies: ['config'] },
);
