/**
 * Publishable keys on two API replicas sharing one PostgreSQL database, over real HTTP: a key made on one
 * works on the other, and once revoked on one, the other refuses it within 5 s (its lookup cache's bound).
 * And `migrate-store` carries keys over from SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestKey, hashKey } from '../../src/domain/ingest-keys.js';
import { copySqliteToPostgres } from '../../src/store/postgres/copy.js';
import { createStore as createSqlite } from '../../src/store/sqlite/index.js';
import {
  events,
  freshSchema,
  openPg,
  post,
  type Replica,
  type Schema,
  skip,
  startReplica,
  token,
} from './fixture.js';

const SHOP = 'https://shop.example';

describe.skipIf(skip)('publishable keys across two replicas', () => {
  let schema: Schema;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    schema = await freshSchema();
    [a, b] = await Promise.all([startReplica(schema.url), startReplica(schema.url)]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schema?.dispose();
  });

  async function makeKey(org: string): Promise<{ id: string; key: string; admin: string }> {
    const admin = await token(a.config, org, 'keys:write keys:read');
    const res = await fetch(`${a.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'replicas', allowed_origins: [SHOP] }),
    });
    expect(res.status).toBe(201);
    const { id, key } = (await res.json()) as { id: string; key: string };
    return { id, key, admin };
  }

  it('a key made on one replica works on the other at once', async () => {
    const { key } = await makeKey('org_key_made');
    const res = await post(b.url, key, { events: events(3) }, { origin: SHOP });
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body).accepted).toBe(3);
  });

  it('the other replica refuses a revoked key within 5 s', async () => {
    const { id, key, admin } = await makeKey('org_key_revoked');
    // B has looked the key up and remembers it as valid.
    expect((await post(b.url, key, { events: events(1) }, { origin: SHOP })).status).toBe(202);

    const revoked = await fetch(`${a.url}/api/v1/keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBe(204);
    const revokedAt = Date.now();
    // A refuses at once: it revoked the key and forgot what it knew.
    expect((await post(a.url, key, { events: events(1) }, { origin: SHOP })).status).toBe(401);
    // B: every accepted request must have started less than 5 s after the revocation.
    for (;;) {
      const started = Date.now();
      const res = await post(b.url, key, { events: events(1) }, { origin: SHOP });
      if (res.status !== 202) {
        expect(res.status).toBe(401);
        expect(JSON.parse(res.body).code).toBe('invalid_token');
        break;
      }
      expect(started - revokedAt).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 20_000);
});

describe.skipIf(skip)('npm run migrate-store with publishable keys', () => {
  it('copies keys (hashes only), revoked ones included, so they keep working on PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'analytics-keys-copy-'));
    const schema = await freshSchema();
    const sqliteUrl = `sqlite:${join(dir, 'source.db')}`;
    const source = await createSqlite(sqliteUrl);
    const target = await openPg(schema.url);
    try {
      await source.migrate();
      const live = await createIngestKey(source, {
        orgId: 'org_copy',
        name: 'live',
        allowedOrigins: [SHOP, 'http://localhost:3000'],
        rateLimitPerMinute: 90,
      });
      const gone = await createIngestKey(source, { orgId: 'org_copy', name: 'gone', allowedOrigins: [] });
      expect(await source.revokeKey('org_copy', gone.id, Date.now())).toBe(true);
      await source.close();

      const report = await copySqliteToPostgres(sqliteUrl, target);
      expect(report.tables.find((t) => t.table === 'ingest_keys')).toEqual({
        table: 'ingest_keys',
        source: 2,
        target: 2,
      });
      expect(await target.findKeyByHash(hashKey(live.key))).toEqual({
        orgId: 'org_copy',
        id: live.id,
        allowedOrigins: [SHOP, 'http://localhost:3000'],
        rateLimitPerMinute: 90,
        revoked: false,
      });
      expect((await target.findKeyByHash(hashKey(gone.key)))?.revoked).toBe(true);
      expect((await target.listKeys('org_copy')).map((k) => k.name)).toEqual(['live']);
    } finally {
      await source.close();
      await target.close();
      await schema.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
