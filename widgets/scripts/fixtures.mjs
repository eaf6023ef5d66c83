// The events the browser suites run against, made relative to "now" so the metrics cards' default
// ranges have data. Deterministic apart from the clock; tests compute what they expect from this list.

import { createHash } from 'node:crypto';

const HOUR = 3_600_000;

/** @typedef {{ event_id: string, org_id: string, event_type: string, user_id?: string, timestamp: string, properties: Record<string, unknown> }} Fixture */

function id(org, i) {
  // UUID-shaped and stable per (org, i), so re-seeding the same server never duplicates.
  const hex = createHash('sha256').update(`${org}:${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** @returns {Fixture[]} */
export function fixtures(now = Date.now()) {
  const out = [];
  // acme: 120 events, one every 3 hours (15 days), three types, seven users and some anonymous.
  // 60 page_view, 40 signup, 20 purchase: distinct counts, so "most frequent first" has one order.
  const acmeTypes = ['page_view', 'page_view', 'signup', 'purchase', 'page_view', 'signup'];
  for (let i = 0; i < 120; i++) {
    out.push({
      event_id: id('acme', i),
      org_id: 'acme',
      event_type: acmeTypes[i % acmeTypes.length],
      ...(i % 10 === 9 ? {} : { user_id: `acme-user-${i % 7}` }),
      timestamp: new Date(now - (i * 3 + 1) * HOUR).toISOString(),
      properties: { path: `/page/${i}`, n: i, plan: i % 2 ? 'pro' : 'free' },
    });
  }
  // globex: a handful of its own types and users, to tell tenants apart.
  for (let i = 0; i < 8; i++) {
    out.push({
      event_id: id('globex', i),
      org_id: 'globex',
      event_type: i % 2 ? 'globex_view' : 'globex_signup',
      user_id: `globex-user-${i % 3}`,
      timestamp: new Date(now - (i * 5 + 2) * HOUR).toISOString(),
      properties: { tenant: 'globex', n: i },
    });
  }
  // initech: property values that would run script if they were ever rendered as HTML.
  out.push({
    event_id: id('initech', 0),
    org_id: 'initech',
    event_type: 'xss_probe',
    user_id: '<b>mallory</b>',
    timestamp: new Date(now - 2 * HOUR).toISOString(),
    properties: {
      comment: '<img src=x onerror="window.__xss = (window.__xss || 0) + 1">',
      nested: { html: '<script>window.__xss = (window.__xss || 0) + 1</script>' },
    },
  });
  out.push({
    event_id: id('initech', 1),
    org_id: 'initech',
    event_type: 'page_view',
    user_id: 'initech-user',
    timestamp: new Date(now - 3 * HOUR).toISOString(),
    properties: { path: '/' },
  });
  // hooli has no events at all.
  return out;
}

// hooli has no events; umbrella receives what the script-tag pages track, so no other suite sees it.
export const ORGS = ['acme', 'globex', 'initech', 'hooli', 'umbrella'];
