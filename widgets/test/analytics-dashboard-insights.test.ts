import type { AnalyticsDashboard } from '../src/analytics-dashboard.js';
import { addDays, today } from '../src/format.js';
import { deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, client, env, make, mount, shadow, text } from './support/env.js';

// The suite's fixtures are ingested by a script, whose User-Agent flags them as bot traffic, which the
// insights leave out unless asked (`include-bots`).
function dashboard(): AnalyticsDashboard {
  return mount(
    make(
      'analytics-dashboard',
      { layout: 'insights', 'include-bots': '', range: '7d', locale: 'en-US' },
      { client: client('acme') },
    ),
  );
}

const since = addDays(today('UTC'), -6);
const count = (type?: string) =>
  env.fixtures.filter(
    (f) => f.org_id === 'acme' && f.timestamp.slice(0, 10) >= since && (!type || f.event_type === type),
  ).length;

describe('<analytics-dashboard layout="insights">', () => {
  afterEach(cleanup);

  it('shows the key figures, the trend and the breakdowns', async () => {
    const element = dashboard();
    await element.updateComplete;
    const root = shadow(element);
    const labels = await waitFor(() => {
      const found = [...root.querySelectorAll('metrics-card')].map((c) =>
        text(shadow(c).querySelector('[part="label"]')),
      );
      return found.every(Boolean) && found.length ? found : null;
    }, 'cards');
    deepEqual(labels, ['Visitors', 'Page views', 'Bounce rate', 'Average session duration', 'Events']);
    equal(root.querySelectorAll('trend-chart').length, 1);
    deepEqual(
      [...root.querySelectorAll('breakdown-list')].map((b) => b.dimension),
      ['path', 'referrer_host', 'utm_campaign', 'device', 'country', 'event_type'],
    );
    await waitFor(() => shadow(root.querySelector('trend-chart')!).querySelector('table'), 'trend');
    await expectAccessible(element, 'light');
  });

  it('filters every part by a value chosen in a breakdown, and lists the filter to remove it', async () => {
    const element = dashboard();
    await element.updateComplete;
    const root = shadow(element);
    const events = () => root.querySelectorAll('metrics-card')[4]!;
    const value = () => text(shadow(events()).querySelector('[part="value"]'));
    await waitFor(() => value() === String(count()), 'every event');
    const types = [...root.querySelectorAll('breakdown-list')].find((b) => b.dimension === 'event_type')!;
    const signup = await waitFor(
      () =>
        [...shadow(types).querySelectorAll<HTMLButtonElement>('button.row')].find(
          (b) => text(b.querySelector('.name')) === 'signup',
        ),
      'signup row',
    );
    signup.click();
    deepEqual(element.filters, ['event_type==signup']);
    await waitFor(() => value() === String(count('signup')), 'signup events only');
    const chip = await waitFor(() => root.querySelector<HTMLButtonElement>('[part="remove-filter"]'), 'chip');
    equal(chip.getAttribute('aria-label'), 'Remove the filter event_type==signup');
    chip.click();
    deepEqual(element.filters, []);
    await waitFor(() => value() === String(count()), 'every event again');
  });
});
