import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET, SCOPES, signToken } from '../src/tokens.js';

describe('@acme/analytics-server/tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ seed: 'sample' });
  });
  afterAll(() => server.close());

  it('signs tokens the API accepts with the default secret and issuer', async () => {
    const token = await signToken({
      org: 'org_acme',
      scope: 'events:read',
      secret: DEV_JWT_SECRET,
      issuer: DEFAULT_JWT_ISSUER,
    });
    const res = await fetch(`${server.url}/api/v1/events?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('grants every scope by default', async () => {
    const token = await signToken({ org: 'org_acme', secret: DEV_JWT_SECRET, issuer: DEFAULT_JWT_ISSUER });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { scope: string };
    expect(claims.scope.split(' ')).toEqual([...SCOPES]);
  });

  it('loads nothing but jose, so a host application can bundle it', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/tokens.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      metafile: true,
      external: ['jose'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toEqual([expect.stringMatching(/(^|\/)src\/tokens\.ts$/)]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).toEqual(['jose']);
  });
});
