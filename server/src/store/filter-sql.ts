/**
 * The contract's filters as SQL for each store. Every value, and every property key, is a bound parameter;
 * the only text spliced in is the fixed column expressions below, chosen by dimension. The semantics are
 * `matchesFilter`'s (`lib/filters.ts`): `!=` and `!~` also pass rows where the dimension is unset, and `~`
 * ignores the case of ASCII letters only (SQLite's `lower()`; PostgreSQL's `lower()` under the "C"
 * collation), so both stores answer alike.
 *
 * A property matches as text: a string is itself, a number or boolean its JSON text (`42`, `1.5`, `true`);
 * null, objects and arrays count as unset. (Numbers are compared as each store prints them, which is the
 * JSON text the SDK sent except for numbers in exponent notation.)
 */
import type { ColumnDimension, Filter, FilterOp } from '../lib/filters.js';

export type Dialect = 'sqlite' | 'postgres';

/** The tables a dimension's expression reads, beyond the events row `e`. */
export interface FilterJoins {
  /** `u`: the users dictionary (SQLite) for `user_id`. */
  users: boolean;
  /** `t`: the event types dictionary (SQLite) for `event_type`. */
  types: boolean;
  /** `s`: the event's session (same session id and bot flag) for `entry_path`. */
  sessions: boolean;
}

export interface CompiledFilters {
  /** Conditions to AND into the WHERE clause. */
  where: string[];
  /** Their parameters, in order (SQLite `?`); PostgreSQL placeholders are numbered from `first`. */
  params: unknown[];
  joins: FilterJoins;
}

const SQLITE_COLUMNS: Record<ColumnDimension, string> = {
  event_type: 't.name',
  user_id: 'u.user_id',
  entry_path: 's.entry_path',
  path: 'e.path',
  referrer_host: 'e.referrer_host',
  utm_source: 'e.utm_source',
  utm_medium: 'e.utm_medium',
  utm_campaign: 'e.utm_campaign',
  browser: 'e.browser',
  os: 'e.os',
  device: 'e.device',
  country: 'e.country',
  // Stored only when it is neither the user nor the anonymous id (sqlite/writer.ts).
  visitor_id: 'coalesce(e.visitor_id, u.user_id, e.anonymous_id)',
};

const PG_COLUMNS: Record<ColumnDimension, string> = {
  ...SQLITE_COLUMNS,
  event_type: 'e.event_type',
  user_id: 'e.user_id',
  visitor_id: 'e.visitor_id',
};

/**
 * `filters` as WHERE conditions over `e` (events) and the joins they need. PostgreSQL placeholders start at
 * `$first`.
 */
export function compileFilters(
  filters: readonly Filter[],
  dialect: Dialect,
  first = 1,
  /** Bind values through the caller's own parameter list instead (placeholders then number from it). */
  bind?: (value: unknown) => string,
): CompiledFilters {
  const where: string[] = [];
  const params: unknown[] = [];
  const joins: FilterJoins = { users: false, types: false, sessions: false };
  const param = (value: unknown): string => {
    params.push(value);
    if (bind) return bind(value);
    return dialect === 'sqlite' ? '?' : `$${first + params.length - 1}`;
  };
  for (const f of filters) {
    let column: string;
    if (f.dimension === 'prop') column = propertyText(dialect, param, f.key);
    else {
      column = (dialect === 'sqlite' ? SQLITE_COLUMNS : PG_COLUMNS)[f.dimension];
      if (f.dimension === 'user_id' || f.dimension === 'visitor_id') joins.users = true;
      if (f.dimension === 'event_type') joins.types = true;
      if (f.dimension === 'entry_path') joins.sessions = true;
    }
    where.push(condition(dialect, column, f.op, param(f.value)));
  }
  return { where, params, joins };
}

function condition(dialect: Dialect, column: string, op: FilterOp, value: string): string {
  const contains =
    dialect === 'sqlite'
      ? `instr(lower(${column}), lower(${value})) > 0`
      : `strpos(lower(${column} COLLATE "C"), lower(${value}::text COLLATE "C")) > 0`;
  switch (op) {
    case '==':
      return `${column} = ${value}`;
    case '!=':
      return dialect === 'sqlite' ? `${column} IS NOT ${value}` : `${column} IS DISTINCT FROM ${value}`;
    case '~':
      return `coalesce(${contains}, false)`;
    case '!~':
      return `NOT coalesce(${contains}, false)`;
  }
}

/** A top-level property as text (see the module comment); the key is a parameter. */
function propertyText(dialect: Dialect, param: (value: unknown) => string, key: string): string {
  if (dialect === 'sqlite') {
    // `$."key"` quotes the key, so dots and dollars in it are part of the name, not path syntax. `->` gives
    // a number's JSON text; placeholders are positional, hence one parameter per use.
    const path = () => param(`$."${key}"`);
    return `(CASE json_type(e.properties, ${path()}) WHEN 'text' THEN json_extract(e.properties, ${path()})
      WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
      WHEN 'integer' THEN e.properties -> ${path()} WHEN 'real' THEN e.properties -> ${path()} END)`;
  }
  const k = param(key);
  return `(CASE WHEN jsonb_typeof(e.properties -> ${k}::text) IN ('string', 'number', 'boolean')
      THEN e.properties ->> ${k}::text END)`;
}

/**
 * A dimension's value as an SQL expression over `e` (for a breakdown), with the joins it needs; a property
 * key is bound through `param`, like a filter's.
 */
export function dimensionSql(
  d: { dimension: ColumnDimension } | { dimension: 'prop'; key: string },
  dialect: Dialect,
  param: (value: unknown) => string,
): { expr: string; joins: FilterJoins } {
  const joins: FilterJoins = { users: false, types: false, sessions: false };
  if (d.dimension === 'prop') return { expr: propertyText(dialect, param, d.key), joins };
  joins.users = d.dimension === 'user_id' || d.dimension === 'visitor_id';
  joins.types = d.dimension === 'event_type';
  joins.sessions = d.dimension === 'entry_path';
  return { expr: (dialect === 'sqlite' ? SQLITE_COLUMNS : PG_COLUMNS)[d.dimension], joins };
}
