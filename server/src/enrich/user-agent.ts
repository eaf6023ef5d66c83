import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

/** The contract's device classes. */
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

export interface UserAgentInfo {
  browser: string | null;
  os: string | null;
  device: DeviceClass;
  /** A known crawler, monitor or automation client (headless browsers included). */
  isBot: boolean;
}

/**
 * Operating systems whose devices the parser leaves without a type: a UA with no device type on one of
 * these is a desktop; on anything else (a TV box, a library, an empty header) it is `other`.
 */
const DESKTOP_OS = new Set([
  'Windows',
  'Mac OS',
  'macOS',
  'Linux',
  'Ubuntu',
  'Debian',
  'Fedora',
  'Chrome OS',
  'Chromium OS',
  'FreeBSD',
  'OpenBSD',
  'Arch',
  'Mint',
  'Gentoo',
  'SUSE',
  'Kubuntu',
  'Mandriva',
  'Solaris',
  'NetBSD',
]);

/**
 * Parsing costs ~20 µs; one page's requests repeat the same few User-Agents, so the answers are cached.
 * The cache is bounded (oldest entry out first) so a client sending a new header with every request
 * costs a parse each time but never grows memory.
 */
const CACHE_LIMIT = 2_000;
/** Longer headers are cut before parsing (and before caching): real ones stay well under this. */
const MAX_UA_LENGTH = 512;
const cache = new Map<string, UserAgentInfo>();

/** Browser, OS, device class and bot flag of a User-Agent header (`undefined`: none sent). */
export function parseUserAgent(header: string | undefined): UserAgentInfo {
  const ua = (header ?? '').slice(0, MAX_UA_LENGTH);
  const cached = cache.get(ua);
  if (cached) return cached;
  const info = classify(ua);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(ua, info);
  return info;
}

function classify(ua: string): UserAgentInfo {
  const result = new UAParser(ua).getResult();
  const browser = result.browser.name ?? null;
  const os = result.os.name ?? null;
  const bot = ua !== '' && isbot(ua);
  let device: DeviceClass;
  if (bot) device = 'bot';
  else if (result.device.type === 'mobile' || result.device.type === 'wearable') device = 'mobile';
  else if (result.device.type === 'tablet') device = 'tablet';
  else if (result.device.type === undefined && os !== null && DESKTOP_OS.has(os)) device = 'desktop';
  else device = 'other';
  return { browser, os, device, isBot: bot };
}
