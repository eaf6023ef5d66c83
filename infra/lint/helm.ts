// A Helm chart check for a machine without Helm: Chart.yaml and every values file parse, environment
// overlays only override keys the defaults declare, every `.Values.a.b` a template reads is declared in
// values.yaml, every `include` names a defined template, and template actions balance. It checks what a
// typo would break without rendering; helm-render.ts renders the chart for the checks that need objects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface HelmFinding {
  file: string;
  message: string;
}

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

const isMap = (value: Yaml | undefined): value is YamlMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface Chart {
  /** File name (relative to the chart) → contents. */
  files: Record<string, string>;
}

export function readChart(dir: string): Chart {
  const files: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return { files };
}

function parseFile(file: string, text: string, findings: HelmFinding[]): Yaml | undefined {
  try {
    return parseYaml(text, { strict: true, uniqueKeys: true }) as Yaml;
  } catch (error) {
    findings.push({
      file,
      message: `does not parse: ${error instanceof Error ? error.message : String(error)}`,
    });
    return undefined;
  }
}

/**
 * Looks a dotted path up in the defaults. An empty map (`annotations: {}`) is a free-form slot: anything
 * below it is allowed. A path that continues below a scalar or a list is not.
 */
export function lookup(values: Yaml, path: string[]): 'found' | 'missing' {
  let node: Yaml = values;
  for (const key of path) {
    if (!isMap(node)) return 'missing';
    if (Object.keys(node).length === 0) return 'found';
    if (!(key in node)) return 'missing';
    node = node[key]!;
  }
  return 'found';
}

/** Every key path an overlay sets, down to its leaves or to a free-form map of the defaults. */
function overlayPaths(overlay: Yaml, prefix: string[] = []): string[][] {
  if (!isMap(overlay) || Object.keys(overlay).length === 0) return [prefix];
  return Object.entries(overlay).flatMap(([key, child]) => overlayPaths(child, [...prefix, key]));
}

/** `{{ ... }}` actions of a template, with their line numbers. */
function actions(text: string): { body: string; line: number }[] {
  const found: { body: string; line: number }[] = [];
  const re = /\{\{-?([\s\S]*?)-?\}\}/g;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    found.push({ body: match[1]!.trim(), line: text.slice(0, match.index).split('\n').length });
  }
  return found;
}

const OPENERS = /^(if|range|with|define|block)\b/;

export function checkChart(chart: Chart): HelmFinding[] {
  const findings: HelmFinding[] = [];
  const { files } = chart;

  const chartYaml = files['Chart.yaml'];
  if (chartYaml === undefined) findings.push({ file: 'Chart.yaml', message: 'missing' });
  else {
    const meta = parseFile('Chart.yaml', chartYaml, findings);
    if (isMap(meta)) {
      if (meta.apiVersion !== 'v2')
        findings.push({ file: 'Chart.yaml', message: 'apiVersion must be v2 (Helm 3)' });
      for (const key of ['name', 'version', 'appVersion']) {
        if (typeof meta[key] !== 'string' || meta[key] === '') {
          findings.push({ file: 'Chart.yaml', message: `${key} must be a non-empty string` });
        }
      }
      if (typeof meta.version === 'string' && !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(meta.version)) {
        findings.push({ file: 'Chart.yaml', message: `version ${meta.version} is not SemVer` });
      }
    }
  }

  const valuesText = files['values.yaml'];
  if (valuesText === undefined) {
    findings.push({ file: 'values.yaml', message: 'missing' });
    return findings;
  }
  const values = parseFile('values.yaml', valuesText, findings);
  if (!isMap(values)) {
    findings.push({ file: 'values.yaml', message: 'must be a map' });
    return findings;
  }

  for (const [file, text] of Object.entries(files)) {
    if (!/^values-.+\.ya?ml$/.test(file)) continue;
    const overlay = parseFile(file, text, findings);
    if (overlay === undefined || overlay === null) continue;
    for (const path of overlayPaths(overlay)) {
      if (lookup(values, path) === 'missing') {
        findings.push({ file, message: `sets ${path.join('.')}, which values.yaml does not declare` });
      }
    }
  }

  const defined = new Set<string>();
  const included: { file: string; name: string; line: number }[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith('templates/')) continue;
    let depth = 0;
    for (const { body, line } of actions(text)) {
      if (body.startsWith('/*')) continue;
      const define = /^define\s+"([^"]+)"/.exec(body);
      if (define) defined.add(define[1]!);
      for (const include of body.matchAll(/\b(?:include|template)\s+"([^"]+)"/g)) {
        included.push({ file, name: include[1]!, line });
      }
      if (OPENERS.test(body)) depth++;
      else if (/^end\b/.test(body)) depth--;
      if (depth < 0) {
        findings.push({ file, message: `line ${line}: {{ end }} without an opening block` });
        depth = 0;
      }
      for (const ref of body.matchAll(/(?<![\w$])(?:\$|\.root)?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        const path = ref[1]!.slice(1).split('.');
        if (lookup(values, path) === 'missing') {
          findings.push({
            file,
            message: `line ${line}: .Values.${path.join('.')} is not declared in values.yaml`,
          });
        }
      }
    }
    if (depth > 0) findings.push({ file, message: `${depth} block(s) never closed with {{ end }}` });
    const opens = (text.match(/\{\{/g) ?? []).length;
    const closes = (text.match(/\}\}/g) ?? []).length;
    if (opens !== closes) findings.push({ file, message: `${opens} "{{" but ${closes} "}}"` });
  }
  for (const { file, name, line } of included) {
    if (!defined.has(name))
      findings.push({ file, message: `line ${line}: includes "${name}", which no template defines` });
  }
  return findings;
}

/** The parsed defaults, for assertions in tests. */
export function chartValues(chart: Chart): YamlMap {
  const values = parseYaml(chart.files['values.yaml'] ?? '{}') as Yaml;
  return isMap(values) ? values : {};
}
