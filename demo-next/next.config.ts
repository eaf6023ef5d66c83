import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const source = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

// The workspace packages are bundled from their TypeScript sources, as their tests use them, so the
// dashboard never runs against a stale build. Built with webpack: their sources import `./x.js` for
// `./x.ts` (TypeScript's ES module convention), which webpack maps with `extensionAlias` and Turbopack
// cannot map yet. The server's token signing (`@acme/analytics-server/auth`, jose only) comes in through
// tsconfig.json's `paths`, without the rest of the server.
const workspace: Record<string, string> = {
  '@acme/analytics-react$': source('sdk-react/src/index.ts'),
  '@acme/analytics-sdk$': source('sdk-core/src/index.ts'),
  '@acme/analytics-widgets$': source('widgets/src/index.ts'),
};

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@acme/analytics-react', '@acme/analytics-sdk', '@acme/analytics-widgets'],
  // Container images ship the standalone server (`node .next/standalone/demo-next/server.js`).
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  webpack(config) {
    config.resolve.alias = { ...config.resolve.alias, ...workspace };
    config.resolve.extensionAlias = { ...config.resolve.extensionAlias, '.js': ['.ts', '.tsx', '.js'] };
    // The server's config module points at its sample data with `new URL(dir, import.meta.url)`, which
    // webpack would try to bundle as an asset; it is never read here.
    config.module.rules.push({ test: /[\\/]server[\\/]src[\\/]config\.ts$/, parser: { url: false } });
    return config;
  },
};

export default config;
