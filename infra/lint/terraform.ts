// A static check of a Terraform module for a machine without Terraform: every file parses (HashiCorp's
// own HCL parser, compiled to WebAssembly in @cdktf/hcl2json), and every reference resolves to a
// declaration in the module. It catches what `terraform validate` would catch first in review: a typo
// in a variable or resource name, a variable nobody sets, a tfvars key nobody declared.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getReferencesInExpression, parse } from '@cdktf/hcl2json';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface Finding {
  file: string;
  message: string;
}

export interface ModuleDeclarations {
  variables: Map<string, { file: string; hasDefault: boolean; block: JsonObject }>;
  locals: Set<string>;
  resources: Set<string>;
  data: Set<string>;
  modules: Set<string>;
  outputs: Set<string>;
}

export interface ModuleReport {
  findings: Finding[];
  declarations: ModuleDeclarations;
  /** Every `var.x`, `local.x`, resource and data address referenced, for assertions in tests. */
  references: Set<string>;
}

/** Roots that Terraform itself provides inside expressions. */
const BUILTIN_ROOTS = new Set(['each', 'count', 'self', 'path', 'terraform']);

/**
 * Keys whose values are not expressions over the module's objects: type constraints, attribute names
 * in `ignore_changes`, provider aliases. Their `${...}` wrappers are how hcl2json spells bare words.
 * Only values that are not blocks are skipped: the top-level `provider` block holds real expressions.
 */
const NON_EXPRESSION_KEYS = new Set([
  'type',
  'ignore_changes',
  'replace_triggered_by',
  'provider',
  'providers',
]);

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** hcl2json represents every block as an array of bodies; a label level as an object. */
function bodies(value: Json | undefined): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function readModule(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.tf') || name.endsWith('.tfvars')) files[name] = readFileSync(join(dir, name), 'utf8');
  }
  return files;
}

/** Parses one file; a syntax error becomes a finding rather than an exception. */
async function parseFile(file: string, text: string, findings: Finding[]): Promise<JsonObject | null> {
  try {
    return (await parse(file, text)) as JsonObject;
  } catch (error) {
    findings.push({
      file,
      message: `does not parse: ${error instanceof Error ? error.message : String(error)}`,
    });
    return null;
  }
}

/** Collects every label used by `dynamic "x"` blocks (or their `iterator`), which become roots inside. */
function collectIterators(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectIterators(item, into);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'dynamic' && isObject(child)) {
      for (const [label, blocks] of Object.entries(child)) {
        into.add(label);
        for (const body of bodies(blocks)) {
          if (typeof body.iterator === 'string') into.add(body.iterator.replace(/^\$\{(.*)\}$/, '$1'));
        }
      }
    }
    collectIterators(child, into);
  }
}

/** Yields every string that holds an interpolation, skipping keys that are not expressions. */
function* expressions(value: Json, key = ''): Generator<string> {
  if (NON_EXPRESSION_KEYS.has(key) && !isObject(value) && !(Array.isArray(value) && value.some(isObject)))
    return;
  if (typeof value === 'string') {
    if (value.includes('${') || value.includes('%{')) yield value;
  } else if (Array.isArray(value)) {
    for (const item of value) yield* expressions(item, key);
  } else if (isObject(value)) {
    for (const [childKey, child] of Object.entries(value)) yield* expressions(child, childKey);
  }
}

/** Checks a module given as file name → contents (`.tf` and `.tfvars`). */
export async function checkModule(files: Record<string, string>): Promise<ModuleReport> {
  const findings: Finding[] = [];
  const declarations: ModuleDeclarations = {
    variables: new Map(),
    locals: new Set(),
    resources: new Set(),
    data: new Set(),
    modules: new Set(),
    outputs: new Set(),
  };
  const parsed = new Map<string, JsonObject>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.tf')) continue;
    const json = await parseFile(file, text, findings);
    if (json) parsed.set(file, json);
  }

  const declare = (set: Set<string>, address: string, file: string) => {
    if (set.has(address)) findings.push({ file, message: `${address} is declared twice` });
    set.add(address);
  };

  for (const [file, json] of parsed) {
    if (isObject(json.variable)) {
      for (const [name, blocks] of Object.entries(json.variable)) {
        const block = bodies(blocks)[0] ?? {};
        if (declarations.variables.has(name))
          findings.push({ file, message: `var.${name} is declared twice` });
        declarations.variables.set(name, { file, hasDefault: 'default' in block, block });
      }
    }
    for (const body of bodies(json.locals)) {
      for (const name of Object.keys(body)) declare(declarations.locals, name, file);
    }
    for (const [kind, set] of [
      ['resource', declarations.resources],
      ['data', declarations.data],
    ] as const) {
      if (!isObject(json[kind])) continue;
      for (const [type, byName] of Object.entries(json[kind])) {
        if (!isObject(byName)) continue;
        for (const name of Object.keys(byName)) declare(set, `${type}.${name}`, file);
      }
    }
    if (isObject(json.module))
      for (const name of Object.keys(json.module)) declare(declarations.modules, name, file);
    if (isObject(json.output))
      for (const name of Object.keys(json.output)) declare(declarations.outputs, name, file);
  }

  const references = new Set<string>();
  const resourceTypes = new Set([...declarations.resources].map((address) => address.split('.')[0]));
  for (const [file, json] of parsed) {
    const iterators = new Set<string>();
    collectIterators(json, iterators);
    for (const expression of expressions(json)) {
      let refs: { value: string }[];
      try {
        refs = await getReferencesInExpression(file, expression);
      } catch (error) {
        findings.push({ file, message: `expression does not parse: ${expression} (${String(error)})` });
        continue;
      }
      for (const { value } of refs) {
        const parts = value.split('.');
        const [root = '', second = '', third = ''] = parts;
        if (BUILTIN_ROOTS.has(root) || iterators.has(root)) continue;
        if (root === 'var') {
          references.add(`var.${second}`);
          if (!declarations.variables.has(second))
            findings.push({ file, message: `var.${second} is not declared` });
        } else if (root === 'local') {
          references.add(`local.${second}`);
          if (!declarations.locals.has(second))
            findings.push({ file, message: `local.${second} is not declared` });
        } else if (root === 'data') {
          references.add(`data.${second}.${third}`);
          if (!declarations.data.has(`${second}.${third}`)) {
            findings.push({ file, message: `data.${second}.${third} is not declared` });
          }
        } else if (root === 'module') {
          if (!declarations.modules.has(second))
            findings.push({ file, message: `module.${second} is not declared` });
        } else {
          references.add(`${root}.${second}`);
          if (!declarations.resources.has(`${root}.${second}`)) {
            const why = resourceTypes.has(root) ? 'no such resource' : 'unknown reference';
            findings.push({ file, message: `${root}.${second} (in ${value}): ${why}` });
          }
        }
      }
    }
  }

  for (const [name, { file }] of declarations.variables) {
    if (!references.has(`var.${name}`))
      findings.push({ file, message: `var.${name} is declared but never used` });
  }
  for (const name of declarations.locals) {
    if (!references.has(`local.${name}`))
      findings.push({ file: '(locals)', message: `local.${name} is never used` });
  }

  for (const [file, text] of Object.entries(files)) {
    if (file.endsWith('.tfvars')) findings.push(...(await checkTfvars(file, text, declarations)));
  }
  return { findings, declarations, references };
}

