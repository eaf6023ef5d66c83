import { signal } from '@preact/signals-core';

/**
 * Every visible string of the elements, by key. English is the fallback for any key a catalogue lacks.
 * `{name}` is a placeholder; numbers and dates arrive already formatted in the element's locale.
 */
const en = {
  // Metric names (a stored metric without an entry shows its name, underscores as spaces).
  events: 'Events',
  active_users: 'Active users',
  visitors: 'Visitors',
  sessions: 'Sessions',
  pageviews: 'Page views',
  bounce_rate: 'Bounce rate',
  avg_session_duration: 'Average session duration',
  views_per_session: 'Views per session',
  typeEvents: '{type} events',
  // <metrics-card>
  noClient: 'No analytics client.',
  cardFailed: "Couldn't load {label}.",
  retryLabel: 'Retry loading {label}',
  loadingLabel: 'Loading {label}…',
  noComparison: 'No comparison available',
  up: 'Up {percent} vs {span}',
  down: 'Down {percent} vs {span}',
  noChange: 'No change vs {span}',
  new: 'New vs {span}',
  previousDay: 'the previous day',
  previousDays: 'the previous {n} days',
  sparkline: 'Daily {label}: {n} days, lowest {min}, highest {max}',
  // Errors (errors.ts)
  error401: 'The access token is missing, invalid or expired.',
  error403: 'This token is not allowed to read this data.',
  error429: 'Too many requests; try again in a moment.',
  error5xx: 'The analytics service had a problem.',
  errorOther: 'Something went wrong.',
  retry: 'Retry',
  // <events-table>
  noClientTable:
    'No analytics client: wrap this element in an <analytics-provider>, set its client, or load the script tag.',
  tableLabel: 'Events',
  eventsFailed: "Couldn't load events.",
  loadingEvents: 'Loading events…',
  noEvents: 'No events match these filters.',
  shownLoading: '{count} events shown; loading more…',
  shown: '{count} events shown.',
  shownAll: '{count} events shown, all loaded.',
  time: 'Time',
  type: 'Type',
  user: 'User',
  properties: 'Properties',
  anonymous: 'anonymous',
  loading: 'Loading…',
  loadMore: 'Load more',
  allLoaded: 'All {count} events loaded',
  // <event-type-select>
  eventType: 'Event type',
  allEventTypes: 'All event types',
  typesFailed: "Couldn't load event types.",
  // <date-range-picker>
  dateRange: 'Date range',
  today: 'Today',
  lastDays: 'Last {n} days',
  lastMonths: 'Last {n} months',
  custom: 'Custom',
  from: 'From',
  to: 'To',
  compare: 'Compare with the previous period',
  // <trend-chart>
  byDimension: '{label} by {dimension}',
  chartLabel: '{label}: chart; the arrow keys move between points',
  previousPeriod: 'previous period',
  other: 'Other',
  notSet: '(not set)',
  noData: 'No data for this period.',
  // <breakdown-list>
  filterHint: '{label}; choose a value to filter by it',
  showMore: 'Show more',
  // <funnel-chart>
  funnel: 'Funnel',
  funnelSteps: 'A funnel needs at least two steps.',
  step: '{n}. {type}',
  stepFigures: '{visitors} visitors · {percent}',
  fromPrevious: '{percent} of the previous step',
  fromPreviousIn: '{percent} of the previous step, median {duration} later',
  // <retention-grid>
  retention: 'Retention',
  cohort: 'Cohort',
  dayN: 'Day {n}',
  weekN: 'Week {n}',
  monthN: 'Month {n}',
  retainedOf: '{n} of {size}',
  // <analytics-dashboard layout="insights">
  filtersLabel: 'Filters in effect',
  removeFilter: 'Remove the filter {filter}',
  topPages: 'Top pages',
  referrers: 'Referrers',
  campaigns: 'Campaigns',
  devices: 'Devices',
  countries: 'Countries',
  eventTypes: 'Event types',
};

/** The keys a catalogue may hold. */
export type Messages = typeof en;
export type MessageKey = keyof Messages;

