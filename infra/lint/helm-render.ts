// A Helm renderer for a machine without Helm: Go's text/template (actions, trim markers, comments,
// pipelines, variables, if/else if/else, range, with, define, template) and the Sprig and Helm functions
// this chart uses, enough to render the chart and read the objects it would send to the cluster. A
// function it does not know is an error at parse time, as in Go, so the renderer never guesses.
//
// Deliberately like Helm: values files are deep-merged over values.yaml, a missing map key is empty
// (`missingkey=zero`), but a field of nothing is an error ("nil pointer evaluating"); `fail` and
// `required` stop the render with their message. Unlike Helm: numbers compare by value whatever their
// type, and `toYaml` sorts keys (as Helm's does) but may quote differently.
import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Raised by `fail` and `required`: the chart refuses these values. */
export class RenderFailure extends TemplateError {
  override name = 'RenderFailure';
}

type Value = unknown;
type Dict = Record<string, Value>;

const isDict = (v: Value): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

// ── Syntax ────────────────────────────────────────────────────────────────────────────────────────────

type Operand =
  | { kind: 'field'; base: 'dot' | 'root' | 'var'; name?: string; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'call'; name: string }
  | { kind: 'sub'; pipe: Pipeline; path: string[] };

interface Pipeline {
  decl?: { names: string[]; assign: boolean };
  commands: Operand[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipe: Pipeline }
  | { kind: 'if'; branches: { pipe: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'template'; name: string; pipe?: Pipeline };

interface Token {
  type: 'text' | 'action';
  text: string;
  line: number;
}

/** Splits a template into text and actions, applying `{{-` and `-}}` and dropping comments. */
function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open === -1 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      if (text) tokens.push({ type: 'text', text, line: 0 });
      break;
    }
    const line = source.slice(0, open).split('\n').length;
    let start = open + 2;
    // Go: a trim marker is "-" followed by white space; "{{-3}}" is the number -3.
    const trimBefore = /^-\s/.test(source.slice(start, start + 2));
    if (trimBefore) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) tokens.push({ type: 'text', text, line });
    let end = start;
    let quote: string | null = null;
    for (; end < source.length; end++) {
      const c = source[end]!;
      if (quote) {
        if (c === '\\' && quote === '"') end++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === '`') quote = c;
      else if (source.startsWith('/*', end)) {
        const close = source.indexOf('*/', end + 2);
        if (close === -1) throw new TemplateError(`${file}:${line}: unclosed comment`);
        end = close + 1;
      } else if (source.startsWith('}}', end)) break;
    }
    if (end >= source.length) throw new TemplateError(`${file}:${line}: unclosed action`);
    let body = source.slice(start, end);
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -1);
    body = body.trim();
    if (!(body.startsWith('/*') && body.endsWith('*/'))) tokens.push({ type: 'action', text: body, line });
    pos = end + 2;
  }
  return tokens;
}

type Lexeme =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'word'; v: string }
  | { t: 'field'; v: string[] }
  | { t: 'var'; v: string; path: string[] }
  | { t: 'punct'; v: '|' | '(' | ')' | ':=' | '=' | ',' }
  | { t: 'dotpath'; v: string[] };

