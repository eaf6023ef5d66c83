import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Chart, chartValues, checkChart, lookup, readChart } from '../lint/helm.js';
import { RenderFailure, renderChart, renderNotes } from '../lint/helm-render.js';
import { ingressPaths, ingressRoute } from '../lint/routes.js';

const chartDir = join(import.meta.dirname, '..', 'helm', 'analytics-platform');

describe('infra/helm/analytics-platform', () => {
  const chart = readChart(chartDir);

  it('passes the chart checks: files parse, overlays and template references match values.yaml', () => {
    expect(checkChart(chart)).toEqual([]);
  });

  it.each(['dev', 'staging', 'prod'])(
    'renders with values-%s.yaml into objects with unique names per kind',
    (env) => {
      const manifests = renderChart(chart.files, {
        valueFiles: [`values-${env}.yaml`],
        releaseName: 'analytics',
      });
      const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(
        expect.arrayContaining([
          'Deployment/analytics-analytics-platform-api',
          'Ingress/analytics-analytics-platform',
        ]),
      );
      for (const m of manifests)
        expect(m.metadata.labels?.['analytics.example.com/environment'], m.source).toBe(env);
    },
  );

  it('has the templates a deployment needs', () => {
    for (const template of [
      '_helpers.tpl',
      'api-deployment.yaml',
      'dashboard-deployment.yaml',
      'services.yaml',
      'ingress.yaml',
      'hpa.yaml',
      'configmap.yaml',
      'serviceaccount.yaml',
      'pdb.yaml',
    ]) {
      expect(Object.keys(chart.files)).toContain(`templates/${template}`);
    }
    for (const env of ['dev', 'staging', 'prod']) {
      expect(Object.keys(chart.files)).toContain(`values-${env}.yaml`);
      expect((parseYaml(chart.files[`values-${env}.yaml`]!) as { environment: string }).environment).toBe(
        env,
      );
    }
  });

  it('probes the API on /health and /ready at the contract port', () => {
    const { api, dashboard } = chartValues(chart) as {
      api: { port: number; probes: Record<string, { path: string }> };
      dashboard: { port: number };
    };
    expect(api.port).toBe(8787);
    expect(dashboard.port).toBe(3000);
    expect(api.probes.liveness!.path).toBe('/health');
    expect(api.probes.startup!.path).toBe('/health');
    expect(api.probes.readiness!.path).toBe('/ready');
    const deployment = chart.files['templates/api-deployment.yaml']!;
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      expect(deployment).toContain(`${probe}:`);
  });

  it('serves /metrics on its own container port, where the scrape annotations point, and on no Service', () => {
    const manifests = renderChart(chart.files, { valueFiles: ['values-prod.yaml'], releaseName: 'prod' });
    const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-api'))!;
    const pod = (
      deployment.spec as {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: { ports: { name: string; containerPort: number }[] }[] };
        };
      }
    ).template;
    const metricsPort = pod.spec.containers[0]!.ports.find((p) => p.name === 'metrics')!.containerPort;
    const config = manifests.find(
      (m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-api'),
    ) as unknown as {
      data: Record<string, string>;
    };
    expect(config.data.ANALYTICS_METRICS_PORT).toBe(String(metricsPort));
    expect(config.data.PORT).not.toBe(String(metricsPort));
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(metricsPort));
    expect(pod.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    // The client address behind the ingress: one trusted hop, never "trust everything".
    expect(config.data.ANALYTICS_TRUST_PROXY).toMatch(/^[1-9]$|^[0-9a-f.:/,]+$/);
    for (const service of manifests.filter((m) => m.kind === 'Service')) {
      const ports = (service.spec as { ports: { port: number; targetPort: number | string }[] }).ports;
      for (const port of ports)
        expect([port.targetPort, port.port], service.metadata.name).not.toContain(metricsPort);
      for (const port of ports) expect(port.targetPort).not.toBe('metrics');
    }
  });

  it('takes secrets from a referenced Secret, never from values', () => {
    const deployment = chart.files['templates/api-deployment.yaml']!;
    expect(deployment).toMatch(/name: DATABASE_URL\s+valueFrom:\s+secretKeyRef:/);
    expect(deployment).toMatch(/name: ANALYTICS_JWT_SECRET\s+valueFrom:\s+secretKeyRef:/);
    const values = chart.files['values.yaml']!;
    expect(values).not.toMatch(/postgres:\/\/\w+:\w+@/);
  });

  it('gives the API and the dashboard a service account (and workload identity) each', () => {
    const manifests = renderChart(chart.files, {
      valueFiles: ['values-prod.yaml'],
      releaseName: 'prod',
      set: {
        serviceAccount: {
          api: { workloadIdentityClientId: 'api-client-id' },
          dashboard: { workloadIdentityClientId: 'dashboard-client-id' },
        },
      },
    });
    const accounts = new Map(
      manifests
        .filter((m) => m.kind === 'ServiceAccount')
        .map((m) => [m.metadata.name, m.metadata.annotations?.['azure.workload.identity/client-id']]),
    );
    for (const component of ['api', 'dashboard']) {
      const deployment = manifests.find(
        (m) => m.kind === 'Deployment' && m.metadata.name.endsWith(`-${component}`),
      )!;
      const pod = (
        deployment.spec as {
          template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string } };
        }
      ).template;
      expect(pod.spec.serviceAccountName).toBe(`prod-analytics-platform-${component}`);
      expect(accounts.get(pod.spec.serviceAccountName)).toBe(`${component}-client-id`);
      expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
    }
  });

  describe('database migrations', () => {
    const manifests = renderChart(chart.files, { valueFiles: ['values-prod.yaml'], releaseName: 'prod' });
    type Pod = {
      restartPolicy?: string;
      containers: {
        name: string;
        image: string;
        command?: string[];
        env?: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
      }[];
    };
    const podOf = (kind: string, name: string): Pod => {
      const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
      expect(m, `${kind}/${name}`).toBeDefined();
      const spec = m!.spec as {
        template?: { spec: Pod };
        jobTemplate?: { spec: { template: { spec: Pod } } };
      };
      return spec.template?.spec ?? spec.jobTemplate!.spec.template.spec;
    };
    const databaseUrl = (pod: Pod) =>
      pod.containers[0]!.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;

    it('runs them as the owner in a pre-install/pre-upgrade hook Job, with the API image', () => {
      const job = manifests.find(
        (m) => m.kind === 'Job' && m.metadata.name === 'prod-analytics-platform-migrate',
      )!;
      expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const pod = podOf('Job', 'prod-analytics-platform-migrate');
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.containers[0]!.command).toEqual(['node', 'server/dist/migrate.mjs']);
      expect(pod.containers[0]!.image).toBe(
        podOf('Deployment', 'prod-analytics-platform-api').containers[0]!.image,
      );
      expect(databaseUrl(pod)).toEqual({ name: 'analytics-migrate', key: 'database-owner-url' });
    });

    it('keeps the partitions ahead with the same command daily', () => {
      const pod = podOf('CronJob', 'prod-analytics-platform-partitions');
      expect(pod.containers[0]!.command).toEqual(['node', 'server/dist/migrate.mjs']);
      expect(databaseUrl(pod)).toEqual({ name: 'analytics-migrate', key: 'database-owner-url' });
    });

    it('connects the API as the app role and tells it not to migrate on start', () => {
      const api = databaseUrl(podOf('Deployment', 'prod-analytics-platform-api'));
      expect(api).toEqual({ name: 'analytics-api', key: 'database-url' });
      expect(api).not.toEqual(databaseUrl(podOf('Job', 'prod-analytics-platform-migrate')));
      const config = manifests.find(
        (m) => m.kind === 'ConfigMap' && m.metadata.name === 'prod-analytics-platform-api',
      )!;
      expect((config.data as Record<string, string>).ANALYTICS_MIGRATE_ON_START).toBe('false');
    });

    it('leaves migrating to the API when the jobs are switched off', () => {
      const off = renderChart(chart.files, { releaseName: 'prod', set: { migrations: { enabled: false } } });
      expect(off.some((m) => m.kind === 'Job' || m.kind === 'CronJob')).toBe(false);
      const config = off.find((m) => m.kind === 'ConfigMap')!;
      expect((config.data as Record<string, string>).ANALYTICS_MIGRATE_ON_START).toBe('true');
    });
  });

  describe('the dashboard’s token-signing secret', () => {
    type Env = { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
    const dashboardEnv = (valueFiles: string[], set?: Record<string, unknown>): Env => {
      const manifests = renderChart(chart.files, { valueFiles, releaseName: 'r', ...(set ? { set } : {}) });
      const deployment = manifests.find(
        (m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-dashboard'),
      )!;
      return (deployment.spec as { template: { spec: { containers: { env: Env }[] } } }).template.spec
        .containers[0]!.env;
    };
    const signingKey = (env: Env) =>
      env.find((e) => e.name === 'ANALYTICS_JWT_SECRET')?.valueFrom?.secretKeyRef;

    it('refuses to render in prod without one, rather than sign with the development secret', () => {
      const unset = { dashboard: { tokenSigningSecret: { existingSecret: '' } } };
      expect(() => dashboardEnv(['values-prod.yaml'], unset)).toThrow(RenderFailure);
      expect(() => dashboardEnv(['values-prod.yaml'], unset)).toThrow(
        /dashboard\.tokenSigningSecret\.existingSecret/,
      );
      expect(() => dashboardEnv([], { environment: 'prod', ...unset })).toThrow(RenderFailure);
    });

    it('reads it in prod from a Secret of the dashboard’s own, never the API’s', () => {
      const env = dashboardEnv(['values-prod.yaml']);
      expect(signingKey(env)).toEqual({ name: 'analytics-dashboard', key: 'jwt-signing-key' });
      expect(env.some((e) => e.valueFrom?.secretKeyRef.name === 'analytics-api')).toBe(false);
    });

    it('says in the install notes which key the dashboard signs with, or that it has none', () => {
      const notes = (env: string) => renderNotes(chart.files, { valueFiles: [`values-${env}.yaml`] });
      expect(notes('prod')).toContain(
        'The dashboard signs tokens with the key in the Secret "analytics-dashboard".',
      );
      expect(notes('prod')).toContain('must sign only for the signed-in user');
      expect(notes('staging')).toContain('The dashboard has no token-signing secret');
      expect(notes('dev')).not.toContain('must sign only for the signed-in user');
    });

    it('is optional outside prod: without it the dashboard signs with the development secret', () => {
      expect(signingKey(dashboardEnv(['values-staging.yaml']))).toBeUndefined();
      expect(signingKey(dashboardEnv(['values-dev.yaml']))).toEqual({
        name: 'analytics-dashboard',
        key: 'jwt-signing-key',
      });
    });
  });

  it('runs pods as non-root with a read-only root file system', () => {
    const values = chartValues(chart) as {
      podSecurityContext: { runAsNonRoot: boolean; runAsUser: number };
      containerSecurityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
    };
    expect(values.podSecurityContext.runAsNonRoot).toBe(true);
    expect(values.podSecurityContext.runAsUser).not.toBe(0);
    expect(values.containerSecurityContext.readOnlyRootFilesystem).toBe(true);
    expect(values.containerSecurityContext.allowPrivilegeEscalation).toBe(false);
  });

  describe('ingress route table', () => {
    const paths = ingressPaths(
      renderChart(chart.files, { valueFiles: ['values-prod.yaml'], releaseName: 'prod' }),
    );
    const api = 'prod-analytics-platform-api';
    const dashboard = 'prod-analytics-platform-dashboard';

    it.each([
      '/api/v1/events',
      '/api/v1/metrics/daily',
      '/sdk/analytics.js',
      '/sdk/analytics.js.map',
      '/docs',
      '/docs/static/swagger-ui.css',
      '/redoc',
      '/redoc/redoc.standalone.js',
      '/openapi.json',
      '/health',
      '/ready',
    ])('sends %s to the API Service', (path) => {
      expect(ingressRoute(paths, path)?.backend).toBe(api);
    });

    it.each(['/', '/dashboard', '/api/token', '/metrics', '/sdkx', '/openapi.json/x'])(
      'sends %s to the dashboard Service',
      (path) => {
        expect(ingressRoute(paths, path)?.backend).toBe(dashboard);
      },
    );
  });

  it('routes only the API and the dashboard through the ingress, never /metrics', () => {
    const ingress = chart.files['templates/ingress.yaml']!;
    expect(ingress).toContain('"/api"');
    expect(ingress).not.toContain('/metrics');
  });
});

