/**
 * The demo's sign-in: a cookie naming the signed-in user, signed with a key derived from the token-signing
 * secret, so only this server can make one. Server-side only (node:crypto); the browser never reads it
 * (HttpOnly) and only sends it to this site's own top-level navigations and requests (SameSite=Lax).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEV_JWT_SECRET } from '@acme/analytics-server/tokens';
import { type DemoUser, demoUser } from './users';

export const SESSION_COOKIE = 'demo_session';
/** A working day: long enough for a demo, short enough that a copied cookie soon stops working. */
export const SESSION_SECONDS = 8 * 3600;

/**
 * The HS256 secret tokens are signed with: `ANALYTICS_JWT_SECRET`, or the development default outside
 * production. With `NODE_ENV=production` and no secret configured there is none: the routes that need it
 * answer 503 instead of signing with a secret everybody knows.
 */
export function signingSecret(): string | undefined {
  const configured = process.env.ANALYTICS_JWT_SECRET;
  if (configured) return configured;
  return process.env.NODE_ENV === 'production' ? undefined : DEV_JWT_SECRET;
}

function mac(secret: string, payload: string): string {
  // A key of its own, derived from the secret: a session cookie is never a valid signature of anything else.
  const key = createHmac('sha256', secret).update('demo-next session').digest();
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** The cookie's value for `userId`: `<user>.<expiry, epoch s>.<HMAC>`. */
export function sessionValue(secret: string, userId: string, now = Date.now()): string {
  const payload = `${userId}.${Math.floor(now / 1000) + SESSION_SECONDS}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The signed-in user of a cookie value, if it is genuine, unexpired and names a demo user. */
export function sessionUser(
  secret: string,
  value: string | undefined,
  now = Date.now(),
): DemoUser | undefined {
  const parts = value?.split('.');
  if (parts?.length !== 3) return undefined;
  const [userId, expires, signature] = parts as [string, string, string];
  const expected = Buffer.from(mac(secret, `${userId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (!(Number(expires) * 1000 > now)) return undefined;
  return demoUser(userId);
}

/** Set-Cookie attributes: never readable by scripts, sent on this site's own navigations and requests. */
export function cookieOptions(secure: boolean, maxAge = SESSION_SECONDS) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', maxAge };
}

/** RFC 9457 problem documents for the demo's routes. */
export function problemResponse(status: number, type: string, title: string, detail: string): Response {
  return Response.json(
    { type: `/problems/${type}`, title, status, detail },
    { status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' } },
  );
}

export const notConfigured = () =>
  problemResponse(
    503,
    'not-configured',
    'Not configured',
    'ANALYTICS_JWT_SECRET is not set: this server signs no sessions or tokens in production without it.',
  );
