import type { AnalyticsClientOptions } from './options.js';
import { claims } from './token.js';
import { base } from './transport.js';

/** An org id from a JWT's claims, unverified: it only names the queue and stamps events. */
export const orgOf = (token: string | undefined): string | undefined => {
  const { org_id } = claims(token);
  return (typeof org_id === 'string' && org_id) || undefined;
};

/** A short digest of a static key that has no `org_id`: names its queue without writing the key itself there. */
export function digest(key: string): string {
  let h = 0x811c9dc5;
  let g = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x1000193);
    g = Math.imul(g ^ h, 0x5bd1e995);
  }
  return (h >>> 0).toString(36) + (g >>> 0).toString(36);
}

/**
 * The tenant (stamped on events) and the name of its persisted queue, either possibly unknown.
 *
 * A persisted queue outlives the page, so it belongs to one tenant and its name says which: another tenant's
 * client on this origin (another token on the page, or the next page load) never opens it. The tenant is
 * `tenant`, else the `org_id` of `apiKey` (a publishable `pk_` key has none: it has no JWT payload to
 * decode, so nothing is read from it), else, with only `getToken` and a queue to name (`persist`), the
 * `org_id` of the first token (`firstToken`, which waits until one comes). A token without `org_id` leaves it
 * unknown for good: no queue name, unless `storageName` gives one, or a static key's digest does.
 */
export async function resolveTenant(
  { baseUrl, apiKey, getToken, tenant, storageName }: AnalyticsClientOptions,
  persist: boolean,
  firstToken: () => Promise<string | undefined>,
): Promise<[org: string | undefined, name: string | undefined]> {
  let org = tenant ?? (getToken ? undefined : orgOf(apiKey));
  if (persist && !org && getToken) org = orgOf(await firstToken());
  const id = org ?? (apiKey && !getToken ? `#${digest(apiKey)}` : undefined);
  return [org, storageName ?? (id && `acme-analytics ${base(baseUrl)} ${id}`)];
}
