// `npm run sri [-- <API base URL>]`: prints the two script tags of the current build, each under its
// release's versioned (immutable) path with its Subresource Integrity hash, both read from dist/sdk.json,
// which the build writes. The base URL may carry a path prefix (an API mounted under the site's own origin).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifestFile = fileURLToPath(new URL('../dist/sdk.json', import.meta.url));
if (!existsSync(manifestFile)) {
  console.error('sri: dist/sdk.json is missing; build first: npm run build -w widgets');
  process.exit(1);
}
const { version, integrity } = JSON.parse(readFileSync(manifestFile, 'utf8'));
const base = (process.argv[2] ?? 'https://analytics.example.com').replace(/\/+$/, '');

const tag = (file, attributes) => `<script
  src="${base}/sdk/${version}/${file}"
  integrity="${integrity[file]}"
  crossorigin="anonymous"
${attributes.map((line) => `  ${line}`).join('\n')}
></script>`;

console.log(`<!-- tracker.js: tracking only -->
${tag('tracker.js', ['data-api-key="YOUR_INGEST_KEY"', 'data-auto-pageview', 'defer'])}

<!-- analytics.js: tracking and every element (<metrics-card>, <events-table>, ...) -->
${tag('analytics.js', ['data-api-key="YOUR_INGEST_KEY"', 'data-token-url="/api/analytics-token"', 'data-auto-pageview'])}`);