function lex(text: string, where: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  const chain = (): string[] => {
    const path: string[] = [];
    while (text[i] === '.' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      ident.lastIndex = i + 1;
      const m = ident.exec(text)!;
      path.push(m[0]);
      i = ident.lastIndex;
    }
    return path;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out.push({ t: 'str', v: JSON.parse(text.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (c === '`') {
      const j = text.indexOf('`', i + 1);
      out.push({ t: 'str', v: text.slice(i + 1, j) });
      i = j + 1;
    } else if (text.startsWith(':=', i)) {
      out.push({ t: 'punct', v: ':=' });
      i += 2;
    } else if ('|(),='.includes(c)) {
      out.push({ t: 'punct', v: c as '|' });
      i++;
      // `(pipeline).Field`
      if (c === ')' && text[i] === '.') out.push({ t: 'dotpath', v: chain() });
    } else if (c === '$') {
      i++;
      ident.lastIndex = i;
      const m = ident.exec(text);
      const name = m && m.index === i ? m[0] : '';
      i += name.length;
      out.push({ t: 'var', v: name, path: chain() });
    } else if (c === '.') {
      const path = chain();
      if (path.length === 0) i++; // a lone "." (dot)
      out.push({ t: 'field', v: path });
    } else if (/[-+0-9]/.test(c)) {
      const m = /[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/y;
      m.lastIndex = i;
      const num = m.exec(text);
      if (!num) throw new TemplateError(`${where}: unexpected "${c}"`);
      out.push({ t: 'num', v: Number(num[0]) });
      i = m.lastIndex;
    } else {
      ident.lastIndex = i;
      const m = ident.exec(text);
      if (!m || m.index !== i) throw new TemplateError(`${where}: unexpected "${c}" in {{ ${text} }}`);
      i = ident.lastIndex;
      out.push({ t: 'word', v: m[0] });
    }
  }
  return out;
}

function parsePipeline(lexemes: Lexeme[], where: string, funcs: Set<string>): Pipeline {
  let pos = 0;
  const pipe: Pipeline = { commands: [] };
  // Declarations: `$x :=`, `$x =`, `$k, $v :=`.
  const names: string[] = [];
  let look = 0;
  while (lexemes[look]?.t === 'var' && (lexemes[look] as { path: string[] }).path.length === 0) {
    names.push((lexemes[look] as { v: string }).v);
    const next = lexemes[look + 1];
    if (next?.t === 'punct' && next.v === ',') look += 2;
    else break;
  }
  const op = lexemes[look + 1];
  if (names.length > 0 && op?.t === 'punct' && (op.v === ':=' || op.v === '=')) {
    pipe.decl = { names, assign: op.v === '=' };
    pos = look + 2;
  }

  const parseCommands = (stop: (l: Lexeme | undefined) => boolean): Operand[][] => {
    const commands: Operand[][] = [[]];
    while (pos < lexemes.length && !stop(lexemes[pos])) {
      const l = lexemes[pos++]!;
      const cmd = commands.at(-1)!;
      if (l.t === 'punct' && l.v === '|') {
        if (cmd.length === 0) throw new TemplateError(`${where}: missing command before "|"`);
        commands.push([]);
      } else if (l.t === 'punct' && l.v === '(') {
        const inner = parseCommands((x) => x?.t === 'punct' && x.v === ')');
        if (lexemes[pos]?.t !== 'punct') throw new TemplateError(`${where}: unclosed "("`);
        pos++;
        const after = lexemes[pos];
        const path = after?.t === 'dotpath' ? after.v : [];
        if (after?.t === 'dotpath') pos++;
        cmd.push({ kind: 'sub', pipe: { commands: inner }, path });
      } else if (l.t === 'str' || l.t === 'num') cmd.push({ kind: 'literal', value: l.v });
      else if (l.t === 'field') cmd.push({ kind: 'field', base: 'dot', path: l.v });
      else if (l.t === 'var')
        cmd.push(
          l.v === ''
            ? { kind: 'field', base: 'root', path: l.path }
            : { kind: 'field', base: 'var', name: l.v, path: l.path },
        );
      else if (l.t === 'word') {
        if (l.v === 'true' || l.v === 'false') cmd.push({ kind: 'literal', value: l.v === 'true' });
        else if (l.v === 'nil') cmd.push({ kind: 'literal', value: null });
        else if (funcs.has(l.v)) cmd.push({ kind: 'call', name: l.v });
        else throw new TemplateError(`${where}: function "${l.v}" not defined`);
      } else throw new TemplateError(`${where}: unexpected ${JSON.stringify(l)}`);
    }
    if (commands.at(-1)!.length === 0) throw new TemplateError(`${where}: missing command`);
    return commands;
  };
  pipe.commands = parseCommands(() => false);
  return pipe;
}

interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

function parseTemplate(source: string, file: string, funcs: Set<string>): Parsed {
  const tokens = tokenize(source, file);
  const defines = new Map<string, Node[]>();
  let pos = 0;

  // Parses nodes until one of the `until` keywords; returns the nodes and the keyword action met.
  const parseList = (until: string[]): { nodes: Node[]; stop?: Token } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const token = tokens[pos++]!;
      if (token.type === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const where = `${file}:${token.line}`;
      const keyword = /^(\w+)\b\s*([\s\S]*)$/.exec(token.text);
      const word = keyword?.[1] ?? '';
      const rest = keyword?.[2] ?? '';
      if (until.includes(word)) return { nodes, stop: token };
      const pipeOf = (text: string) => parsePipeline(lex(text, where), where, funcs);
      if (word === 'if') {
        const branches = [{ pipe: pipeOf(rest), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const part = parseList(['else', 'end']);
          if (!part.stop) throw new TemplateError(`${where}: "if" without "end"`);
          branches.at(-1)!.body = part.nodes;
          if (part.stop.text === 'end') break;
          const elseIf = /^else\s+if\s+([\s\S]+)$/.exec(part.stop.text);
          if (elseIf) {
            branches.push({ pipe: pipeOf(elseIf[1]!), body: [] });
            continue;
          }
          if (part.stop.text !== 'else')
            throw new TemplateError(`${where}: unexpected {{ ${part.stop.text} }}`);
          const last = parseList(['end']);
          if (!last.stop) throw new TemplateError(`${where}: "else" without "end"`);
          otherwise = last.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (word === 'range' || word === 'with') {
        const body = parseList(['else', 'end']);
        if (!body.stop) throw new TemplateError(`${where}: "${word}" without "end"`);
        let otherwise: Node[] = [];
        if (body.stop.text.startsWith('else')) {
          const last = parseList(['end']);
          if (!last.stop) throw new TemplateError(`${where}: "else" without "end"`);
          otherwise = last.nodes;
        }
        nodes.push({ kind: word, pipe: pipeOf(rest), body: body.nodes, otherwise });
      } else if (word === 'define') {
        const name = /^"([^"]+)"$/.exec(rest.trim());
        if (!name) throw new TemplateError(`${where}: define needs a quoted name`);
        const body = parseList(['end']);
        if (!body.stop) throw new TemplateError(`${where}: "define" without "end"`);
        defines.set(name[1]!, body.nodes);
      } else if (word === 'template') {
        const m = /^"([^"]+)"\s*([\s\S]*)$/.exec(rest);
        if (!m) throw new TemplateError(`${where}: template needs a quoted name`);
        nodes.push({ kind: 'template', name: m[1]!, pipe: m[2] ? pipeOf(m[2]) : undefined });
      } else if (['else', 'end', 'block', 'break', 'continue'].includes(word)) {
        throw new TemplateError(`${where}: unexpected {{ ${token.text} }}`);
      } else nodes.push({ kind: 'output', pipe: pipeOf(token.text) });
    }
    return { nodes };
  };
  const { nodes, stop } = parseList([]);
  if (stop) throw new TemplateError(`${file}:${stop.line}: unexpected {{ ${stop.text} }}`);
  return { nodes, defines };
}

// ── Values and Go's formatting ───────────────────────────────────────────────────────────────────────

/** Go's notion of "true" in if/with/and/or: not the zero value and not empty. */
export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** `fmt.Sprint` for the shapes values take. A missing value prints as nothing (Helm's `<no value>` fix). */
function str(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(str).join(' ')}]`;
  if (isDict(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${str(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

function printf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([-+# 0]*\d*(?:\.\d+)?)([svdqtf%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[i++];
    if (verb === 'q') return JSON.stringify(str(arg));
    if (verb === 'd') return String(Math.trunc(Number(arg)));
    return str(arg);
  });
}

function toYaml(v: Value): string {
  if (v === null || v === undefined) return 'null';
  return stringifyYaml(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

const indentBy = (n: number, s: string) => {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
};

const equal = (a: Value, b: Value): boolean =>
  a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));

// ── Execution ────────────────────────────────────────────────────────────────────────────────────────

type Scope = Map<string, Value>[];

interface Context {
  renderer: Renderer;
  file: string;
  root: Value;
  scope: Scope;
}

type Func = (ctx: Context, args: Value[]) => Value;

const FUNCS: Record<string, Func> = {
  // Go's builtins
  // and/or are evaluated lazily in evalPipeline (Go short-circuits them); these see evaluated arguments.
  and: (_c, a) => a[a.findIndex((v) => !truthy(v))] ?? a.at(-1),
  or: (_c, a) => a.find(truthy) ?? a.at(-1),
  not: (_c, [v]) => !truthy(v),
  eq: (_c, [a, ...rest]) => rest.some((b) => equal(a, b)),
  ne: (_c, [a, b]) => !equal(a, b),
  lt: (_c, [a, b]) => (a as number) < (b as number),
  le: (_c, [a, b]) => (a as number) <= (b as number),
  gt: (_c, [a, b]) => (a as number) > (b as number),
  ge: (_c, [a, b]) => (a as number) >= (b as number),
  len: (_c, [v]) =>
    typeof v === 'string' || Array.isArray(v) ? v.length : isDict(v) ? Object.keys(v).length : 0,
  index: (_c, [v, ...keys]) =>
    keys.reduce<Value>((acc, k) => (acc === null || acc === undefined ? acc : (acc as Dict)[String(k)]), v),
  print: (_c, a) => a.map(str).join(''),
  println: (_c, a) => `${a.map(str).join(' ')}\n`,
  printf: (_c, [format, ...a]) => printf(str(format), a),
  // Sprig
  default: (_c, [fallback, given]) => (truthy(given) ? given : fallback),
  empty: (_c, [v]) => !truthy(v),
  coalesce: (_c, a) => a.find(truthy) ?? null,
  ternary: (_c, [yes, no, cond]) => (truthy(cond) ? yes : no),
  list: (_c, a) => a,
  dict: (_c, a) => {
    const d: Dict = {};
    for (let i = 0; i < a.length; i += 2) d[str(a[i])] = a[i + 1];
    return d;
  },
  hasKey: (_c, [d, k]) => isDict(d) && str(k) in d,
  keys: (_c, a) => a.flatMap((d) => (isDict(d) ? Object.keys(d) : [])),
  join: (_c, [sep, l]) => (Array.isArray(l) ? l.map(str).join(str(sep)) : str(l)),
  contains: (_c, [sub, s]) => str(s).includes(str(sub)),
  hasPrefix: (_c, [p, s]) => str(s).startsWith(str(p)),
  hasSuffix: (_c, [p, s]) => str(s).endsWith(str(p)),
  trim: (_c, [s]) => str(s).trim(),
  trimPrefix: (_c, [p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: (_c, [p, s]) => (str(p) && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  trunc: (_c, [n, s]) => {
    const text = str(s);
    const c = Number(n);
    if (c < 0 && text.length + c > 0) return text.slice(text.length + c);
    return c >= 0 && text.length > c ? text.slice(0, c) : text;
  },
  upper: (_c, [s]) => str(s).toUpperCase(),
  lower: (_c, [s]) => str(s).toLowerCase(),
  replace: (_c, [from, to, s]) => str(s).split(str(from)).join(str(to)),
  quote: (_c, a) => a.map((v) => JSON.stringify(str(v))).join(' '),
  squote: (_c, a) => a.map((v) => `'${str(v)}'`).join(' '),
  toString: (_c: Context, [v]: Value[]) => str(v),
  int: (_c, [v]) => Math.trunc(Number(v)),
  indent: (_c, [n, s]) => indentBy(Number(n), str(s)),
  nindent: (_c, [n, s]) => `\n${indentBy(Number(n), str(s))}`,
  sha256sum: (_c, [s]) => createHash('sha256').update(str(s)).digest('hex'),
  b64enc: (_c, [s]) => Buffer.from(str(s)).toString('base64'),
  fail: (_c, [message]) => {
    throw new RenderFailure(str(message));
  },
  // Helm
  required: (_c, [message, v]) => {
    if (v === null || v === undefined || v === '') throw new RenderFailure(str(message));
    return v;
  },
  toYaml: (_c, [v]) => toYaml(v),
  toJson: (_c, [v]) => JSON.stringify(v ?? null),
  include: (ctx, [name, data]) => ctx.renderer.execute(str(name), data, ctx.file),
};

const FUNC_NAMES = new Set(Object.keys(FUNCS));

function lookupVar(scope: Scope, name: string, where: string): Value {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name);
  throw new TemplateError(`${where}: undefined variable "$${name}"`);
}

function field(base: Value, path: string[], where: string, described: string): Value {
  let v = base;
  let seen = described;
  for (const key of path) {
    if (v === null || v === undefined)
      throw new TemplateError(`${where}: nil pointer evaluating ${seen}.${key}`);
    if (!isDict(v)) throw new TemplateError(`${where}: can't evaluate field ${key} in ${seen}`);
    v = v[key];
    seen += `.${key}`;
  }
  return v;
}

