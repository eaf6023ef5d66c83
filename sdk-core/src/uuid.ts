/**
 * UUIDv7 (RFC 9562): a 48-bit Unix-millisecond timestamp, then random bits. Time-ordered ids keep the
 * server's B-tree inserts at the right edge of the index, and they double as this SDK's storage keys, so
 * ids made by one page must also sort in the order they were made: within one millisecond a 12-bit counter
 * (RFC 9562 §6.2, method 1) seeded at random in its lower half takes the place of `rand_a`.
 *
 * Random bytes come from a pool refilled 4 KiB at a time: one `getRandomValues` call per id cost more than
 * everything else `trackEvent` does.
 */
let lastMs = 0;
let counter = 0;
let pool = new Uint8Array(0);
let at = 0;
let hex: string[] | undefined;

export function uuidv7(): string {
  if (at + 10 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    at = 0;
  }
  hex ??= Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((pool[at]! & 7) << 8) | pool[at + 1]!;
  } else if (++counter > 0xfff) {
    // Counter exhausted: borrow the next millisecond rather than lose the ordering.
    lastMs++;
    counter = 0;
  }
  at += 2;
  const h = hex;
  const ms = lastMs;
  // 48 bits: the high 16 by division (bitwise operators stop at 32 bits).
  const hi = Math.floor(ms / 2 ** 32);
  const lo = ms >>> 0;
  let s = h[hi >>> 8]! + h[hi & 255]! + h[lo >>> 24]! + h[(lo >>> 16) & 255]!;
  s += `-${h[(lo >>> 8) & 255]!}${h[lo & 255]!}-${h[0x70 | (counter >> 8)]!}${h[counter & 255]!}-`;
  s += h[(pool[at]! & 0x3f) | 0x80]! + h[pool[at + 1]!]!;
  s += `-${h[pool[at + 2]!]!}${h[pool[at + 3]!]!}${h[pool[at + 4]!]!}${h[pool[at + 5]!]!}${h[pool[at + 6]!]!}${h[pool[at + 7]!]!}`;
  at += 8;
  return s;
}