const de: Messages = {
  events: 'Ereignisse',
  active_users: 'Aktive Nutzer',
  visitors: 'Besucher',
  sessions: 'Sitzungen',
  pageviews: 'Seitenaufrufe',
  bounce_rate: 'Absprungrate',
  avg_session_duration: 'Durchschnittliche Sitzungsdauer',
  views_per_session: 'Aufrufe pro Sitzung',
  typeEvents: 'Ereignisse: {type}',
  noClient: 'Kein Analytics-Client.',
  cardFailed: '{label} konnte nicht geladen werden.',
  retryLabel: '{label} erneut laden',
  loadingLabel: '{label} wird geladen…',
  noComparison: 'Kein Vergleich verfügbar',
  up: 'Plus {percent} gegenüber {span}',
  down: 'Minus {percent} gegenüber {span}',
  noChange: 'Unverändert gegenüber {span}',
  new: 'Neu gegenüber {span}',
  previousDay: 'dem Vortag',
  previousDays: 'den vorherigen {n} Tagen',
  sparkline: 'Tageswerte {label}: {n} Tage, niedrigster {min}, höchster {max}',
  error401: 'Das Zugriffstoken fehlt, ist ungültig oder abgelaufen.',
  error403: 'Dieses Token darf diese Daten nicht lesen.',
  error429: 'Zu viele Anfragen; bitte gleich noch einmal versuchen.',
  error5xx: 'Der Analysedienst hatte ein Problem.',
  errorOther: 'Etwas ist schiefgelaufen.',
  retry: 'Erneut versuchen',
  noClientTable:
    'Kein Analytics-Client: Umschließen Sie dieses Element mit einem <analytics-provider>, setzen Sie seinen Client oder laden Sie das Script-Tag.',
  tableLabel: 'Ereignisse',
  eventsFailed: 'Die Ereignisse konnten nicht geladen werden.',
  loadingEvents: 'Ereignisse werden geladen…',
  noEvents: 'Keine Ereignisse entsprechen diesen Filtern.',
  shownLoading: '{count} Ereignisse angezeigt; weitere werden geladen…',
  shown: '{count} Ereignisse angezeigt.',
  shownAll: '{count} Ereignisse angezeigt, alle geladen.',
  time: 'Zeit',
  type: 'Typ',
  user: 'Nutzer',
  properties: 'Eigenschaften',
  anonymous: 'anonym',
  loading: 'Wird geladen…',
  loadMore: 'Mehr laden',
  allLoaded: 'Alle {count} Ereignisse geladen',
  eventType: 'Ereignistyp',
  allEventTypes: 'Alle Ereignistypen',
  typesFailed: 'Die Ereignistypen konnten nicht geladen werden.',
  dateRange: 'Zeitraum',
  today: 'Heute',
  lastDays: 'Letzte {n} Tage',
  lastMonths: 'Letzte {n} Monate',
  custom: 'Benutzerdefiniert',
  from: 'Von',
  to: 'Bis',
  compare: 'Mit dem vorherigen Zeitraum vergleichen',
  byDimension: '{label} nach {dimension}',
  chartLabel: '{label}: Diagramm; die Pfeiltasten wechseln zwischen den Punkten',
  previousPeriod: 'vorheriger Zeitraum',
  other: 'Andere',
  notSet: '(nicht gesetzt)',
  noData: 'Keine Daten für diesen Zeitraum.',
  filterHint: '{label}; einen Wert wählen, um danach zu filtern',
  showMore: 'Mehr anzeigen',
  funnel: 'Trichter',
  funnelSteps: 'Ein Trichter braucht mindestens zwei Schritte.',
  step: '{n}. {type}',
  stepFigures: '{visitors} Besucher · {percent}',
  fromPrevious: '{percent} des vorherigen Schritts',
  fromPreviousIn: '{percent} des vorherigen Schritts, im Median {duration} später',
  retention: 'Bindung',
  cohort: 'Kohorte',
  dayN: 'Tag {n}',
  weekN: 'Woche {n}',
  monthN: 'Monat {n}',
  retainedOf: '{n} von {size}',
  filtersLabel: 'Aktive Filter',
  removeFilter: 'Filter {filter} entfernen',
  topPages: 'Top-Seiten',
  referrers: 'Verweise',
  campaigns: 'Kampagnen',
  devices: 'Geräte',
  countries: 'Länder',
  eventTypes: 'Ereignistypen',
};

// Keyed by lower-case BCP 47 tag; a Map, so no tag ('__proto__', say) can reach Object.prototype.
const catalogues = new Map<string, Partial<Messages>>([
  ['en', en],
  ['de', de],
]);

// Bumped when a page registers messages or an ancestor's `lang` changes. `message()` reads it, and the
// elements render inside a signals effect, so every element on the page re-renders in the new words.
const revision = signal(0);

/**
 * Adds (or overrides) messages for a locale: a language (`fr`) or a regional variant (`de-CH`, consulted
 * before `de`). Keys left out fall back to the language's catalogue, then to English. Elements already
 * on the page re-render.
 */
export function registerMessages(locale: string, messages: Partial<Messages>): void {
  const tag = locale.toLowerCase();
  catalogues.set(tag, { ...catalogues.get(tag), ...messages });
  revision.value++;
}

/** The message `key` in `locale` (exact tag, then its language, then English), placeholders filled. */
export function message(
  locale: string,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  void revision.value;
  const tag = locale.toLowerCase();
  const text = catalogues.get(tag)?.[key] ?? catalogues.get(tag.split('-')[0] as string)?.[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (all, name: string) => String(values[name] ?? all));
}

let watching = false;

/**
 * The `lang` of the closest ancestor that has one, looking out through shadow roots; `undefined` when
 * none does. Starts watching `lang` attributes in the document, so changing `<html lang>` re-renders.
 */
export function closestLang(element: Element): string | undefined {
  if (!watching && typeof MutationObserver === 'function') {
    watching = true;
    new MutationObserver(() => revision.value++).observe(document.documentElement, {
      attributeFilter: ['lang'],
      subtree: true,
    });
  }
  for (let node: Element | undefined = element; node; node = (node.getRootNode() as ShadowRoot).host) {
    const lang = node.closest('[lang]:not([lang=""])')?.getAttribute('lang');
    if (lang) return lang;
  }
  return undefined;
}
