import { describe, expect, it } from 'vitest';
import { cookielessVisitorId } from '../../src/enrich/visitor-hash.js';

describe('cookielessVisitorId()', () => {
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0';
  it('is stable for one salt, org, IP and User-Agent', () => {
    expect(cookielessVisitorId('salt-a', 'org_1', '203.0.113.9', ua)).toBe(
      cookielessVisitorId('salt-a', 'org_1', '203.0.113.9', ua),
    );
  });
  it('differs across salts (days), orgs, IPs and User-Agents', () => {
    const base = cookielessVisitorId('salt-a', 'org_1', '203.0.113.9', ua);
    const others = [
      cookielessVisitorId('salt-b', 'org_1', '203.0.113.9', ua),
      cookielessVisitorId('salt-a', 'org_2', '203.0.113.9', ua),
      cookielessVisitorId('salt-a', 'org_1', '203.0.113.10', ua),
      cookielessVisitorId('salt-a', 'org_1', '203.0.113.9', `${ua} x`),
    ];
    expect(new Set([base, ...others]).size).toBe(5);
  });
  it('does not let one field run into the next', () => {
    expect(cookielessVisitorId('s', 'org_1', '1.2.3.4', 'a')).not.toBe(
      cookielessVisitorId('s', 'org_11', '.2.3.4', 'a'),
    );
  });
  it('contains neither the IP nor the User-Agent', () => {
    const id = cookielessVisitorId('salt', 'org', '203.0.113.9', ua);
    expect(id).toMatch(/^h:[A-Za-z0-9_-]{22}$/);
  });
});
