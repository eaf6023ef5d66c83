import type { NextConfig } from 'next';

// The workspace packages are bundled from their TypeScript sources, as their tests use them, so the
// dashboard never runs against a stale build: webpack resolves their public entries (`exports` maps)
// with the `source` condition, which names each entry's source file. Built with webpack: those sources
// import `./x.js` for `./x.ts` (TypeScript's ES module convention), which webpack maps with
// `extensionAlias` and Turbopack cannot map yet. The token route signs with
// `@acme/analytics-server/tokens`, the server's jose-only entry, so none of the rest of the server is
// bundled.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: [
    '@acme/analytics-react',
    '@acme/analytics-sdk',
    '@acme/analytics-server',
    '@acme/analytics-widgets',
  ],
  // Container images ship the standalone server (`node .next/standalone/demo-next/server.js`).
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  // On every response, static files included. The Content-Security-Policy, which carries a nonce and the
  // API's address, is set per request by `proxy.ts`.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'X-Frame-Options', value: 'DENY' },
          // Not no-referrer: with it, browsers send `Origin: null` on the sign-in form's post, and the
          // session route could no longer tell it from a cross-site one.
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
  webpack(config) {
    config.resolve.conditionNames = ['source', ...(config.resolve.conditionNames ?? ['...'])];
    config.resolve.extensionAlias = { ...config.resolve.extensionAlias, '.js': ['.ts', '.tsx', '.js'] };
    return config;
  },
};

export default config;
