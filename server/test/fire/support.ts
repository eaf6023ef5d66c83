/**
 * Shared by the fire suites (hostile input, security, load): the problem-document check every error must
 * pass, the hostile strings every filter is fed, and a page walker.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { EventOut, EventsPage, Problem } from '../../src/contract.js';

/** What `inject` and a real HTTP client both give us. */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * Asserts an RFC 9457 problem document: the media type, the members, `status` equal to the response's,
 * `request_id` equal to `X-Request-Id`, and no stack or SQL leaking into `detail`.
 */
export function expectProblem(res: Answer, status?: number, label = ''): Problem {
  const where = `${label} ${res.statusCode} ${res.body.slice(0, 300)}`;
  if (status !== undefined) expect(res.statusCode, where).toBe(status);
  expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
  expect(String(res.headers['content-type']), where).toMatch(/^application\/problem\+json\b/);
  const doc = JSON.parse(res.body) as Problem;
  expect(doc, where).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: res.statusCode,
    detail: expect.any(String),
    code: expect.any(String),
  });
  expect(doc.request_id, where).toBe(res.headers['x-request-id']);
  // `detail` may quote the client's own input, never a stack frame or the failing SQL.
  expect(doc.detail, where).not.toMatch(/\bat \S+ \(|\(SQL:|node_modules|\.ts:\d+/);
  for (const e of doc.errors ?? [])
    expect(e, where).toEqual({ path: expect.any(String), message: expect.any(String) });
  return doc;
}

/** Never a 5xx; a 4xx is always a problem document. */
export function expectClientOutcome(res: Answer, label = ''): void {
  expect(res.statusCode, `${label} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) expectProblem(res, undefined, label);
}

/** Classic SQL injection payloads, for SQLite and PostgreSQL alike. */
export const SQL_INJECTION = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE events; --",
  '"; DROP TABLE events; --',
  "1' UNION SELECT org_id, org_id, org_id FROM orgs --",
  "') OR ('a'='a",
  "x' AND (SELECT count(*) FROM sqlite_master) > 0 --",
  "x'||(SELECT version())||'",
  '1; SELECT pg_sleep(10)--',
  "\\'; DELETE FROM events WHERE '1'='1",
  "%' OR user_id LIKE '%",
  '*/ OR /* 1=1',
  '0x27 OR 0x31=0x31',
  "admin'--",
  "' OR org_id IS NOT NULL OR '",
];

/** Path traversal payloads, raw and encoded. */
export const PATH_TRAVERSAL = [
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2f..%2f..%2fpackage.json',
  '....//....//etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  '..%00/etc/passwd',
  '%252e%252e%252fetc%252fpasswd',
  '..;/..;/etc/passwd',
];

/** Text the API must store and return exactly as sent (in properties, and in `user_id` where storable). */
export const UNICODE_EDGE = {
  emoji: '\u{1F600}\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}\u{1F1FA}\u{1F1F8}',
  rtl: '\u202Eevil\u202C \u05E9\u05DC\u05D5\u05DD \u0645\u0631\u062D\u0628\u0627 \u200F',
  combining: 'e\u0301 Z\u0351\u0364\u036B\u0353 \u1100\u1161\u11A8 \u0915\u094D\u0937',
  precomposed: '\u00E9',
  decomposed: 'e\u0301',
  nul: 'a\u0000b',
  controls: '\u0001\u0007\b\f\n\r\t\u001F\u007F\u0085',
  separators: 'line\u2028para\u2029end',
  bom: '\uFEFFbom',
  nonCharacters: '\uFFFE\uFFFF\u{10FFFF}',
  replacement: '\uFFFD',
  astral: '\u{1D11E}\u{20BB7}',
  zeroWidth: 'a\u200Bb\u200Cc\u200Dd\u2060',
  loneHigh: 'x\uD800y',
  loneLow: 'x\uDC00y',
  reversedPair: '\uDC00\uD800',
  escapes: '\\u0000 \\ud800 "quoted" </script>',
};

/** Walks every page of `GET /api/v1/events` with `query` (no cursor), returning the rows in order. */
export async function walkEvents(
  app: FastifyInstance,
  token: string,
  query: URLSearchParams = new URLSearchParams(),
): Promise<EventOut[]> {
  const rows: EventOut[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const q = new URLSearchParams(query);
    if (!q.has('limit')) q.set('limit', '1000');
    if (cursor) q.set('cursor', cursor);
    const res = await app.inject({
      url: `/api/v1/events?${q}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as EventsPage;
    rows.push(...body.data);
    cursor = body.next_cursor;
    if (!cursor) return rows;
  }
  throw new Error('more than 10,000 pages');
}
