/**
 * What ingest derives for the contract's "Visitors and sessions": the checks `context` needs beyond its
 * schema, and each event's visitor, page and request columns. The request's User-Agent and IP are read
 * once per batch; the IP is only looked up (country) and hashed (cookieless visitor), never kept.
 */
import type { EventIn } from '../contract.js';
import { countryOf } from '../enrich/geo.js';
import { type PageContextInput, type PageFields, pageFields } from '../enrich/page.js';
import { parseUserAgent } from '../enrich/user-agent.js';
import { cookielessVisitorId } from '../enrich/visitor-hash.js';
import type { FieldError } from '../lib/errors.js';
import { DAY_MS } from '../lib/time.js';
import { MAX_CONTEXT_BYTES } from '../schemas/events.js';
import type { EventStore, NewEvent } from '../store/types.js';

/** Nesting allowed in `context` (the same bound as `properties`). */
const MAX_CONTEXT_DEPTH = 64;

/**
 * `context` as JSON text (null when absent), or a field error when it takes more than 4 KiB or nests
 * deeper than properties may.
 */
export function contextJson(context: EventIn['context'], index: number, errors: FieldError[]): string | null {
  if (context === undefined) return null;
  let text: string;
  try {
    text = JSON.stringify(context);
  } catch {
    // Only nesting deep enough to exhaust the stack makes JSON.stringify throw on parsed JSON.
    text = '';
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so only long texts need the exact count.
  if (text === '' || (text.length > MAX_CONTEXT_BYTES / 3 && Buffer.byteLength(text) > MAX_CONTEXT_BYTES)) {
    errors.push({ path: `/events/${index}/context`, message: 'must be at most 4 KiB when serialised' });
    return null;
  }
  // Each level takes at least two characters and one opening bracket, so only longer texts with more
  // brackets can nest too deep; only those are scanned.
  if (text.length <= 2 * MAX_CONTEXT_DEPTH || !moreBracketsThan(text, MAX_CONTEXT_DEPTH)) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Brackets inside strings count too: an over-estimate that only matters past 64 levels.
    if ((c === 123 || c === 91) && ++depth > MAX_CONTEXT_DEPTH) {
      errors.push({
        path: `/events/${index}/context`,
        message: `must be nested at most ${MAX_CONTEXT_DEPTH} levels deep`,
      });
      return null;
    }
    if (c === 125 || c === 93) depth--;
  }
  return text;
}

/**
 * Whether a JSON text has more than `limit` opening brackets (counting those inside strings too): nesting
 * can only be deeper than `limit` if so, and this scan costs far less than walking the parsed value.
 */
export function moreBracketsThan(text: string, limit: number): boolean {
  // indexOf jumps from bracket to bracket natively: a typical object has a few, and this ran for every
  // event's properties and context, where a loop over each character cost a share of the event loop's time.
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}

/** The request an ingest batch came with. */
export interface RequestFacts {
  /** The `User-Agent` header, if sent. */
  userAgent?: string | undefined;
  /** The client's IP (`request.ip`: the peer, or with `trustProxy` the forwarded client). */
  ip?: string | undefined;
}

/**
 * Sets each event's derived columns in place: browser, OS, device class and bot flag from the User-Agent,
 * country from the IP, path, referrer host and UTM from the context (or page-view properties), and the
 * visitor: its user, else its anonymous id, else the cookieless hash of the day's salt, the org, the IP
 * and the User-Agent (the salt of the UTC day the batch was received, asked of the store only then).
 */
export async function enrichEvents(
  store: Pick<EventStore, 'visitorSalt'>,
  orgId: string,
  events: NewEvent[],
  request: RequestFacts,
  receivedAt: number,
): Promise<void> {
  const agent = parseUserAgent(request.userAgent);
  const country = countryOf(request.ip);
  let cookieless: string | undefined;
  for (const e of events) {
    const context = e.context ?? undefined;
    let page: PageFields;
    const view = e.eventType === 'page_view';
    if (context?.page || context?.utm || view) {
      // Exactly what pageFields reads (texts only), so events of one page hit the same entry.
      const p = context?.page;
      const u = context?.utm;
      const key = `${view ? 1 : 0}\u0001${p?.path}\u0001${p?.url}\u0001${p?.referrer}\u0001${u?.source}\u0001${
        u?.medium
      }\u0001${u?.campaign}\u0001${view ? textOf(e.properties.path) : ''}\u0001${view ? textOf(e.properties.referrer) : ''}`;
      page = cachedPageFields(key, context as PageContextInput | undefined, e);
    } else page = NO_PAGE;
    e.path = page.path;
    e.referrerHost = page.referrerHost;
    e.utmSource = page.utmSource;
    e.utmMedium = page.utmMedium;
    e.utmCampaign = page.utmCampaign;
    e.browser = agent.browser;
    e.os = agent.os;
    e.device = agent.device;
    e.isBot = agent.isBot;
    e.country = country;
    let visitor = e.userId ?? e.anonymousId ?? null;
    if (visitor === null) {
      if (cookieless === undefined) {
        const salt = await store.visitorSalt(Math.floor(receivedAt / DAY_MS));
        cookieless = cookielessVisitorId(salt, orgId, request.ip ?? '', request.userAgent ?? '');
      }
      visitor = cookieless;
    }
    e.visitorId = visitor;
  }
}

/**
 * Events of one page share their page fields, within a batch and across the batches of a site's visitors;
 * parsing URLs is most of the cost, so each distinct page is parsed once while it stays in this cache. It
 * is bounded like the User-Agent cache (oldest entry out first, and keys past 2 KiB never kept), so a
 * client sending a new page with every event costs a parse each time but never grows memory: at most
 * about 2 MiB of keys.
 */
const PAGE_CACHE_LIMIT = 1_000;
const PAGE_KEY_LIMIT = 2_048;
const pageCache = new Map<string, PageFields>();

function cachedPageFields(key: string, context: PageContextInput | undefined, e: NewEvent): PageFields {
  const hit = pageCache.get(key);
  if (hit) return hit;
  const fields = pageFields(context, e.eventType, e.properties);
  if (key.length <= PAGE_KEY_LIMIT) {
    if (pageCache.size >= PAGE_CACHE_LIMIT) pageCache.delete(pageCache.keys().next().value as string);
    pageCache.set(key, fields);
  }
  return fields;
}

/** A property as part of a cache key: only strings matter to pageFields, anything else reads as absent. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? `s${value}` : '';
}

const NO_PAGE: PageFields = {
  path: null,
  referrerHost: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
};
