import { DEFAULT_JWT_ISSUER, signToken } from '@acme/analytics-server/tokens';
import type { NextRequest } from 'next/server';
import { isDemoOrg } from '../../../lib/orgs';
import {
  notConfigured,
  problemResponse,
  SESSION_COOKIE,
  sessionUser,
  signingSecret,
} from '../../../lib/session';

/** Short, so a leaked token is soon useless; the SDK fetches a new one 30 s before this runs out. */
const TTL_SECONDS = 300;

// Never cached: every call signs a fresh token.
export const dynamic = 'force-dynamic';

/**
 * Signs a short-lived dashboard token for one of the signed-in user's organisations, with that user's role
 * there (viewers may read but not send events). The signing secret stays on this server; the browser only
 * ever sees tokens. Without a session cookie the answer is 401, for another organisation 403.
 */
export async function GET(request: NextRequest) {
  const secret = signingSecret();
  if (!secret) return notConfigured();
  const user = sessionUser(secret, request.cookies.get(SESSION_COOKIE)?.value);
  if (!user) {
    return problemResponse(401, 'unauthenticated', 'Not signed in', 'Sign in at /signin first.');
  }
  const org = request.nextUrl.searchParams.get('org');
  if (!isDemoOrg(org)) {
    return problemResponse(
      404,
      'unknown-org',
      'Unknown organisation',
      'org must be one of the sample organisations',
    );
  }
  const membership = user.orgs.find((o) => o.id === org);
  if (!membership) {
    return problemResponse(403, 'not-a-member', 'Not a member', `${user.name} is not a member of ${org}.`);
  }
  const token = await signToken({
    org,
    sub: user.id,
    role: membership.role,
    scope:
      membership.role === 'viewer' ? 'events:read metrics:read' : 'events:read events:write metrics:read',
    ttl: `${TTL_SECONDS}s`,
    secret,
    issuer: process.env.ANALYTICS_JWT_ISSUER || DEFAULT_JWT_ISSUER,
  });
  return Response.json({ token, expires_in: TTL_SECONDS }, { headers: { 'cache-control': 'no-store' } });
}
