/**
 * Runs every `@postgres` statement of sql/queries.sql against a real PostgreSQL seeded from sample_data/
 * (through the PostgreSQL store's own seeding, timestamps shifted) and checks the results against values
 * computed here from the sample files, without the server's code. T1.3 must create what the migrations do.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../src/lib/sample.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { DAY, date, expectedDau, expectedTopOrgs, now, ROOT, statements } from '../sql-fixture.js';
import { freshSchema, openPg, type Schema, skip } from './fixture.js';

/** `:name` placeholders → `$n` with the values in order (`::type` casts are left alone). */
function bind(sql: string, params: Record<string, unknown>): { text: string; values: unknown[] } {
  const names: string[] = [];
  const text = sql.replace(/(?<![:\w]):([a-z_]+)\b/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for :${name}`);
    let i = names.indexOf(name);
    if (i === -1) i = names.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text, values: names.map((n) => params[n]) };
}

describe.skipIf(skip)('sql/queries.sql on PostgreSQL', () => {
  let schema: Schema;
  let store: PostgresEventStore;
  const pg = statements('postgres');

  const run = async (name: string, params: Record<string, unknown> = {}) => {
    const { text, values } = bind(pg.get(name)!, params);
    return (await store.pool.query(text, values)).rows;
  };

  beforeAll(async () => {
    schema = await freshSchema();
    store = await openPg(schema.url);
    expect(await store.seedSample(await loadSample(join(ROOT, 'sample_data'), now))).toBe(true);
  });
  afterAll(async () => {
    await store?.close();
    await schema?.dispose();
  });

  it('has the PostgreSQL statements T1.1, T1.2 and T1.3', () => {
    expect([...pg.keys()]).toEqual(['T1.1', 'T1.2', 'T1.3']);
  });

  it('T1.1 ranks the top 5 orgs by events in the last 30 days, with name and plan', async () => {
    const expected = expectedTopOrgs();
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(await run('T1.1', { now: new Date(now).toISOString() })).toEqual(expected);
  });

  it('T1.2 gives DAU per org for every day of the range, zero days included', async () => {
    const endDay = Math.floor(now / DAY) + 2;
    const startDay = endDay - 44;
    const expected = expectedDau(startDay, endDay);
    expect(expected.some((r) => r.dau === 0)).toBe(true);
    expect(expected.some((r) => r.dau > 1)).toBe(true);
    expect(await run('T1.2', { start_date: date(startDay), end_date: date(endDay) })).toEqual(expected);
  });

  it('T1.3 creates the tables, keys, indexes and partitioning the migrations create', async () => {
    const ddl = await freshSchema();
    const client = await store.pool.connect();
    try {
      const ddlSchema = new URL(ddl.url).searchParams.get('schema')!;
      await client.query(`CREATE SCHEMA "${ddlSchema}"`);
      await client.query(`SET search_path = "${ddlSchema}"`);
      await client.query(pg.get('T1.3')!);
      const shape = async (nsp: string, table: string) => {
        const columns = await client.query(
          `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid) AS dflt
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
          [`"${nsp}".${table}`],
        );
        const indexes = await client.query<{ def: string }>(
          `SELECT regexp_replace(pg_get_indexdef(indexrelid), '"?${nsp}"?\\.', '', 'g') AS def
             FROM pg_index WHERE indrelid = to_regclass($1) ORDER BY 1`,
          [`"${nsp}".${table}`],
        );
        const part = await client.query(`SELECT pg_get_partkeydef(to_regclass($1)) AS key`, [
          `"${nsp}".${table}`,
        ]);
        return {
          columns: columns.rows,
          indexes: indexes.rows.map((r) => r.def),
          partitionKey: part.rows[0].key,
        };
      };
      for (const table of ['events', 'event_ids', 'daily_counts', 'daily_users', 'events_from_2100']) {
        expect(await shape(ddlSchema, table), table).toEqual(await shape(store.schema, table));
      }
      // The example month is attached like the server's own partitions.
      expect(await shape(ddlSchema, 'events_y2026m11')).toEqual(
        await shape(ddlSchema, 'events_from_2100').then((s) => ({
          ...s,
          indexes: s.indexes.map((d) => d.replaceAll('events_from_2100', 'events_y2026m11')),
        })),
      );
    } finally {
      await client.query('RESET search_path');
      client.release();
      await ddl.dispose();
    }
  });
});
