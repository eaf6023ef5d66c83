/**
 * Where an event happened and where its visitor came from: the page path, the referrer's host and the UTM
 * campaign, from the event's `context` (what the SDK sends) or, for older clients that send only
 * `page_view` properties, from `properties.path` / `properties.referrer`.
 */

export interface PageFields {
  path: string | null;
  referrerHost: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

/** The parts of the contract's `context` read here (already validated as an object by the schema). */
export interface PageContextInput {
  page?: { path?: unknown; referrer?: unknown; url?: unknown };
  utm?: { source?: unknown; medium?: unknown; campaign?: unknown };
}

/** Stored values are cut to this many characters: they are dimensions, not documents. */
const MAX_VALUE = 255;

export function pageFields(
  context: PageContextInput | undefined,
  eventType: string,
  properties: Record<string, unknown>,
): PageFields {
  const page = context?.page;
  const fromProps = eventType === 'page_view' ? properties : undefined;
  const url = parseUrl(text(page?.url));
  const rawPath = text(page?.path) ?? url?.pathname ?? text(fromProps?.path);
  // A path sent with its query string (`/pricing?utm_source=x`) still names the page `/pricing`; its query
  // is where UTM parameters come from when the context has none.
  const query = url?.searchParams ?? queryOf(rawPath);
  const referrer = parseUrl(text(page?.referrer) ?? text(fromProps?.referrer));
  const utm = context?.utm;
  return {
    path: cut(rawPath?.split(/[?#]/, 1)[0] || null),
    referrerHost: referrerHostOf(referrer, url),
    utmSource: cut(text(utm?.source) ?? query?.get('utm_source') ?? null),
    utmMedium: cut(text(utm?.medium) ?? query?.get('utm_medium') ?? null),
    utmCampaign: cut(text(utm?.campaign) ?? query?.get('utm_campaign') ?? null),
  };
}

/** `www.` is dropped so `www.google.com` and `google.com` are one referrer; the page's own host is no referrer. */
function referrerHostOf(referrer: URL | null, page: URL | null): string | null {
  if (!referrer || (referrer.protocol !== 'http:' && referrer.protocol !== 'https:')) return null;
  const host = referrer.hostname.toLowerCase().replace(/^www\./, '');
  if (!host) return null;
  if (page && page.hostname.toLowerCase().replace(/^www\./, '') === host) return null;
  return cut(host);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseUrl(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function queryOf(path: string | undefined): URLSearchParams | null {
  const at = path?.indexOf('?') ?? -1;
  return path && at >= 0 ? new URLSearchParams(path.slice(at + 1).split('#', 1)[0]) : null;
}

function cut(value: string | null): string | null {
  return value === null || value === '' ? null : value.slice(0, MAX_VALUE);
}
