import pg from 'pg';
import { parsePgUrl } from './url.js';

/**
 * An isolated place for one test suite in a shared PostgreSQL database: a fresh schema, dropped (with every
 * table and partition in it) by `dispose`. Suites can then run in parallel against one server.
 */
export async function testDatabaseUrl(baseUrl: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    async dispose() {
      const client = new pg.Client({ connectionString: parsePgUrl(baseUrl).connectionString });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
