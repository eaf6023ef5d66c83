// One real API server per test project, in plain Node (outside the DOM environment), with its own data:
// two orgs written through the API itself, and tokens for the cases the tests need.
import { startTestServer } from '@acme/analytics-server/testing';
import type { TestProject } from 'vitest/node';
import { orgAEvents } from './fixture.js';

export default async function setup(project: TestProject) {
  const server = await startTestServer();
  const orgA = 'org_react_a';
  const orgB = 'org_react_b';
  const orgW = 'org_react_w';
  const tokens = {
    a: await server.token({ org: orgA }),
    b: await server.token({ org: orgB }),
    w: await server.token({ org: orgW }),
    writeOnly: await server.token({ org: orgA, scope: 'events:write' }),
  };

  const now = Date.now();
  const eventsA = orgAEvents(now);
  const eventsB = Array.from({ length: 5 }, (_, i) => ({
    event_type: 'purchase',
    user_id: `buyer_${i}`,
    timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    properties: { index: i },
  }));
  for (const [token, events] of [
    [tokens.a, eventsA],
    [tokens.b, eventsB],
  ] as const) {
    const response = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    if (response.status !== 202)
      throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
  }

  project.provide('fixture', { url: server.url, orgA, orgB, orgW, tokens });
  return () => server.close();
}
