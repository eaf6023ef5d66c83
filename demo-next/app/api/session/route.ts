import { type NextRequest, NextResponse } from 'next/server';
import {
  cookieOptions,
  notConfigured,
  problemResponse,
  SESSION_COOKIE,
  sessionValue,
  signingSecret,
} from '../../../lib/session';
import { demoUser } from '../../../lib/users';

export const dynamic = 'force-dynamic';

/** Whether the browser says the form was sent from a page of this site (a cross-site post is refused). */
function sameSite(request: NextRequest): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true; // not a browser, or a same-origin GET turned POST by an old browser
  try {
    return new URL(origin).host === request.headers.get('host');
  } catch {
    return false;
  }
}

/**
 * A 303 to a path of this site. Relative, because `request.url` names the host the server was started
 * with (`localhost`), which need not be the one the browser used, and the cookie belongs to that one.
 */
const seeOther = (path: string) => new NextResponse(null, { status: 303, headers: { location: path } });

const secure = (request: NextRequest) =>
  request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';

/**
 * The sign-in form's target (`/signin`): `user=<id>` signs in as that sample user and goes to the
 * dashboard; `signout` ends the session. Answers with 303 redirects, so the form works without scripts.
 */
export async function POST(request: NextRequest) {
  const secret = signingSecret();
  if (!secret) return notConfigured();
  if (!sameSite(request)) {
    return problemResponse(403, 'cross-site', 'Cross-site request', 'Sign in from this site’s own page.');
  }
  const form = await request.formData().catch(() => undefined);
  if (form?.has('signout')) {
    const response = seeOther('/signin');
    response.cookies.set(SESSION_COOKIE, '', cookieOptions(secure(request), 0));
    return response;
  }
  const user = demoUser(String(form?.get('user') ?? ''));
  if (!user) {
    return problemResponse(400, 'unknown-user', 'Unknown user', 'user must be one of the sample users');
  }
  const response = seeOther('/dashboard');
  response.cookies.set(SESSION_COOKIE, sessionValue(secret, user.id), cookieOptions(secure(request)));
  response.headers.set('cache-control', 'no-store');
  return response;
}
