import { sendKeys } from '@web/test-runner-commands';
import type { RangeChangeDetail } from '../src/dashboard-state.js';
import type { DateRangePicker } from '../src/date-range-picker.js';
import { addDays, today } from '../src/format.js';
import { deepEqual, equal, waitFor } from './support/assert.js';
import { expectAccessible } from './support/axe.js';
import { cleanup, deepActive, make, mount, shadow, text } from './support/env.js';

function picker(attributes: Record<string, string> = {}) {
  const element = mount(make('date-range-picker', { locale: 'en', ...attributes }));
  const changes: RangeChangeDetail[] = [];
  element.addEventListener('range-change', (event) => changes.push(event.detail));
  return { element, changes };
}

const select = (element: DateRangePicker) => shadow(element).querySelector('select')!;
const dates = (element: DateRangePicker) => [
  ...shadow(element).querySelectorAll<HTMLInputElement>('input[type=date]'),
];
const checkbox = (element: DateRangePicker) =>
  shadow(element).querySelector<HTMLInputElement>('input[type=checkbox]')!;

function choose(element: DateRangePicker, value: string) {
  select(element).value = value;
  select(element).dispatchEvent(new Event('change', { bubbles: true }));
}

describe('<date-range-picker>', () => {
  afterEach(cleanup);

  it('offers the presets and custom, labelled, with the range chosen', async () => {
    const { element } = picker({ range: '90d' });
    await element.updateComplete;
    const options = [...select(element).options].map((o) => [o.value, text(o)]);
    deepEqual(options, [
      ['today', 'Today'],
      ['7d', 'Last 7 days'],
      ['30d', 'Last 30 days'],
      ['90d', 'Last 90 days'],
      ['12m', 'Last 12 months'],
      ['custom', 'Custom'],
    ]);
    equal(select(element).value, '90d');
    equal(text(select(element).closest('label')?.querySelector('span')), 'Date range');
    equal(text(checkbox(element).closest('label')), 'Compare with the previous period');
    equal(dates(element).length, 0, 'no date inputs for a preset');
    await expectAccessible(element, 'preset');
  });

  it('lists another <n>d range it was given', async () => {
    const { element } = picker({ range: '14d' });
    await element.updateComplete;
    equal(select(element).value, '14d');
    equal(text(select(element).selectedOptions[0]), 'Last 14 days');
  });

  it('fires range-change with a preset and the comparison', async () => {
    const { element, changes } = picker();
    await element.updateComplete;
    choose(element, '7d');
    checkbox(element).click();
    deepEqual(changes, [
      { range: '7d', compare: false },
      { range: '7d', compare: true },
    ]);
    equal(element.range, '7d');
    equal(element.compare, true);
  });

  it('shows two date inputs for a custom range, starting from the preset’s dates', async () => {
    const { element, changes } = picker({ range: '7d', 'time-zone': 'UTC' });
    await element.updateComplete;
    choose(element, 'custom');
    await element.updateComplete;
    const end = today('UTC');
    const start = addDays(end, -6);
    deepEqual(changes.at(-1), { range: 'custom', compare: false, start_date: start, end_date: end });
    const [from, to] = dates(element);
    equal(from?.value, start);
    equal(to?.value, end);
    equal(from?.max, end, 'the first date cannot pass the last');
    equal(to?.min, start);
    await expectAccessible(element, 'custom');

    to!.value = addDays(end, -1);
    to!.dispatchEvent(new Event('change'));
    deepEqual(changes.at(-1), {
      range: 'custom',
      compare: false,
      start_date: start,
      end_date: addDays(end, -1),
    });
    // A cleared date is no range yet.
    from!.value = '';
    from!.dispatchEvent(new Event('change'));
    equal(changes.length, 2);
  });

  it('is operable from the keyboard alone', async () => {
    const before = mount(make('button', {}, { textContent: 'before' }));
    const { element, changes } = picker({ range: '30d' });
    await element.updateComplete;
    before.focus();
    await sendKeys({ press: 'Tab' });
    equal(deepActive(), select(element), 'the menu first');
    await sendKeys({ press: 'ArrowDown' });
    await waitFor(() => changes.length === 1, 'a change from the arrow key');
    deepEqual(changes[0], { range: '90d', compare: false });
    await sendKeys({ press: 'Tab' });
    equal(deepActive(), checkbox(element), 'then the comparison');
    await sendKeys({ press: 'Space' });
    deepEqual(changes[1], { range: '90d', compare: true });
  });

  it('speaks German', async () => {
    const { element } = picker({
      locale: 'de-DE',
      range: 'custom',
      'start-date': '2026-01-01',
      'end-date': '2026-01-31',
    });
    await element.updateComplete;
    deepEqual(
      [...select(element).options].map((o) => text(o)),
      ['Heute', 'Letzte 7 Tage', 'Letzte 30 Tage', 'Letzte 90 Tage', 'Letzte 12 Monate', 'Benutzerdefiniert'],
    );
    deepEqual(
      [...shadow(element).querySelectorAll('label > span')].map((l) => text(l)),
      ['Zeitraum', 'Von', 'Bis', 'Mit dem vorherigen Zeitraum vergleichen'],
    );
    await expectAccessible(element, 'German, custom');
  });
});
