// `npm run demo -w widgets`: the demo page against a real API seeded with the sample data. Serves this
// package's files on 127.0.0.1:18380 and prints a URL whose fragment carries two tenants' read tokens.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '@acme/analytics-server/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.WIDGETS_DEMO_PORT ?? 18380);
const origin = `http://127.0.0.1:${port}`;
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

if (!existsSync(join(root, 'dist', 'analytics.js'))) {
  const { rollup } = await import('rollup');
  const [iife] = (await import('../build.mjs')).default;
  const bundle = await rollup(iife);
  await bundle.write(iife.output);
  await bundle.close();
}

const api = await startTestServer({
  seed: 'sample',
  port: 18381,
  corsOrigins: [origin],
  sdkDir: join(root, 'dist'),
});
const read = 'events:read metrics:read';
const fragment = new URLSearchParams({
  api: api.url,
  a: await api.token({ org: 'org_acme', sub: 'demo', role: 'viewer', scope: read, ttl: '8h' }),
  b: await api.token({ org: 'org_globex', sub: 'demo', role: 'viewer', scope: read, ttl: '8h' }),
});

const files = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', origin).pathname));
  const file = join(root, path.endsWith(sep) || path.endsWith('/') ? `${path}index.html` : path);
  if (!file.startsWith(root) || !existsSync(file) || !types[extname(file)]) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)], 'cache-control': 'no-store' });
  res.end(readFileSync(file));
});
files.listen(port, '127.0.0.1', () => {
  console.log(`API (sample data): ${api.url}`);
  console.log(`Demo: ${origin}/demo/#${fragment}`);
  console.log('Ctrl-C to stop.');
});

const stop = async () => {
  files.close();
  await api.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