describe('checkChart()', () => {
  const minimal = (): Chart => ({
    files: {
      'Chart.yaml': 'apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: "1"\n',
      'values.yaml': 'api:\n  port: 8787\n  annotations: {}\n',
      'values-prod.yaml': 'api:\n  port: 80\n',
      'templates/_helpers.tpl': '{{- define "x.name" -}}x{{- end -}}\n',
      'templates/svc.yaml':
        'name: {{ include "x.name" . }}\nport: {{ .Values.api.port }}\n{{- with .Values.api.annotations.foo }}\nfoo: {{ . }}\n{{- end }}\n',
    },
  });

  it('accepts a chart whose references all resolve', () => {
    expect(checkChart(minimal())).toEqual([]);
  });

  it('reports a template reading a value values.yaml does not declare', () => {
    const chart = minimal();
    chart.files['templates/svc.yaml'] += 'replicas: {{ .Values.api.replicas }}\n';
    expect(checkChart(chart)).toEqual([
      { file: 'templates/svc.yaml', message: 'line 6: .Values.api.replicas is not declared in values.yaml' },
    ]);
  });

  it('reports an overlay key the defaults do not have', () => {
    const chart = minimal();
    chart.files['values-prod.yaml'] = 'api:\n  prot: 80\n';
    expect(checkChart(chart)).toEqual([
      { file: 'values-prod.yaml', message: 'sets api.prot, which values.yaml does not declare' },
    ]);
  });

  it('reports an include of an undefined template and an unclosed block', () => {
    const chart = minimal();
    chart.files['templates/svc.yaml'] = '{{ include "x.nmae" . }}\n{{- if .Values.api.port }}\nx: 1\n';
    const messages = checkChart(chart).map((f) => f.message);
    expect(messages).toContain('1 block(s) never closed with {{ end }}');
    expect(messages).toContain('line 1: includes "x.nmae", which no template defines');
  });

  it('reports YAML that does not parse, and a Chart.yaml without a SemVer version', () => {
    const chart = minimal();
    chart.files['values-prod.yaml'] = 'api:\n  port: 80\n  port: 81\n';
    chart.files['Chart.yaml'] = 'apiVersion: v2\nname: x\nversion: "1.0"\nappVersion: "1"\n';
    const messages = checkChart(chart).map((f) => `${f.file}: ${f.message}`);
    expect(messages.some((m) => m.startsWith('values-prod.yaml: does not parse'))).toBe(true);
    expect(messages).toContain('Chart.yaml: version 1.0 is not SemVer');
  });
});

describe('lookup()', () => {
  const values = { a: { b: 1, free: {} }, list: [1, 2] };

  it('finds declared paths and anything below an empty (free-form) map', () => {
    expect(lookup(values, ['a', 'b'])).toBe('found');
    expect(lookup(values, ['a', 'free', 'anything', 'deeper'])).toBe('found');
  });

  it('misses undeclared keys and paths that continue below a scalar or list', () => {
    expect(lookup(values, ['a', 'c'])).toBe('missing');
    expect(lookup(values, ['a', 'b', 'c'])).toBe('missing');
    expect(lookup(values, ['list', 'x'])).toBe('missing');
  });
});
