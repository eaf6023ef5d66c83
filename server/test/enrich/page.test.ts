import { describe, expect, it } from 'vitest';
import { pageFields } from '../../src/enrich/page.js';

describe('pageFields()', () => {
  it('reads path, referrer host and UTM from the context', () => {
    const fields = pageFields(
      {
        page: {
          path: '/pricing',
          url: 'https://shop.example/pricing?x=1',
          referrer: 'https://www.Google.com/search?q=a',
        },
        utm: { source: 'newsletter', medium: 'email', campaign: 'spring' },
      },
      'page_view',
      {},
    );
    expect(fields).toEqual({
      path: '/pricing',
      referrerHost: 'google.com',
      utmSource: 'newsletter',
      utmMedium: 'email',
      utmCampaign: 'spring',
    });
  });

  it('takes UTM parameters from the page URL when the context has none', () => {
    const fields = pageFields(
      { page: { url: 'https://shop.example/a?utm_source=ads&utm_campaign=x%20y' } },
      'click',
      {},
    );
    expect(fields).toMatchObject({ path: '/a', utmSource: 'ads', utmMedium: null, utmCampaign: 'x y' });
  });

  it('falls back to page_view properties (older clients) and strips the query from the path', () => {
    const fields = pageFields(undefined, 'page_view', {
      path: '/docs?utm_medium=cpc#top',
      referrer: 'https://news.example/item',
    });
    expect(fields).toEqual({
      path: '/docs',
      referrerHost: 'news.example',
      utmSource: null,
      utmMedium: 'cpc',
      utmCampaign: null,
    });
  });

  it('ignores properties of events other than page_view', () => {
    expect(pageFields(undefined, 'signup', { path: '/x', referrer: 'https://a.example/' })).toEqual({
      path: null,
      referrerHost: null,
      utmSource: null,
      utmMedium: null,
      utmCampaign: null,
    });
  });

  it('is no referrer when it is the page itself, not http(s), or not a URL', () => {
    const url = 'https://www.shop.example/b';
    expect(
      pageFields({ page: { url, referrer: 'https://shop.example/a' } }, 'page_view', {}).referrerHost,
    ).toBeNull();
    expect(
      pageFields({ page: { url, referrer: 'android-app://com.x' } }, 'page_view', {}).referrerHost,
    ).toBeNull();
    expect(pageFields({ page: { url, referrer: 'not a url' } }, 'page_view', {}).referrerHost).toBeNull();
  });

  it('cuts values to 255 characters', () => {
    const fields = pageFields({ utm: { campaign: 'c'.repeat(1000) } }, 'x', {});
    expect(fields.utmCampaign).toHaveLength(255);
  });
});
