import { createHash } from 'node:crypto';

/**
 * The cookieless visitor id (Plausible's scheme): a hash of a secret daily salt, the org, the client IP and
 * the User-Agent. The salt is random, never leaves the server and is deleted after two days, so the same
 * person gets a new id every day and cannot be followed across days or across orgs; the IP is never stored.
 */
export function cookielessVisitorId(salt: string, orgId: string, ip: string, userAgent: string): string {
  // NUL separators: no field can contain one (the schemas refuse it), so no two inputs hash alike.
  const digest = createHash('sha256').update(`${salt}\0${orgId}\0${ip}\0${userAgent}`).digest('base64url');
  return `h:${digest.slice(0, 22)}`;
}
