import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Format from 'typebox/format';
import { Value } from 'typebox/value';
import { isUuid } from './ids.js';

Format.Set('uuid', isUuid);
Format.Set('date-time', () => true);
Format.Set('date', () => true);

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema> };

/**
 * Query strings and headers arrive as text: turn numeric text into numbers, booleans into booleans and a
 * single value into a one-element array where the schema wants those, and nothing else. (Integer-looking
 * text only: `10.5` stays a number that then fails an `integer` schema, rather than being truncated.)
 */
export function coerceStrings(schema: TSchema, value: unknown): unknown {
  const s = schema as JsonSchema;
  if (s.type !== 'object' || !s.properties || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(s.properties)) {
    const v = out[key];
    if (v === undefined) continue;
    if (prop.type === 'array' && !Array.isArray(v)) out[key] = [v];
    else if (
      (prop.type === 'integer' || prop.type === 'number') &&
      typeof v === 'string' &&
      /^-?\d+(\.\d+)?$/.test(v)
    ) {
      out[key] = Number(v);
    } else if (prop.type === 'boolean' && (v === 'true' || v === 'false')) out[key] = v === 'true';
  }
  return out;
}

/**
 * One validator for every part, compiled from the TypeBox schemas: bodies are checked strictly (a number
 * where a string belongs is a 422, never silently converted); query strings and headers get the coercion
 * above and their defaults.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    const v = httpPart === 'body' ? value : Value.Default(schema, coerceStrings(schema, value));
    if (check.Check(v)) return { value: v };
    return { error: [...check.Errors(v)] as never };
  };
};

/** `a=1&metrics[]=x&metrics=y` → `{ a: '1', metrics: ['x', 'y'] }` (repeated keys become arrays). */
export function parseQueryString(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [rawKey, v] of new URLSearchParams(text)) {
    const k = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}
