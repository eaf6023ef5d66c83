// What only the widgets' browser suites need on the Node side, next to the server package's plugin
// (`@acme/analytics-server/testing/wtr`, which runs the API, the proxy and the token endpoint):
//
// - `analyticsOptions`: that plugin's options for these suites: the fixtures ingested at start, a read
//   token per org and one write token handed to the page, the dev server's origin allowed through CORS
//   (as 127.0.0.1 only: pages opened as localhost are another origin, which only a publishable key opens);
// - `widgetsPages(analytics)`: builds the script-tag bundles when missing (so `web-test-runner` alone works
//   too), and serves `/csp/<page>`, pages with a strict Content-Security-Policy header that load them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtures, ORGS } from './fixtures.mjs';

const widgets = join(dirname(fileURLToPath(import.meta.url)), '..');
const READ = 'events:read metrics:read';

/**
 * @param {{ port: number }} options the dev server's port, to allow its origin through CORS
 * @returns {import('@acme/analytics-server/testing/wtr').AnalyticsServerPluginOptions}
 */
export function analyticsOptions({ port }) {
  const tokens = {};
  for (const org of ORGS) tokens[org] = { org, sub: `${org}-viewer`, role: 'viewer', scope: READ };
  tokens.umbrellaWrite = { org: 'umbrella', sub: 'umbrella-browser', scope: 'events:write' };
  return {
    // Not http://localhost:PORT: the publishable-key test opens a page there, an origin that only its key's
    // allowed_origins may let through.
    corsOrigins: [`http://127.0.0.1:${port}`],
    events: () => fixtures(),
    tokens,
    env: (events) => ({ fixtures: events, now: Date.now() }),
    // `token-url`: short-lived, as a host application would hand them out; the client refreshes them.
    tokenEndpoint: { scope: READ, role: 'viewer', ttlSeconds: 120 },
    sdkDir: join(widgets, 'dist'),
  };
}

/** Builds the script-tag bundles (the single-file outputs: analytics.js, tracker.js, the ES module) when missing. */
async function ensureBundles() {
  const { rollup } = await import('rollup');
  const bundles = (await import('../build.mjs')).default.filter((options) => options.output.file);
  for (const options of bundles) {
    if (existsSync(options.output.file)) continue;
    const bundle = await rollup(options);
    await bundle.write(options.output);
    await bundle.close();
  }
}

/** @param {import('@acme/analytics-server/testing/wtr').AnalyticsServerPlugin} analytics */
export function widgetsPages(analytics) {
  return {
    name: 'widgets-pages',
    serverStart: ensureBundles,
    serve(ctx) {
      if (!ctx.path.startsWith('/csp/')) return undefined;
      const file = join(widgets, 'test', 'csp', ctx.path.slice('/csp/'.length));
      if (!existsSync(file)) return undefined;
      const { apiUrl, tokens } = analytics.env();
      // `?key=pk_…&org=…`: the publishable key (and org) a page gets, made by the test (`analytics-key`).
      const key = /^pk_[A-Za-z0-9]+$/.test(ctx.query.key ?? '') ? ctx.query.key : '';
      const org = /^[A-Za-z0-9_]+$/.test(ctx.query.org ?? '') ? ctx.query.org : '';
      const body = readFileSync(file, 'utf8')
        .replaceAll('__API_URL__', apiUrl)
        .replaceAll('__WRITE_KEY__', tokens.umbrellaWrite)
        .replaceAll('__PUBLISHABLE_KEY__', key)
        .replaceAll('__ORG__', org);
      return {
        body,
        type: 'html',
        headers: {
          'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ${apiUrl}`,
        },
      };
    },
  };
}
