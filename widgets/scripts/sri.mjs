// `npm run sri -w widgets`: prints the script tag for the built bundle with its Subresource Integrity
// hash (build first). Usage: node scripts/sri.mjs [bundle URL] [API base URL]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../dist/analytics.js', import.meta.url));
const [src = 'https://analytics.example.com/sdk/analytics.js', base = new URL(src).origin] =
  process.argv.slice(2);
const integrity = `sha384-${createHash('sha384').update(readFileSync(file)).digest('base64')}`;
console.log(`<script
  src="${src}"
  integrity="${integrity}"
  crossorigin="anonymous"
  data-base-url="${base}"
  data-api-key="YOUR_INGEST_KEY"
  data-auto-pageview
></script>`);
