// Shared by the insights suites: events to seed through the real ingest API, and the answers they imply
// worked out here, never taken from a response.
import { startTestServer, type TestServer } from '@acme/analytics-server/testing';
import { AnalyticsClient, type AnalyticsClientOptions } from '../src/index.js';

// A browser's User-Agent: events from Node's own would count as a bot's and leave the visitor metrics.
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface Seeded {
  event_type: string;
  user_id: string;
  timestamp: string;
  properties: { plan: string; pad?: string };
  context: { page: { path: string } };
}

/** Stores `events` for the org of `token` through the ingest API, 100 to a request. */
export async function seed(url: string, token: string, events: Seeded[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) {
    const res = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': UA },
      body: JSON.stringify({ events: events.slice(i, i + 100) }),
    });
    if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  }
}

// Ten visitors in a week (Monday to Sunday, UTC) a few weeks back: the API takes events of the last 400 days.
// Visitor i views a page on day i % 5 at 10:00 + i minutes (/pricing when i is even, else /home); the even
// ones and u1, u3 sign up (i + 1) minutes later; every third views again the next day. Plan `pro` for every
// third, else `free`.
const DAY_MS = 86_400_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
// Back to this week's Monday, then three weeks more.
const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS - 21 * DAY_MS;
export const DAYS = Array.from({ length: 7 }, (_, d) =>
  new Date(monday + d * DAY_MS).toISOString().slice(0, 10),
);
export const START = DAYS[0]!;
export const END = DAYS[6]!;
export const week: Seeded[] = [];
for (let i = 0; i < 10; i++) {
  const at = Date.parse(`${DAYS[i % 5]}T10:00:00Z`) + i * 60_000;
  const base = {
    user_id: `u${i}`,
    properties: { plan: i % 3 === 0 ? 'pro' : 'free' },
    context: { page: { path: i % 2 === 0 ? '/pricing' : '/home' } },
  };
  week.push({ ...base, event_type: 'view', timestamp: new Date(at).toISOString() });
  if (i % 2 === 0 || i === 1 || i === 3)
    week.push({ ...base, event_type: 'signup', timestamp: new Date(at + (i + 1) * 60_000).toISOString() });
  if (i % 3 === 0)
    week.push({ ...base, event_type: 'view', timestamp: new Date(at + 86_400_000).toISOString() });
}

export const dayOf = (e: Seeded) => e.timestamp.slice(0, 10);
export const distinct = (events: Seeded[]) => new Set(events.map((e) => e.user_id)).size;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[(values.length - 1) / 2]!;

/**
 * A two-step funnel worked out from the seeded events: per visitor, the step-1 event that gets furthest (the
 * earliest on a tie) and the first step 2 strictly after it within the window.
 */
export function funnel(first: (e: Seeded) => boolean, second: (e: Seeded) => boolean, windowMs: number) {
  const gaps: number[] = [];
  const users = [...new Set(week.filter(first).map((e) => e.user_id))];
  for (const user of users) {
    const mine = week.filter((e) => e.user_id === user);
    for (const start of mine.filter(first).sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
      const t0 = Date.parse(start.timestamp);
      const next = mine
        .filter((e) => second(e) && Date.parse(e.timestamp) > t0 && Date.parse(e.timestamp) - t0 <= windowMs)
        .sort((a, b) => a.timestamp.localeCompare(b.timestamp))[0];
      if (next) {
        gaps.push((Date.parse(next.timestamp) - t0) / 1000);
        break;
      }
    }
  }
  return { entered: users.length, converted: gaps.length, median: median(gaps) };
}

export interface OrgClient {
  client: AnalyticsClient;
  token: string;
  /** The paths of the requests the client made, in order. */
  seen: string[];
}

/** A real API server with the week's events seeded for an org, and clients of it or of new orgs. */
export async function insightsServer() {
  const server: TestServer = await startTestServer({ rateLimit: false });
  let n = 0;
  /** A client (of a new org, unless `apiKey` says otherwise), reads not retried so errors show at once. */
  const orgClient = async ({ fetch: f = fetch, ...options }: Partial<AnalyticsClientOptions> = {}) => {
    const token = await server.token({ org: `org_insights_${++n}` });
    const seen: string[] = [];
    const client = new AnalyticsClient({
      baseUrl: server.url,
      apiKey: token,
      persistence: 'memory',
      retry: { reads: 0 },
      fetch: (input, init) => {
        seen.push(new URL(String(input)).pathname);
        return f(input, init);
      },
      ...options,
    });
    return { client, token: options.apiKey ?? token, seen } satisfies OrgClient;
  };
  const weekOrg = await orgClient();
  await seed(server.url, weekOrg.token, week);
  return { server, orgClient, weekToken: weekOrg.token };
}
