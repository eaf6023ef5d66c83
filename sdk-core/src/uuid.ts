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
/** Two hex digits for each byte value. */
const hex = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => (i | 256).toString(16).slice(1));

export function uuidv7(): string {
  if (at + 16 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    at = 0;
  }
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((pool[at]! & 7) << 8) | pool[at + 1]!;
  } else if (++counter > 0xfff) {
    // Counter exhausted: borrow the next millisecond rather than lose the ordering.
    lastMs++;
    counter = 0;
  }
  // The id's 16 bytes, written in place in the pool: 48 bits of time (a typed array keeps the low 8 bits of
  // what it is given, so each byte is the time divided down: exact, by powers of two; shifts would stop at
  // 32 bits), version 7 and the counter, then random bytes, the first with the variant bits 10.
  const p = pool;
  const a = at;
  at += 16;
  for (let i = 5, t = lastMs; i >= 0; i--, t /= 256) p[a + i] = t;
  p[a + 6] = 0x70 | (counter >> 8);
  p[a + 7] = counter;
  p[a + 8] = (p[a + 8]! & 0x3f) | 0x80;
  let s = '';
  // A dash before bytes 4, 6, 8 and 10: the set bits of 0x550.
  for (let i = 0; i < 16; i++) s += ((0x550 >> i) & 1 ? '-' : '') + hex[p[a + i]!];
  return s;
}
