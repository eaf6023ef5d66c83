import { describe, expect, it } from 'vitest';
import { countryOf } from '../../src/enrich/geo.js';

describe('countryOf()', () => {
  it('maps public IPv4 and IPv6 addresses to their country', () => {
    expect(countryOf('8.8.8.8')).toBe('US');
    expect(countryOf('81.2.69.160')).toBe('GB');
    expect(countryOf('2a00:1450:4001:80b::200e')).toBe('DE');
  });

  it('reads IPv4-mapped IPv6 addresses as the IPv4 address', () => {
    expect(countryOf('::ffff:8.8.8.8')).toBe('US');
  });

  it('answers null for private, loopback, missing and malformed addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '::1',
      '',
      undefined,
      'not-an-ip',
      '999.1.1.1',
    ]) {
      expect(countryOf(ip)).toBeNull();
    }
  });
});