function evalOperand(ctx: Context, dot: Value, op: Operand): Value {
  const where = ctx.file;
  switch (op.kind) {
    case 'literal':
      return op.value;
    case 'field': {
      const base =
        op.base === 'dot' ? dot : op.base === 'root' ? ctx.root : lookupVar(ctx.scope, op.name!, where);
      const label = op.base === 'dot' ? '' : op.base === 'root' ? '$' : `$${op.name}`;
      return field(base, op.path, where, label);
    }
    case 'sub':
      return field(evalPipeline(ctx, dot, op.pipe), op.path, where, '(...)');
    case 'call':
      return FUNCS[op.name]!(ctx, []);
  }
}

function evalPipeline(ctx: Context, dot: Value, pipe: Pipeline): Value {
  let piped: Value;
  let first = true;
  for (const command of pipe.commands) {
    const [head, ...rest] = command;
    if (head!.kind === 'call' && (head!.name === 'and' || head!.name === 'or')) {
      // Short-circuit, as Go does since 1.18: `and .a .a.b` must not evaluate .a.b when .a is empty.
      const wantTruthy = head!.name === 'or';
      const thunks = rest.map((op) => () => evalOperand(ctx, dot, op));
      if (!first) thunks.push(() => piped);
      let result: Value;
      for (const thunk of thunks) {
        result = thunk();
        if (truthy(result) === wantTruthy) break;
      }
      piped = result;
    } else if (head!.kind === 'call') {
      const args = rest.map((op) => evalOperand(ctx, dot, op));
      if (!first) args.push(piped);
      piped = FUNCS[head!.name]!(ctx, args);
    } else {
      if (rest.length > 0 || !first)
        throw new TemplateError(`${ctx.file}: can't give argument to non-function`);
      piped = evalOperand(ctx, dot, head!);
    }
    first = false;
  }
  if (pipe.decl) {
    const [name] = pipe.decl.names;
    if (pipe.decl.assign) {
      const frame = [...ctx.scope].reverse().find((f) => f.has(name!));
      if (!frame) throw new TemplateError(`${ctx.file}: undefined variable "$${name}"`);
      frame.set(name!, piped);
    } else ctx.scope.at(-1)!.set(name!, piped);
    return undefined; // a declaration prints nothing
  }
  return piped;
}

