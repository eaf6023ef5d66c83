/**
 * UUIDv7 (RFC 9562): a 48-bit Unix-millisecond timestamp, then random bits. Time-ordered ids keep the
 * server's B-tree inserts at the right edge of the index, and they double as this SDK's storage keys, so
 * ids made by one page must also sort in the order they were made: within one millisecond a 12-bit counter
 * (RFC 9562 §6.2, method 1) seeded at random in its lower half takes the place of `rand_a`.
 */
let lastMs = 0;
let counter = 0;

export function uuidv7(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((b[6]! & 7) << 8) | b[7]!;
  } else if (++counter > 0xfff) {
    // Counter exhausted: borrow the next millisecond rather than lose the ordering.
    lastMs++;
    counter = 0;
  }
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (const x of b) h += (x < 16 ? '0' : '') + x.toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
