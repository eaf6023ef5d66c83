import { addDays, today } from '../src/format.js';
import type { MetricsCard } from '../src/metrics-card.js';
import { assert, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import {
  cleanup,
  client,
  env,
  fault,
  make,
  mount,
  type Org,
  release,
  scope,
  shadow,
  text,
} from './support/env.js';

function card(org: Org, attributes: Record<string, string>, via?: string): MetricsCard {
  return mount(make('metrics-card', { locale: 'en-US', ...attributes }, { client: client(org, { via }) }));
}

/** Counts an org's fixtures on UTC days `start`…`end`. */
function count(org: Org, start: string, end: string, type?: string): number {
  return env.fixtures.filter((f) => {
    const day = f.timestamp.slice(0, 10);
    return f.org_id === org && day >= start && day <= end && (!type || f.event_type === type);
  }).length;
}

const value = (element: MetricsCard) =>
  waitFor(() => shadow(element).querySelector('[part="value"]'), `${element.metric} value`);

describe('<metrics-card>', () => {
  afterEach(async () => {
    await release();
    cleanup();
  });

  it('shows the total and the change against the previous period of equal length', async () => {
    const end = today('UTC');
    const start = addDays(end, -6);
    const current = count('acme', start, end);
    const previous = count('acme', addDays(start, -7), addDays(start, -1));
    assert(current > 0 && previous > 0, 'fixtures cover both weeks');
    const element = card('acme', { metric: 'events', range: '7d' });
    equal(text(await value(element)), new Intl.NumberFormat('en-US').format(current));
    const change = await waitFor(() => {
      const el = shadow(element).querySelector('[part~="change"]');
      return text(el).includes(' vs ') ? el : null;
    }, 'change');
    const ratio = (current - previous) / previous;
    const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(
      Math.abs(ratio),
    );
    const words = ratio > 0 ? `Up ${percent}` : ratio < 0 ? `Down ${percent}` : 'No change';
    assert(text(change).includes(`${words} vs the previous 7 days`), text(change));
    equal(text(shadow(element).querySelector('[part="label"]')), 'Events');
    await expectAccessible(element, 'loaded');
  });

  it('draws a sparkline with one point per day', async () => {
    const element = card('acme', { metric: 'events', range: '30d' });
    await value(element);
    const svg = shadow(element).querySelector('svg[part="sparkline"]');
    assert(svg, 'sparkline');
    equal(svg.getAttribute('role'), 'img');
    assert(
      svg.getAttribute('aria-label')?.startsWith('Daily Events: 30 days'),
      svg.getAttribute('aria-label') ?? '',
    );
    const points = svg.querySelector('polyline')?.getAttribute('points')?.split(' ') ?? [];
    equal(points.length, 30);
    // The highest day is drawn at the top (y = 1), the lowest at the bottom (y = 29).
    const ys = points.map((p) => Number(p.split(',')[1]));
    equal(Math.min(...ys), 1);
    equal(Math.max(...ys), 29);
  });

  it('takes explicit dates, an events:<type> metric, a label and a number format', async () => {
    const end = today('UTC');
    const start = addDays(end, -9);
    const element = card('acme', {
      metric: 'events:signup',
      'start-date': start,
      'end-date': end,
      label: 'Sign-ups',
      format: 'compact',
      locale: 'de-DE',
    });
    const total = count('acme', start, end, 'signup');
    equal(
      text(await value(element)),
      new Intl.NumberFormat('de-DE', { notation: 'compact', maximumFractionDigits: 1 }).format(total),
    );
    equal(text(shadow(element).querySelector('[part="label"]')), 'Sign-ups');
    // The words follow the locale too (see messages.test.ts for every element in English and German).
    await waitFor(
      () =>
        text(shadow(element).querySelector('[part~="change"]')).includes('gegenüber den vorherigen 10 Tagen'),
      'change over 10 days',
    );
  });

  it('shows a loading state, then the value', async () => {
    const name = scope('card-loading');
    await fault(name, { hold: true, count: 2 });
    const element = card('acme', { metric: 'active_users', range: '7d' }, name);
    await waitFor(() => shadow(element).querySelector('.skeleton'), 'skeleton');
    equal(shadow(element).querySelector('[part="card"]')?.getAttribute('aria-busy'), 'true');
    assert(text(shadow(element).querySelector('[role="status"]')).includes('Loading Active users'));
    await expectAccessible(element, 'loading');
    await release();
    await value(element);
  });

  it('shows an error with a retry button, and recovers', async () => {
    const name = scope('card-error');
    await fault(name, { status: 500, count: 1000 });
    const element = card('globex', { metric: 'events', range: '7d' }, name);
    const alert = await waitFor(() => shadow(element).querySelector('[role="alert"]'), 'error', 30_000);
    assert(text(alert).includes("Couldn't load Events"), text(alert));
    await expectAccessible(element, 'error');
    await fault(name, { count: 0 });
    shadow(element).querySelector<HTMLButtonElement>('[part="retry-button"]')!.click();
    const end = today('UTC');
    equal(text(await value(element)), String(count('globex', addDays(end, -6), end)));
  });

  it('still shows the total when only the previous period fails', async () => {
    const name = scope('card-previous');
    const end = today('UTC');
    const start = addDays(end, -6);
    await fault(name, { status: 500, count: 1000, match: `start_date=${addDays(start, -7)}` });
    const element = card('acme', { metric: 'events', 'start-date': start, 'end-date': end }, name);
    equal(text(await value(element)), String(count('acme', start, end)));
    await waitFor(
      () => text(shadow(element).querySelector('[part="change"]')) === 'No comparison available',
      'no comparison',
    );
    equal(shadow(element).querySelector('[role="alert"]'), null);
  });

  it('reports a refused token', async () => {
    const element = mount(
      make(
        'metrics-card',
        {},
        { client: client('acme', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature' }) },
      ),
    );
    const alert = await waitFor(() => shadow(element).querySelector('[role="alert"]'), 'error');
    assert(text(alert).includes('The access token is missing, invalid or expired.'), text(alert));
  });
});