function run(ctx: Context, dot: Value, nodes: Node[]): string {
  let out = '';
  const block = (d: Value, body: Node[], vars?: [string, Value][]) => {
    ctx.scope.push(new Map(vars));
    try {
      return run(ctx, d, body);
    } finally {
      ctx.scope.pop();
    }
  };
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += node.text;
        break;
      case 'output':
        out += str(evalPipeline(ctx, dot, node.pipe));
        break;
      case 'if': {
        ctx.scope.push(new Map());
        try {
          const branch = node.branches.find((b) => truthy(evalPipeline(ctx, dot, b.pipe)));
          out += block(dot, branch ? branch.body : node.otherwise);
        } finally {
          ctx.scope.pop();
        }
        break;
      }
      case 'with': {
        ctx.scope.push(new Map());
        try {
          const value = evalPipeline(ctx, dot, { commands: node.pipe.commands });
          if (node.pipe.decl) ctx.scope.at(-1)!.set(node.pipe.decl.names[0]!, value);
          out += truthy(value) ? block(value, node.body) : block(dot, node.otherwise);
        } finally {
          ctx.scope.pop();
        }
        break;
      }
      case 'range': {
        const value = evalPipeline(ctx, dot, { commands: node.pipe.commands });
        const names = node.pipe.decl?.names ?? [];
        const entries: [Value, Value][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : isDict(value)
            ? Object.keys(value)
                .sort()
                .map((k) => [k, value[k]])
            : value === null || value === undefined
              ? []
              : (() => {
                  throw new TemplateError(`${ctx.file}: range can't iterate over ${str(value)}`);
                })();
        if (entries.length === 0) out += block(dot, node.otherwise);
        for (const [key, item] of entries) {
          const vars: [string, Value][] =
            names.length === 2
              ? [
                  [names[0]!, key],
                  [names[1]!, item],
                ]
              : names.length === 1
                ? [[names[0]!, item]]
                : [];
          out += block(item, node.body, vars);
        }
        break;
      }
      case 'template':
        out += ctx.renderer.execute(
          node.name,
          node.pipe ? evalPipeline(ctx, dot, node.pipe) : null,
          ctx.file,
        );
        break;
    }
  }
  return out;
}

