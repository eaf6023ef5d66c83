import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../../src/enrich/user-agent.js';

// Real User-Agent headers as browsers and crawlers send them.
const TABLE: [
  label: string,
  ua: string,
  browser: string | null,
  os: string | null,
  device: string,
  bot: boolean,
][] = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Chrome',
    'Windows',
    'desktop',
    false,
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
    'Safari',
    'Mac OS',
    'desktop',
    false,
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    'Firefox',
    'Linux',
    'desktop',
    false,
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
    'Edge',
    'Windows',
    'desktop',
    false,
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'mobile',
    false,
  ],
  [
    'Chrome on Android phone',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
    'Chrome',
    'Android',
    'mobile',
    false,
  ],
  [
    'Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    'Mobile Safari',
    'iOS',
    'tablet',
    false,
  ],
  [
    'Chrome on Android tablet',
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Chrome',
    'Android',
    'tablet',
    false,
  ],
  [
    'Googlebot',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    null,
    null,
    'bot',
    true,
  ],
  [
    'Bingbot',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    null,
    null,
    'bot',
    true,
  ],
  [
    'headless Chromium',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
    'Chrome Headless',
    'Linux',
    'bot',
    true,
  ],
  ['curl', 'curl/8.5.0', null, null, 'bot', true],
];

describe('parseUserAgent()', () => {
  it.each(TABLE)('%s', (_label, ua, browser, os, device, bot) => {
    const info = parseUserAgent(ua);
    expect(info.device).toBe(device);
    expect(info.isBot).toBe(bot);
    if (!bot) {
      expect(info.browser).toBe(browser);
      expect(info.os).toBe(os);
    }
  });

  it('classes a missing header as other, not a bot', () => {
    expect(parseUserAgent(undefined)).toEqual({ browser: null, os: null, device: 'other', isBot: false });
    expect(parseUserAgent('')).toEqual({ browser: null, os: null, device: 'other', isBot: false });
  });

  it('answers the same for a header longer than any real one, whatever follows the first 512 characters', () => {
    const base = TABLE[0]?.[1] ?? '';
    const long = base.padEnd(512, ' ');
    expect(parseUserAgent(`${long}x`.repeat(20))).toEqual(parseUserAgent(`${long}y`));
  });

  it('keeps answering correctly after more distinct headers than the cache holds', () => {
    for (let i = 0; i < 2_500; i++)
      parseUserAgent(`Mozilla/5.0 (Windows NT 10.0) Chrome/${i}.0 Safari/537.36`);
    expect(parseUserAgent(TABLE[4]?.[1]).device).toBe('mobile');
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 10.0) Chrome/7.0 Safari/537.36')).toMatchObject({
      browser: 'Chrome',
      device: 'desktop',
    });
  });
});
