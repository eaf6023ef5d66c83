import { describe, expect, it } from 'vitest';
import { mergeValues, RenderFailure, renderChart, TemplateError } from '../lint/helm-render.js';

/** A one-template chart whose ConfigMap `data.out` is the template's output. */
function render(template: string, values = 'a: 1\n', helpers = ''): string {
  const [manifest] = renderChart({
    'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "4.5"\n',
    'values.yaml': values,
    'templates/_helpers.tpl': helpers,
    'templates/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  out: |-\n    ${template}\n`,
  });
  return (manifest!.data as { out: string }).out;
}

describe('renderChart()', () => {
  it('trims white space at {{- and -}} and drops comments', () => {
    expect(render('a {{- /* gone */ -}} b {{- " c " -}} d')).toBe('ab c d');
    expect(render('{{ "x" }} {{/* gone */}}y')).toBe('x y');
  });

  it('reads values, the chart and the release', () => {
    expect(render('{{ .Values.a }} {{ .Chart.Name }}-{{ .Chart.AppVersion }} {{ .Release.Name }}')).toBe(
      '1 demo-4.5 analytics',
    );
  });

  it('prints a missing key as nothing, but fails on a field of nothing, as Helm does', () => {
    expect(render('[{{ .Values.missing }}]')).toBe('[]');
    expect(() => render('{{ .Values.missing.deeper }}')).toThrow(
      /nil pointer evaluating \.Values\.missing\.deeper/,
    );
  });

  it('chooses if, else if and else branches by Go truthiness', () => {
    const t = '{{ if .Values.x }}x{{ else if .Values.y }}y{{ else }}none{{ end }}';
    expect(render(t, 'x: [1]\ny: true\n')).toBe('x');
    expect(render(t, 'x: []\ny: true\n')).toBe('y');
    expect(render(t, 'x: ""\ny: 0\n')).toBe('none');
  });

  it('short-circuits and/or, so a guard protects the field after it', () => {
    expect(render('{{ if and .Values.m .Values.m.k }}yes{{ else }}no{{ end }}', 'm: null\n')).toBe('no');
    expect(render('{{ or .Values.none "fallback" }}')).toBe('fallback');
  });

  it('ranges over lists and sorted maps, with variables scoped to the block and $ as the root', () => {
    expect(render('{{ range $i, $v := list "a" "b" }}{{ $i }}={{ $v }};{{ end }}')).toBe('0=a;1=b;');
    expect(
      render(
        '{{ range $k, $v := .Values.m }}{{ $k }}:{{ $v }}{{ $.Values.a }} {{ end }}',
        'a: 1\nm: {b: 2, a: 3}\n',
      ),
    ).toBe('a:31 b:21 ');
    expect(render('{{ range .Values.none }}x{{ else }}empty{{ end }}')).toBe('empty');
    expect(() => render('{{ range list 1 }}{{ $x := 1 }}{{ end }}{{ $x }}')).toThrow(
      /undefined variable "\$x"/,
    );
  });

  it('moves dot with `with`, and takes its else branch when the value is empty', () => {
    expect(render('{{ with .Values.m }}{{ .k }}{{ end }}', 'm: {k: v}\n')).toBe('v');
    expect(render('{{ with .Values.m }}{{ .k }}{{ else }}none{{ end }}', 'm: {}\n')).toBe('none');
  });

  it('includes defined templates and pipes into the last argument', () => {
    const helpers = '{{- define "x.greet" -}}hello {{ .name }}{{- end -}}';
    expect(render('{{ include "x.greet" (dict "name" "you") | upper | quote }}', 'a: 1\n', helpers)).toBe(
      '"HELLO YOU"',
    );
    expect(
      render(
        '{{ printf "%s-%d" "a" 7 | trunc 3 }}|{{ default "d" .Values.none }}|{{ "a+b" | replace "+" "_" }}',
      ),
    ).toBe('a-7|d|a_b');
    // The block scalar around the output is indented by 4, so nindent 6 lands 2 deeper than its content.
    expect(render('{{ toYaml .Values.m | nindent 6 }}', 'm: {b: 1, a: [x]}\n')).toBe('\na:\n  - x\nb: 1');
  });

  it('rejects a function it does not know at parse time, so it never guesses', () => {
    expect(() => render('{{ frobnicate 1 }}')).toThrow(TemplateError);
    expect(() => render('{{ frobnicate 1 }}')).toThrow(/function "frobnicate" not defined/);
  });

  it('stops with the chart’s message on fail and required', () => {
    expect(() => render('{{ fail "no way" }}')).toThrow(new RenderFailure('no way'));
    expect(() => render('{{ required "set x" .Values.x }}')).toThrow(new RenderFailure('set x'));
    expect(render('{{ required "set a" .Values.a }}')).toBe('1');
  });

  it('merges values files over the defaults and splits documents', () => {
    const files = {
      'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: "1"\n',
      'values.yaml': 'n: 1\nm: {keep: 1, drop: 2}\n',
      'values-prod.yaml': 'n: 2\nm: {drop: null}\n',
      'templates/two.yaml':
        'apiVersion: v1\nkind: A\nmetadata: {name: "{{ .Values.n }}"}\ndata: {{ toJson .Values.m }}\n---\n# empty\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n',
    };
    const manifests = renderChart(files, { valueFiles: ['values-prod.yaml'] });
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['A/2', 'B/b']);
    expect(manifests[0]!.data).toEqual({ keep: 1 });
  });

  it('rejects a rendered document with a duplicated key, which Helm would pass on silently', () => {
    expect(() => render('x', 'a: 1\n', '')).not.toThrow();
    const files = {
      'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: "1"\n',
      'values.yaml': '{}\n',
      'templates/dup.yaml': 'apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  name: b\n',
    };
    expect(() => renderChart(files)).toThrow(/Map keys must be unique/);
  });
});

describe('mergeValues()', () => {
  it('merges maps key by key, replaces lists and scalars, and deletes keys set to null', () => {
    expect(mergeValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, d: null })).toEqual({
      a: { b: 1, c: [2] },
    });
  });
});
