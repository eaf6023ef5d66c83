import { ApiError, type FieldError } from './errors.js';

/**
 * The contract's `filter=<dimension><op><value>` parameters: parsed and validated here, once, into values
 * the stores turn into parameterised SQL. A dimension is one of a closed list (or `prop.<key>` with a
 * restricted key), so no text from a filter ever becomes SQL; values are always bound parameters.
 */

export const FILTER_DIMENSIONS = [
  'event_type',
  'path',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'browser',
  'os',
  'device',
  'country',
  'entry_path',
  'user_id',
  'visitor_id',
] as const;

export type ColumnDimension = (typeof FILTER_DIMENSIONS)[number];

/** `==` equals, `!=` differs (or is unset), `~` contains (case-insensitive), `!~` does not contain. */
export type FilterOp = '==' | '!=' | '~' | '!~';

export type Filter =
  | { dimension: ColumnDimension; op: FilterOp; value: string }
  | { dimension: 'prop'; key: string; op: FilterOp; value: string };

export const PROPERTY_KEY_PATTERN = /^[A-Za-z0-9_.$-]{1,64}$/;
const DIMENSION_SET: ReadonlySet<string> = new Set(FILTER_DIMENSIONS);
/** Most filters per request: each is one more predicate on every row read. */
export const MAX_FILTERS = 20;
/** Longest value: longer ones cannot match a stored dimension (255 characters at most). */
const MAX_VALUE_LENGTH = 1_024;
// Two-character operators first, so `a!=b` is `a` `!=` `b`, not `a!` `=`...
const SYNTAX = /^(prop\.[^=!~]*|[a-z_]+)(==|!=|!~|~)([\s\S]*)$/;

/** Parse every `filter` value of a request; a bad one is a 422 naming it (`/filter/2`). */
export function parseFilters(raw: string | string[] | undefined, pointer = '/filter'): Filter[] {
  const texts = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (texts.length > MAX_FILTERS) {
    throw invalid([{ path: pointer, message: `at most ${MAX_FILTERS} filters` }]);
  }
  const errors: FieldError[] = [];
  const filters: Filter[] = [];
  texts.forEach((text, i) => {
    const parsed = parseFilter(text);
    if (typeof parsed === 'string') errors.push({ path: `${pointer}/${i}`, message: parsed });
    else filters.push(parsed);
  });
  if (errors.length > 0) throw invalid(errors);
  return filters;
}

/** One filter, or the reason it is refused. */
export function parseFilter(text: string): Filter | string {
  const match = SYNTAX.exec(text);
  if (!match) {
    return `malformed filter ${JSON.stringify(text.slice(0, 80))}: expected <dimension><op><value> with op one of ==, !=, ~, !~`;
  }
  const [, dimension, op, value] = match as unknown as [string, string, FilterOp, string];
  if (value.length > MAX_VALUE_LENGTH) return `filter value longer than ${MAX_VALUE_LENGTH} characters`;
  // No stored value holds NUL (ingest refuses it), and PostgreSQL cannot even compare against one.
  if (value.includes('\u0000')) return 'filter value must not contain NUL (U+0000)';
  const parsed = parseDimension(dimension);
  return typeof parsed === 'string' ? parsed : { ...parsed, op, value };
}

/** A dimension a read may filter or group by: a column, or a top-level property (`prop.<key>`). */
export type Dimension = { dimension: ColumnDimension } | { dimension: 'prop'; key: string };

/** A dimension's name (`country`, `prop.plan`), or the reason it is refused. */
export function parseDimension(text: string): Dimension | string {
  if (text.startsWith('prop.')) {
    const key = text.slice(5);
    if (!PROPERTY_KEY_PATTERN.test(key)) {
      return `property key ${JSON.stringify(key.slice(0, 80))} must be 1–64 characters of [A-Za-z0-9_.$-]`;
    }
    return { dimension: 'prop', key };
  }
  if (!DIMENSION_SET.has(text)) {
    return `unknown dimension ${JSON.stringify(text.slice(0, 80))}: one of ${FILTER_DIMENSIONS.join(', ')} or prop.<key>`;
  }
  return { dimension: text as ColumnDimension };
}

/**
 * Does a row's value pass a filter? The reference semantics, shared by every store's SQL and by tests:
 * `!=` and `!~` also pass a row where the dimension is unset; `~` ignores the case of ASCII letters only,
 * which is what SQLite's `lower()` and PostgreSQL's `lower()` under the "C" collation both do, so the two
 * stores give the same answers.
 */
export function matchesFilter(op: FilterOp, actual: string | null, value: string): boolean {
  switch (op) {
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
    case '~':
      return actual !== null && asciiLower(actual).includes(asciiLower(value));
    case '!~':
      return actual === null || !asciiLower(actual).includes(asciiLower(value));
  }
}

export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

function invalid(errors: FieldError[]): ApiError {
  return new ApiError('validation_failed', `Invalid filter: ${errors[0]?.message}`, { errors });
}
