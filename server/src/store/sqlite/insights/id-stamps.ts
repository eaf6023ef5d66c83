/**
 * Distinct counting of integer ids as the rollup reads stream them (the daily summary, the hourly tallies):
 * a stamp per id instead of a set per bucket.
 */

/** Calls `fn` with each integer of a comma-separated list (what group_concat makes of integer ids). */
export function forEachId(list: string, fn: (id: number) => void): void {
  let n = 0;
  for (let p = 0; p < list.length; p++) {
    const c = list.charCodeAt(p);
    if (c === 44) {
      fn(n);
      n = 0;
    } else n = n * 10 + (c - 48);
  }
  if (list.length > 0) fn(n);
}

/** A stamp per integer id: `mark(id, stamp)` is true the first time an id gets that stamp. */
export class IdStamps {
  #stamps = new Uint32Array(1024);

  mark(id: number, stamp: number): boolean {
    if (id >= this.#stamps.length) {
      let size = this.#stamps.length;
      while (size <= id) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.#stamps);
      this.#stamps = grown;
    }
    if (this.#stamps[id] === stamp) return false;
    this.#stamps[id] = stamp;
    return true;
  }
}
