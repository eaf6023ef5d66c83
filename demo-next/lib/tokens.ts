/**
 * Dashboard tokens, signed on this server only: the token route hands them to the browser, and the dashboard
 * page uses one itself to read the first view (lib/first-view.ts). The signing secret never leaves the server.
 */
import { DEFAULT_JWT_ISSUER, signToken } from '@acme/analytics-server/tokens';
import type { DemoUser } from './users';

/** Short, so a leaked token is soon useless; the SDK fetches a new one 30 s before this runs out. */
export const TOKEN_TTL_SECONDS = 300;

/**
 * A token for `org` with the user's role there (viewers may read but not send events), or undefined when the
 * user is not a member of it.
 */
export async function signDashboardToken(
  user: DemoUser,
  org: string,
  secret: string,
): Promise<string | undefined> {
  const membership = user.orgs.find((o) => o.id === org);
  if (!membership) return undefined;
  return signToken({
    org,
    sub: user.id,
    role: membership.role,
    scope:
      membership.role === 'viewer' ? 'events:read metrics:read' : 'events:read events:write metrics:read',
    ttl: `${TOKEN_TTL_SECONDS}s`,
    secret,
    issuer: process.env.ANALYTICS_JWT_ISSUER || DEFAULT_JWT_ISSUER,
  });
}
