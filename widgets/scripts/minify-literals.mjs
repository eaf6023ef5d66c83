// A rollup plugin that squeezes the whitespace out of Lit's `html`, `svg` and `css` tagged templates,
// which esbuild's minifier leaves as written (indentation is most of a component's template text).
//
// Only static text changes, never an expression (though templates nested in expressions are squeezed
// too): in `css`, comments go and whitespace collapses (and disappears around `{ } ; , >` and after
// `:`); in `html`, whitespace that spans a line break goes entirely next to a tag and becomes one space
// elsewhere. Whitespace within a line is kept, so inline text keeps its spaces.

const TAG = /\b(html|css|svg)`/g;

function minifyCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}');
}

function minifyHtml(text) {
  return text.replace(/\s*\n\s*/g, (ws, offset, all) => {
    const before = all[offset - 1];
    const after = all[offset + ws.length];
    return before === '>' || after === '<' ? '' : ' ';
  });
}

/** Index just past a quoted string starting at `start` (its opening quote). */
function skipString(code, start) {
  const quote = code[start];
  let i = start + 1;
  while (code[i] !== quote) i += code[i] === '\\' ? 2 : 1;
  return i + 1;
}

/**
 * Rewrites a `${ … }` expression starting after `${`: returns [text, end] where `end` is past the `}`
 * and nested tagged templates in `text` are squeezed.
 */
function expression(code, start) {
  let depth = 1;
  let i = start;
  let out = '';
  let last = start;
  while (i < code.length) {
    const c = code[i];
    if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      if (--depth === 0) return [out + code.slice(last, i), i + 1];
      i++;
    } else if (c === "'" || c === '"') {
      i = skipString(code, i);
    } else if (c === '`') {
      const tag = /(?:html|css|svg)$/.exec(code.slice(Math.max(start, i - 4), i));
      const [text, end] = template(code, i + 1, tag?.[0]);
      out += code.slice(last, i + 1) + text;
      last = end;
      i = end;
    } else if (c === '/' && code[i + 1] === '/') {
      i = code.indexOf('\n', i);
    } else if (c === '/' && code[i + 1] === '*') {
      i = code.indexOf('*/', i + 2) + 2;
    } else {
      i++;
    }
  }
  throw new Error('unterminated template expression');
}

/**
 * Rewrites a template literal's body starting after its backtick: returns [text, end] where `text`
 * includes the closing backtick and `end` is past it. Static parts are squeezed when `tag` is known.
 */
function template(code, start, tag) {
  const squeeze = tag === 'css' ? minifyCss : tag ? minifyHtml : (s) => s;
  let out = '';
  let from = start;
  let i = start;
  while (i < code.length) {
    const c = code[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '`') {
      return [`${out}${squeeze(code.slice(from, i))}\``, i + 1];
    } else if (c === '$' && code[i + 1] === '{') {
      const [text, end] = expression(code, i + 2);
      out += `${squeeze(code.slice(from, i))}\${${text}}`;
      i = from = end;
    } else {
      i++;
    }
  }
  throw new Error('unterminated template literal');
}

export function minifyLiterals({ include = /\/widgets\/src\/.*\.ts$/ } = {}) {
  return {
    name: 'minify-lit-literals',
    transform(code, id) {
      if (!include.test(id)) return null;
      let out = '';
      let last = 0;
      TAG.lastIndex = 0;
      for (let match = TAG.exec(code); match; match = TAG.exec(code)) {
        const start = match.index + match[0].length;
        const [text, end] = template(code, start, match[1]);
        out += code.slice(last, start) + text;
        last = end;
        TAG.lastIndex = end;
      }
      if (last === 0) return null;
      return { code: out + code.slice(last), map: null };
    },
  };
}