/** A tfvars file may set only declared variables, and must set every variable that has no default. */
export async function checkTfvars(
  file: string,
  text: string,
  declarations: ModuleDeclarations,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const json = await parseFile(file, text, findings);
  if (!json) return findings;
  for (const key of Object.keys(json)) {
    if (!declarations.variables.has(key))
      findings.push({ file, message: `sets ${key}, which is not a declared variable` });
  }
  for (const [name, { hasDefault }] of declarations.variables) {
    if (!hasDefault && !(name in json))
      findings.push({ file, message: `does not set ${name}, which has no default` });
  }
  return findings;
}

/** The `validation` conditions of one variable, as written. */
export function validationConditions(declarations: ModuleDeclarations, name: string): string[] {
  const block = declarations.variables.get(name)?.block;
  if (!block) return [];
  return bodies(block.validation)
    .map((validation) => validation.condition)
    .filter((condition): condition is string => typeof condition === 'string');
}

/** Every resource block of a module by address (`type.name`), merged across its files. */
export async function moduleResources(files: Record<string, string>): Promise<Map<string, JsonObject>> {
  const byAddress = new Map<string, JsonObject>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.tf')) continue;
    const json = (await parse(file, text)) as { resource?: Record<string, Record<string, Json>> };
    for (const [type, named] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(named))
        byAddress.set(`${type}.${name}`, bodies(body)[0] ?? {});
    }
  }
  return byAddress;
}

/**
 * The variables' values for one tfvars file (or none): the file's settings over the declared defaults.
 * Values that are expressions stay as hcl2json spells them (`${...}`).
 */
export async function variableValues(
  files: Record<string, string>,
  tfvars?: string,
): Promise<Record<string, Json>> {
  const { declarations } = await checkModule(
    Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith('.tf'))),
  );
  const values: Record<string, Json> = {};
  for (const [name, { block }] of declarations.variables)
    if ('default' in block) values[name] = block.default!;
  if (tfvars) Object.assign(values, (await parse(tfvars, files[tfvars] ?? '')) as JsonObject);
  return values;
}

/** Every `locals` entry of a module by name, as hcl2json spells its value. */
export async function moduleLocals(files: Record<string, string>): Promise<Map<string, Json>> {
  const locals = new Map<string, Json>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.tf')) continue;
    const json = (await parse(file, text)) as JsonObject;
    for (const body of bodies(json.locals))
      for (const [name, value] of Object.entries(body)) locals.set(name, value);
  }
  return locals;
}

/**
 * Everything a value depends on, following locals: `local.url` whose value formats `local.user` and
 * `random_password.app.result` gives {local.url, local.user, random_password.app, ...}. Addresses are
 * two parts (`type.name`, `var.x`, `local.x`); data sources three (`data.type.name`).
 */
export async function reachableReferences(value: Json, locals: Map<string, Json>): Promise<Set<string>> {
  const seen = new Set<string>();
  const visit = async (v: Json) => {
    for (const expression of expressions(v)) {
      for (const { value: ref } of await getReferencesInExpression('reachable.tf', expression)) {
        const [root = '', second = '', third = ''] = ref.split('.');
        const address = root === 'data' ? `data.${second}.${third}` : `${root}.${second}`;
        if (BUILTIN_ROOTS.has(root) || seen.has(address)) continue;
        seen.add(address);
        if (root === 'local' && locals.has(second)) await visit(locals.get(second)!);
      }
    }
  };
  await visit(value);
  return seen;
}
