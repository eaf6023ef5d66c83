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
  webpack(config) {
    config.resolve.conditionNames = ['source', ...(config.resolve.conditionNames ?? ['...'])];
    config.resolve.extensionAlias = { ...config.resolve.extensionAlias, '.js': ['.ts', '.tsx', '.js'] };
    return config;
  },
};

export default config;
