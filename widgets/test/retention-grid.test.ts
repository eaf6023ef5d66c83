import { DashboardStateController } from '../src/dashboard-state.js';
import { addDays, today } from '../src/format.js';
import type { RetentionGrid } from '../src/retention-grid.js';
import { deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, env, type Fixture, make, mount, type Org, shadow, text } from './support/env.js';

// The suite's fixtures are ingested by a script, whose User-Agent flags them as bot traffic, which the
// insights leave out unless asked. Anonymous fixtures get a visitor id the test cannot know: left out.
function grid(org: Org, attributes: Record<string, string>, parent?: Element): RetentionGrid {
  const element = make(
    'retention-grid',
    { locale: 'en-US', 'include-bots': '', range: '7d', periods: '3', ...attributes },
    { client: client(org) },
  );
  element.filters = ['user_id~-user'];
  return mount(element, parent);
}

/**
 * Daily cohorts of the fixtures as the API defines them: a visitor's cohort is the day of its first event
 * in the range; it is retained on day n when it has an event on cohort day + n, at or after that first one.
 */
function cohorts(org: Org, days: number, periods: number, keep: (f: Fixture) => boolean = () => true) {
  const end = today('UTC');
  const start = addDays(end, -(days - 1));
  const mine = env.fixtures
    .filter((f) => f.org_id === org && f.user_id && keep(f))
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const first = new Map<string, Fixture>();
  for (const f of mine) {
    const day = f.timestamp.slice(0, 10);
    if (day >= start && day <= end && !first.has(f.user_id!)) first.set(f.user_id!, f);
  }
  return Array.from({ length: days }, (_, i) => {
    const day = addDays(start, i);
    const users = [...first.values()].filter((f) => f.timestamp.startsWith(day));
    const retained = Array.from(
      { length: periods },
      (_, n) =>
        users.filter((u) =>
          mine.some(
            (f) =>
              f.user_id === u.user_id &&
              f.timestamp.startsWith(addDays(day, n)) &&
              f.timestamp >= u.timestamp,
          ),
        ).length,
    );
    return { day, size: users.length, retained };
  });
}

async function body(element: RetentionGrid): Promise<string[][]> {
  return waitFor(() => {
    const table = shadow(element).querySelector('table[part="table"]');
    if (!table || element.shadowRoot!.querySelector('[aria-busy="true"]')) return null;
    return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map(text));
  }, 'cohorts');
}

describe('<retention-grid>', () => {
  afterEach(cleanup);

  it('is a table of cohorts with their sizes and the share retained per day, shaded by it', async () => {
    const element = grid('acme', {});
    const rows = await body(element);
    const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
    const date = new Intl.DateTimeFormat('en-US', {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    });
    const expected = cohorts('acme', 7, 3);
    const last = today('UTC');
    deepEqual(
      rows,
      expected.map((c) => [
        date.format(new Date(`${c.day}T00:00:00Z`)),
        String(c.size),
        // A day still to come has no share yet.
        ...c.retained.map((n, i) => (!c.size || addDays(c.day, i) > last ? '' : percent.format(n / c.size))),
      ]),
    );
    const head = [...shadow(element).querySelectorAll('thead th')].map(text);
    deepEqual(head, ['Cohort', 'Visitors', 'Day 0', 'Day 1', 'Day 2']);
    equal(text(shadow(element).querySelector('caption')), 'Retention');
    equal(shadow(element).querySelector('tbody th')?.getAttribute('scope'), 'row');
    const cell = shadow(element).querySelector<HTMLElement>('td[part="cell"]')!;
    equal(cell.style.getPropertyValue('--_share'), '45.0%');
    await expectAccessible(element, 'light');
    element.theme = 'dark';
    await element.updateComplete;
    await expectAccessible(element, 'dark');
  });

  it('speaks German', async () => {
    const element = grid('acme', { locale: 'de-DE', period: 'week', range: '14d', periods: '2' });
    await body(element);
    const head = [...shadow(element).querySelectorAll('thead th')].map(text);
    deepEqual(head, ['Kohorte', 'Besucher', 'Woche 0', 'Woche 1']);
    equal(text(shadow(element).querySelector('caption')), 'Bindung');
  });

  it('follows the filters of its dashboard', async () => {
    const host = mount(document.createElement('div'));
    new DashboardStateController(host, { range: '7d', filters: ['event_type==purchase'] });
    const element = grid('acme', { range: '30d' }, host);
    const rows = await body(element);
    const expected = cohorts('acme', 7, 3, (f) => f.event_type === 'purchase');
    deepEqual(
      rows.map((r) => Number(r[1])),
      expected.map((c) => c.size),
    );
  });
});