// ── Charts ───────────────────────────────────────────────────────────────────────────────────────────

/** Helm's merge of a values file over the defaults: maps merge key by key, anything else replaces. */
export function mergeValues(base: Value, overlay: Value): Value {
  if (!isDict(base) || !isDict(overlay)) return overlay === undefined ? base : overlay;
  const out: Dict = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key];
    else out[key] = mergeValues(base[key], value);
  }
  return out;
}

class Renderer {
  readonly templates = new Map<string, { nodes: Node[]; file: string }>();
  root: Value = {};

  execute(name: string, data: Value, from: string): string {
    const template = this.templates.get(name);
    if (!template) throw new TemplateError(`${from}: no template "${name}"`);
    return run({ renderer: this, file: template.file, root: data, scope: [new Map()] }, data, template.nodes);
  }
}

export interface RenderOptions {
  /** Values files of the chart to merge over values.yaml, in order (e.g. `values-prod.yaml`). */
  valueFiles?: string[];
  /** Values merged last, as `--set` would. */
  set?: Record<string, unknown>;
  releaseName?: string;
  namespace?: string;
}

/** One rendered Kubernetes object; `spec`, `data` and the rest stay untyped until a reader checks them. */
export interface Manifest {
  /** The template it came from, relative to the chart. */
  source: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
}

