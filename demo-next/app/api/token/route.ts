import { DEFAULT_JWT_ISSUER, DEV_JWT_SECRET, signToken } from '@acme/analytics-server/tokens';
import { type NextRequest, NextResponse } from 'next/server';
import { isDemoOrg } from '../../../lib/orgs';

/** Short, so a leaked token is soon useless; the SDK fetches a new one 30 s before this runs out. */
const TTL_SECONDS = 300;

// Never cached: every call signs a fresh token.
export const dynamic = 'force-dynamic';

/**
 * Signs a short-lived dashboard token (read and write scopes) for the chosen org. The signing secret stays
 * on this server; the browser only ever sees tokens. A real application would take the user and the orgs
 * they may see from its session; this demo lets anyone pick one of the sample orgs.
 */
export async function GET(request: NextRequest) {
  const org = request.nextUrl.searchParams.get('org');
  if (!isDemoOrg(org)) {
    return NextResponse.json(
      {
        type: '/problems/unknown-org',
        title: 'Unknown organisation',
        status: 404,
        detail: 'org must be one of the sample organisations',
      },
      { status: 404, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' } },
    );
  }
  const token = await signToken({
    org,
    sub: 'demo-user',
    role: 'member',
    scope: 'events:read events:write metrics:read',
    ttl: `${TTL_SECONDS}s`,
    secret: process.env.ANALYTICS_JWT_SECRET || DEV_JWT_SECRET,
    issuer: process.env.ANALYTICS_JWT_ISSUER || DEFAULT_JWT_ISSUER,
  });
  return NextResponse.json({ token, expires_in: TTL_SECONDS }, { headers: { 'cache-control': 'no-store' } });
}
