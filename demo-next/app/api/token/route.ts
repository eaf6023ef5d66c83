import type { NextRequest } from 'next/server';
import { isDemoOrg } from '../../../lib/orgs';
import {
  notConfigured,
  problemResponse,
  SESSION_COOKIE,
  sessionUser,
  signingSecret,
} from '../../../lib/session';
import { signDashboardToken, TOKEN_TTL_SECONDS } from '../../../lib/tokens';

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
  const token = await signDashboardToken(user, org, secret);
  if (!token) {
    return problemResponse(403, 'not-a-member', 'Not a member', `${user.name} is not a member of ${org}.`);
  }
  return Response.json(
    { token, expires_in: TOKEN_TTL_SECONDS },
    { headers: { 'cache-control': 'no-store' } },
  );
}
