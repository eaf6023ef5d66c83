import type { MessageKey } from './messages.js';

// The metrics with a name in the messages; any other shows its own name.
const NAMED = new Set<string>([
  'events',
  'active_users',
  'visitors',
  'sessions',
  'pageviews',
  'bounce_rate',
  'avg_session_duration',
  'views_per_session',
]);

/** A readable name for a metric in the caller's words: `events:signup` becomes "signup events". */
export function metricLabel(
  metric: string,
  t: (key: MessageKey, values?: Record<string, string>) => string,
): string {
  if (metric.startsWith('events:')) return t('typeEvents', { type: metric.slice(7) });
  return NAMED.has(metric) ? t(metric as MessageKey) : metric.replace(/_/g, ' ');
}