/**
 * Renders a chart (file name → contents, as `readChart` gives it) like `helm template`: every template
 * except partials (`_*.tpl`) and NOTES.txt, split into YAML documents. Throws `RenderFailure` when the
 * chart calls `fail` or `required`, `TemplateError` for a template or YAML error.
 */
/** Parses every template and builds the top-level object each file is executed with. */
function load(files: Record<string, string>, options: RenderOptions) {
  const meta = parseYaml(files['Chart.yaml'] ?? '') as Dict;
  const chartName = str(meta.name);
  let values = parseYaml(files['values.yaml'] ?? '{}') as Value;
  for (const file of options.valueFiles ?? []) {
    const overlay = files[file];
    if (overlay === undefined) throw new TemplateError(`no values file ${file}`);
    values = mergeValues(values, parseYaml(overlay) ?? {});
  }
  if (options.set) values = mergeValues(values, options.set);

  const renderer = new Renderer();
  const outputs: string[] = [];
  for (const [file, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!file.startsWith('templates/')) continue;
    const parsed = parseTemplate(text, file, FUNC_NAMES);
    for (const [name, nodes] of parsed.defines) renderer.templates.set(name, { nodes, file });
    const name = `${chartName}/${file}`;
    renderer.templates.set(name, { nodes: parsed.nodes, file });
    if (!/\/_[^/]*$/.test(file) && !file.endsWith('NOTES.txt')) outputs.push(file);
  }

  const top = (file: string): Dict => ({
    Values: values,
    Chart: {
      Name: meta.name,
      Version: meta.version,
      AppVersion: meta.appVersion,
      Description: meta.description,
    },
    Release: {
      Name: options.releaseName ?? 'analytics',
      Namespace: options.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Template: { Name: `${chartName}/${file}`, BasePath: `${chartName}/templates` },
    Capabilities: { KubeVersion: { Version: 'v1.30.0', Major: '1', Minor: '30' } },
  });
  return {
    renderer,
    outputs,
    run: (file: string) => renderer.execute(`${chartName}/${file}`, top(file), file),
  };
}

export function renderChart(files: Record<string, string>, options: RenderOptions = {}): Manifest[] {
  const { outputs, run } = load(files, options);
  const manifests: Manifest[] = [];
  for (const file of outputs) {
    const text = run(file);
    for (const doc of text.split(/^---\s*$/m)) {
      let object: Value;
      try {
        object = parseYaml(doc);
      } catch (error) {
        throw new TemplateError(`${file}: rendered YAML does not parse: ${(error as Error).message}\n${doc}`);
      }
      if (object === null || object === undefined) continue;
      const kind = isDict(object) ? object : {};
      if (typeof kind.apiVersion !== 'string' || typeof kind.kind !== 'string' || !isDict(kind.metadata)) {
        throw new TemplateError(
          `${file}: rendered a document without apiVersion, kind and metadata:\n${doc}`,
        );
      }
      manifests.push({ ...kind, source: file } as Manifest);
    }
  }
  return manifests;
}

/** templates/NOTES.txt as Helm prints it after an install ("" when the chart has none). */
export function renderNotes(files: Record<string, string>, options: RenderOptions = {}): string {
  if (files['templates/NOTES.txt'] === undefined) return '';
  return load(files, options).run('templates/NOTES.txt');
}
