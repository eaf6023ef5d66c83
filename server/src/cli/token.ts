/**
 * `npm run token -- --org ORG [--sub USER] [--role ROLE] [--scope "events:read metrics:read"] [--ttl 1h]`
 * prints a signed dev token for the secret in `ANALYTICS_JWT_SECRET` (or the dev default).
 */
import { parseArgs } from 'node:util';
import { mintToken } from '../testing.js';

const { values } = parseArgs({
  options: {
    org: { type: 'string' },
    sub: { type: 'string' },
    role: { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || !values.org) {
  process.stderr.write(
    'usage: npm run token -- --org ORG [--sub USER] [--role admin|member|viewer] [--scope "events:write events:read metrics:read"] [--ttl 1h]\n',
  );
  process.exit(values.help ? 0 : 2);
}

try {
  const token = await mintToken({
    org: values.org,
    sub: values.sub,
    role: values.role,
    scope: values.scope,
    ttl: values.ttl,
  });
  process.stdout.write(`${token}\n`);
} catch (err) {
  process.stderr.write(`token: ${(err as Error).message}\n`);
  process.exit(1);
}
