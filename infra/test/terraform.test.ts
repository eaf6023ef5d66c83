import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { checkSecretAccess, envFromKeyVault, envValue, roleAssignments } from '../lint/access.js';
import { inboundRules, openTcpPorts } from '../lint/network.js';
import {
  albRoute,
  checkAlb,
  checkFrontDoor,
  frontDoorRoute,
  readAlb,
  readFrontDoor,
} from '../lint/routes.js';
import {
  checkModule,
  type Json,
  moduleLocals,
  moduleResources,
  reachableReferences,
  readModule,
  validationConditions,
  variableValues,
} from '../lint/terraform.js';

const terraform = join(import.meta.dirname, '..', 'terraform');
const modules = ['azure', 'aws'] as const;

type Block = { [key: string]: Json };
/** How hcl2json spells an expression attribute: `x = var.y` becomes `"x": "${var.y}"`. */
const hcl = (expression: string) => `\${${expression}}`;
const blocks = (value: Json | undefined): Block[] =>
  Array.isArray(value)
    ? (value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)) as Block[])
    : [];

/** Every resource block of a module by address, merged across its files. */
const resources = (dir: string): Promise<Map<string, Block>> => moduleResources(readModule(dir));

/**
 * Every path the API serves (server/src/routes, plugins/external/docs.ts) that the public must reach, and
 * paths that must not reach it. [request path, backend, path the backend sees when it differs].
 */
const API_PATHS = [
  '/api/v1/events',
  '/api/v1/event-types',
  '/api/v1/metrics/daily',
  '/sdk/analytics.js',
  '/sdk/analytics.esm.js',
  '/sdk/analytics.js.map',
  '/docs',
  '/docs/',
  '/docs/static/swagger-ui.css',
  '/docs/json',
  '/redoc',
  '/redoc/redoc.standalone.js',
  '/openapi.json',
  '/health',
  '/ready',
];

describe.each(modules)('infra/terraform/%s', (name) => {
  const dir = join(terraform, name);

  it('parses, and every reference resolves to a declaration', async () => {
    const report = await checkModule(readModule(dir));
    expect(report.findings).toEqual([]);
    expect(report.declarations.resources.size).toBeGreaterThan(20);
  });

  it('validates environment to dev, staging or prod', async () => {
    const { declarations } = await checkModule(readModule(dir));
    const conditions = validationConditions(declarations, 'environment');
    expect(conditions).toHaveLength(1);
    for (const env of ['dev', 'staging', 'prod']) expect(conditions[0]).toContain(`"${env}"`);
    expect(conditions[0]).toContain('var.environment');
  });

  it('outputs the API URL', async () => {
    const { declarations } = await checkModule(readModule(dir));
    expect(declarations.outputs.has('api_url')).toBe(true);
  });

  it('sets environment in each tfvars file to the file’s own name', async () => {
    const tfvars = Object.keys(readModule(dir)).filter((file) => file.endsWith('.tfvars'));
    expect(tfvars.length).toBeGreaterThanOrEqual(2);
    for (const file of tfvars) {
      const json = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as { environment?: string };
      expect(json.environment, file).toBe(file.replace('.tfvars', ''));
    }
  });
});

describe('infra/terraform/azure', () => {
  const dir = join(terraform, 'azure');

  it('has dev, staging and prod tfvars and a remote azurerm backend', async () => {
    for (const env of ['dev', 'staging', 'prod']) expect(existsSync(join(dir, `${env}.tfvars`))).toBe(true);
    const backend = (await parse('backend.tf', readFileSync(join(dir, 'backend.tf'), 'utf8'))) as {
      terraform: { backend: { azurerm: Block[] } }[];
    };
    expect(backend.terraform[0]!.backend.azurerm[0]!.use_azuread_auth).toBe(true);
  });

  it('pins the azurerm provider to one major version', async () => {
    const versions = (await parse('versions.tf', readFileSync(join(dir, 'versions.tf'), 'utf8'))) as {
      terraform: { required_providers: Record<string, { version: string }>[] }[];
    };
    expect(versions.terraform[0]!.required_providers[0]!.azurerm!.version).toMatch(/^~> 4\.\d+$/);
  });

  it('probes the API on /health (liveness, startup) and /ready (readiness)', async () => {
    const api = (await resources(dir)).get('azurerm_container_app.api')!;
    const container = blocks(blocks(api.template)[0]!.container)[0]!;
    expect(blocks(container.liveness_probe)[0]!.path).toBe('/health');
    expect(blocks(container.startup_probe)[0]!.path).toBe('/health');
    expect(blocks(container.readiness_probe)[0]!.path).toBe('/ready');
    expect(blocks(container.liveness_probe)[0]!.port).toBe(hcl('local.api_port'));
    expect(readFileSync(join(dir, 'main.tf'), 'utf8')).toMatch(/api_port\s*=\s*8787/);
    // Replica bounds come from per-environment variables.
    expect(blocks(api.template)[0]!.min_replicas).toBe(hcl('var.api_min_replicas'));
    expect(blocks(api.template)[0]!.max_replicas).toBe(hcl('var.api_max_replicas'));
  });

  it('gives each app its own identity, with Key Vault Secrets User on exactly its own secrets', async () => {
    const all = await resources(dir);
    expect(all.get('azurerm_key_vault.main')!.enable_rbac_authorization).toBe(true);
    expect(checkSecretAccess(all)).toEqual([]);
    const byPrincipal = new Map<string, string[]>();
    for (const a of roleAssignments(all)) {
      const line = `${a.role} on ${a.scope}${a.count ? ` if ${a.count}` : ''}`;
      byPrincipal.set(a.principal, [...(byPrincipal.get(a.principal) ?? []), line].sort());
    }
    const secret = (name: string) =>
      `Key Vault Secrets User on azurerm_key_vault_secret.${name}.resource_versionless_id`;
    const acrPull = 'AcrPull on var.container_registry.id if var.container_registry == null ? 0 : 1';
    expect(Object.fromEntries(byPrincipal)).toEqual({
      'identity:api': [
        acrPull,
        secret('cursor_signing_key'),
        secret('database_url'),
        secret('jwt_signing_key'),
        secret('metrics_token'),
      ],
      // The dashboard signs tokens only where its demo token route is switched on (never in prod).
      'identity:dashboard': [acrPull, `${secret('jwt_signing_key')} if var.dashboard_demo_tokens ? 1 : 0`],
      'identity:migrate': [acrPull, secret('database_owner_url')],
      // The pipeline writes the secrets; no app can.
      'data.azurerm_client_config.current.object_id': [
        'Key Vault Secrets Officer on azurerm_key_vault.main.id',
      ],
    });
    for (const app of ['api', 'dashboard']) {
      const identity = blocks(all.get(`azurerm_container_app.${app}`)!.identity)[0]!;
      expect(identity.identity_ids, app).toEqual([hcl(`azurerm_user_assigned_identity.${app}.id`)]);
    }
  });

  it('keeps the JWT signing key and the database credentials in Key Vault, and the app reads them from there', async () => {
    const all = await resources(dir);
    const secrets = [...all.keys()].filter((address) => address.startsWith('azurerm_key_vault_secret.'));
    expect(secrets.sort()).toEqual(
      [
        'cursor_signing_key',
        'database_admin_password',
        'database_owner_url',
        'database_url',
        'jwt_signing_key',
        'metrics_token',
      ].map((n) => `azurerm_key_vault_secret.${n}`),
    );
    const api = all.get('azurerm_container_app.api')!;
    for (const secret of blocks(api.secret)) {
      expect(secret.key_vault_secret_id).toMatch(/^\$\{azurerm_key_vault_secret\.\w+\.versionless_id\}$/);
      expect(secret.identity).toBe(hcl('azurerm_user_assigned_identity.api.id'));
      expect(secret).not.toHaveProperty('value');
    }
  });

  it('guards /metrics with a token from Key Vault and trusts exactly the two proxy hops in front of the API', async () => {
    const all = await resources(dir);
    const api = 'azurerm_container_app.api';
    expect(envFromKeyVault(all, api, 'ANALYTICS_METRICS_TOKEN')).toBe('metrics_token');
    // Front Door, then the environment's ingress: the client is the second address from the right.
    expect(envValue(all, api, 'ANALYTICS_TRUST_PROXY')).toBe('2');
    expect(envValue(all, api, 'ANALYTICS_METRICS_PORT')).toBeUndefined();
  });

  it('gives the dashboard the signing key only when demo tokens are switched on, and never in prod', async () => {
    const dashboard = (await resources(dir)).get('azurerm_container_app.dashboard')!;
    expect(dashboard).not.toHaveProperty('secret');
    const gated = (dashboard.dynamic as Record<string, Block[]>).secret![0]!;
    expect(gated.for_each).toBe(
      hcl('var.dashboard_demo_tokens ? [azurerm_key_vault_secret.jwt_signing_key.versionless_id] : []'),
    );
    const lifecycle = blocks(dashboard.lifecycle)[0]!;
    expect(blocks(lifecycle.precondition).map((p) => p.condition)).toContain(
      hcl('!(var.environment == "prod" && var.dashboard_demo_tokens)'),
    );
    for (const env of ['staging', 'prod']) {
      const tfvars = await parse(`${env}.tfvars`, readFileSync(join(dir, `${env}.tfvars`), 'utf8'));
      expect(tfvars.dashboard_demo_tokens ?? false, env).toBe(false);
    }
  });

  describe('database roles', () => {
    /** What the Key Vault secret behind an app's DATABASE_URL is built from, through locals. */
    const databaseUrlSources = async (app: string) => {
      const all = await resources(dir);
      const secret = envFromKeyVault(all, app, 'DATABASE_URL');
      expect(secret, app).toBeDefined();
      const value = all.get(`azurerm_key_vault_secret.${secret}`)!.value!;
      return { secret, refs: await reachableReferences(value, await moduleLocals(readModule(dir))) };
    };

    it('connects the API as the DML-only app role, never the admin or the owner', async () => {
      const { secret, refs } = await databaseUrlSources('azurerm_container_app.api');
      expect(secret).toBe('database_url');
      expect(refs).toContain('random_password.database_app');
      expect(refs).toContain('local.database_app_user');
      for (const other of [
        'random_password.database_admin',
        'random_password.database_owner',
        'local.database_admin_user',
      ])
        expect(refs).not.toContain(other);
    });

    it('runs migrations as the owner role in a Container Apps job started by each deploy', async () => {
      const all = await resources(dir);
      const { secret, refs } = await databaseUrlSources('azurerm_container_app_job.migrate');
      expect(secret).toBe('database_owner_url');
      expect(refs).toContain('random_password.database_owner');
      for (const other of ['random_password.database_admin', 'random_password.database_app'])
        expect(refs).not.toContain(other);
      const job = all.get('azurerm_container_app_job.migrate')!;
      expect(blocks(job.manual_trigger_config)).toHaveLength(1);
      const container = blocks(blocks(job.template)[0]!.container)[0]!;
      expect(container.image).toBe(hcl('var.api_image'));
      expect(container.command).toEqual(hcl('local.migrate_command'));
      expect(readFileSync(join(dir, 'database.tf'), 'utf8')).toMatch(
        /migrate_command\s*=\s*\["node", "server\/dist\/migrate\.mjs"\]/,
      );
      // The same command daily as the owner, so the monthly partitions stay ahead between deploys: the
      // app role cannot create them.
      const partitions = all.get('azurerm_container_app_job.partitions')!;
      expect(blocks(partitions.schedule_trigger_config)[0]!.cron_expression).toMatch(/^\S+ \S+ \* \* \*$/);
      expect(envFromKeyVault(all, 'azurerm_container_app_job.partitions', 'DATABASE_URL')).toBe(
        'database_owner_url',
      );
    });

    it('tells the API not to migrate on start', async () => {
      expect(envValue(await resources(dir), 'azurerm_container_app.api', 'ANALYTICS_MIGRATE_ON_START')).toBe(
        'false',
      );
    });

    it('grants the app role only CONNECT, schema USAGE and DML on the owner’s tables', async () => {
      const all = await resources(dir);
      const granted = [...all.entries()]
        .filter(
          ([address, body]) =>
            /^postgresql_(grant|default_privileges)\./.test(address) &&
            body.role === hcl('local.database_app_user'),
        )
        .map(([, body]) => `${body.object_type}: ${(body.privileges as string[]).sort().join(' ')}`)
        .sort();
      expect(granted).toEqual(['database: CONNECT', 'schema: USAGE', 'table: DELETE INSERT SELECT UPDATE']);
      const defaults = [...all.entries()].find(([a]) => a.startsWith('postgresql_default_privileges.'))![1];
      expect(defaults.owner).toBe(hcl('local.database_owner_user'));
    });

    it('gives the migration jobs an identity of their own that reads only the owner URL', async () => {
      const all = await resources(dir);
      const grants = roleAssignments(all).filter((a) => a.principal === 'identity:migrate');
      expect(grants.map((a) => `${a.role} on ${a.scope}`).sort()).toEqual([
        'AcrPull on var.container_registry.id',
        'Key Vault Secrets User on azurerm_key_vault_secret.database_owner_url.resource_versionless_id',
      ]);
    });
  });

  it('chooses Flexible Server or Cosmos DB for PostgreSQL by variable, never both', async () => {
    const all = await resources(dir);
    expect(all.get('azurerm_postgresql_flexible_server.main')!.count).toBe(hcl('local.use_citus ? 0 : 1'));
    expect(all.get('azurerm_cosmosdb_postgresql_cluster.main')!.count).toBe(hcl('local.use_citus ? 1 : 0'));
    expect(all.get('azurerm_postgresql_flexible_server.main')!.public_network_access_enabled).toBe(false);
    expect(all.get('azurerm_cosmosdb_postgresql_cluster.main')!.coordinator_public_ip_access_enabled).toBe(
      false,
    );
    const prod = await parse('prod.tfvars', readFileSync(join(dir, 'prod.tfvars'), 'utf8'));
    expect(prod.database_engine).toBe('cosmos_citus');
  });

  it('puts a Premium Front Door with a WAF policy in front of both apps', async () => {
    const all = await resources(dir);
    expect(all.get('azurerm_cdn_frontdoor_profile.main')!.sku_name).toBe('Premium_AzureFrontDoor');
    const policy = blocks(all.get('azurerm_cdn_frontdoor_security_policy.main')!.security_policies)[0]!;
    expect(blocks(policy.firewall)[0]!.cdn_frontdoor_firewall_policy_id).toBe(
      hcl('azurerm_cdn_frontdoor_firewall_policy.main.id'),
    );
    const apiRoute = all.get('azurerm_cdn_frontdoor_route.api')!;
    expect(apiRoute.patterns_to_match).toContain('/api/*');
    // Prometheus metrics are never routed to the internet (the route table below checks every route).
    for (const route of ['api', 'dashboard']) {
      const patterns = all.get(`azurerm_cdn_frontdoor_route.${route}`)!.patterns_to_match as string[];
      expect(patterns.some((p) => p.startsWith('/metrics'))).toBe(false);
    }
  });

  describe('Front Door route table', () => {
    const routing = async (vars: Record<string, Json> = {}) => {
      const files = readModule(dir);
      return readFrontDoor(await resources(dir), { ...(await variableValues(files)), ...vars });
    };

    it('has valid patterns, each on one route, and every route on the default domain', async () => {
      const frontDoor = await routing();
      expect(checkFrontDoor(frontDoor)).toEqual([]);
      for (const route of frontDoor.routes) expect(route.linkedToDefaultDomain, route.name).toBe(true);
    });

    it.each(API_PATHS)('sends %s to the API, unchanged', async (path) => {
      expect(frontDoorRoute(await routing(), path)).toMatchObject({ backend: 'api', path });
    });

    it.each([
      '/',
      '/dashboard',
      '/_next/static/chunks/main.js',
      '/favicon.ico',
      // The dashboard's own token route (demo-next/app/api/token), not the API's /api/*.
      '/api/token',
      // Prometheus metrics stay inside the VNet: the path falls through to the dashboard, which 404s.
      '/metrics',
      '/metrics/',
      '/_a/metrics',
      '/sdkx',
    ])('sends %s to the dashboard', async (path) => {
      expect(frontDoorRoute(await routing(), path)?.backend).toBe('dashboard');
    });

    it.each([
      ['/_a/api/v1/events', '/api/v1/events'],
      ['/_a/sdk/analytics.js', '/sdk/analytics.js'],
    ])('forwards the first-party path %s to the API as %s', async (path, forwarded) => {
      expect(frontDoorRoute(await routing(), path)).toMatchObject({ backend: 'api', path: forwarded });
    });

    it('takes the first-party prefix from var.first_party_prefix', async () => {
      const frontDoor = await routing({ first_party_prefix: '/collect' });
      expect(frontDoorRoute(frontDoor, '/collect/api/v1/events')).toMatchObject({
        backend: 'api',
        path: '/api/v1/events',
      });
      expect(frontDoorRoute(frontDoor, '/_a/api/v1/events')?.backend).toBe('dashboard');
      const { declarations } = await checkModule(readModule(dir));
      expect(validationConditions(declarations, 'first_party_prefix')).toHaveLength(1);
      expect(readFileSync(join(terraform, 'README.md'), 'utf8')).toContain('first_party_prefix');
    });

    it('rate-limits /ready per IP at the WAF, as it does the API: each call pings the database', async () => {
      const policy = (await resources(dir)).get('azurerm_cdn_frontdoor_firewall_policy.main')!;
      const rule = blocks(policy.custom_rule).find((r) => r.type === 'RateLimitRule')!;
      expect(blocks(rule.match_condition)[0]!.match_values).toEqual(
        expect.arrayContaining(['/api/', '/ready']),
      );
    });
  });

  describe('NSG inbound ports', () => {
    // Addresses in the default subnet_cidrs (10.40.0.0/24 public, 10.40.2.0/23 app, 10.40.4.0/24 data).
    const senders = {
      app: { address: '10.40.3.200', inVnet: true },
      public: { address: '10.40.0.9', inVnet: true },
      data: { address: '10.40.4.20', inVnet: true },
      internet: { address: '203.0.113.7', inVnet: false },
      loadBalancer: { address: '168.63.129.16', inVnet: false, loadBalancer: true },
    };
    const open = async (tier: string) => {
      const nsg = (await resources(dir)).get(`azurerm_network_security_group.${tier}`)!;
      const rules = inboundRules(nsg, await variableValues(readModule(dir)));
      return Object.fromEntries(
        Object.entries(senders).map(([name, sender]) => [name, openTcpPorts(rules, sender)]),
      );
    };

    it('admits only PostgreSQL (5432, and 6432 for the Citus coordinator’s PgBouncer) and HTTPS from the app subnet to the data subnet', async () => {
      expect(await open('data')).toEqual({
        app: ['443', '5432', '6432'],
        public: [],
        data: [],
        internet: [],
        loadBalancer: [],
      });
    });

    it('admits nothing from the internet to the app and public subnets', async () => {
      expect((await open('app')).internet).toEqual([]);
      expect((await open('public')).internet).toEqual([]);
      // Both NSGs deny only Internet, so Azure's AllowVnetInBound admits the rest of the VNet on every
      // port (Container Apps needs traffic within its own subnet); pinned so a change is deliberate.
      expect((await open('app')).public).toEqual(['1-65535']);
      expect((await open('public')).app).toEqual(['1-65535']);
    });
  });

  it('has public, app and data subnets, each with an NSG', async () => {
    const all = await resources(dir);
    for (const tier of ['public', 'app', 'data']) {
      expect(all.has(`azurerm_subnet.${tier}`), tier).toBe(true);
      const association = all.get(`azurerm_subnet_network_security_group_association.${tier}`)!;
      expect(association.network_security_group_id).toBe(hcl(`azurerm_network_security_group.${tier}.id`));
    }
    expect(all.get('azurerm_container_app_environment.main')!.internal_load_balancer_enabled).toBe(true);
  });
});

describe('infra/terraform/aws', () => {
  const dir = join(terraform, 'aws');

  describe('ALB route table', () => {
    const rules = async () => readAlb(await resources(dir), await variableValues(readModule(dir)));

    it('fits AWS’s limits: at most five path patterns a rule, unique priorities', async () => {
      expect(checkAlb(await rules())).toEqual([]);
    });

    it.each(API_PATHS)('forwards %s to the API', async (path) => {
      expect(albRoute(await rules(), path)).toMatchObject({ backend: 'api', path });
    });

    it.each(['/metrics', '/', '/dashboard', '/sdkx'])('answers %s with the listener’s 404', async (path) => {
      expect(albRoute(await rules(), path)).toBeNull();
    });
  });
});

describe('checkModule()', () => {
  const base = {
    'variables.tf': `
variable "environment" {
  type = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "bad"
  }
}
variable "size" {
  type    = number
  default = 1
}`,
    'main.tf': `
locals {
  name = "app-\${var.environment}"
}
resource "null_resource" "a" {
  triggers = { name = local.name, size = var.size }
  dynamic "setting" {
    for_each = { x = 1 }
    content { value = setting.value }
  }
}
output "id" {
  value = null_resource.a.id
}`,
  };

  it('accepts a module whose references all resolve', async () => {
    expect((await checkModule(base)).findings).toEqual([]);
  });

  it('reports an undeclared variable and local', async () => {
    const files = { ...base, 'extra.tf': 'output "x" {\n  value = join("-", [var.sise, local.nmae])\n}\n' };
    const messages = (await checkModule(files)).findings.map((f) => f.message);
    expect(messages).toContain('var.sise is not declared');
    expect(messages).toContain('local.nmae is not declared');
  });

  it('reports a reference to a resource or data source that does not exist', async () => {
    const files = {
      ...base,
      'extra.tf': 'output "x" {\n  value = [null_resource.b.id, data.null_data_source.d.id]\n}\n',
    };
    const messages = (await checkModule(files)).findings.map((f) => f.message);
    expect(messages).toContain('null_resource.b (in null_resource.b.id): no such resource');
    expect(messages).toContain('data.null_data_source.d is not declared');
  });

  it('ignores look-alikes inside string literals', async () => {
    const files = { ...base, 'extra.tf': 'output "x" {\n  value = "var.nothing and local.nothing"\n}\n' };
    expect((await checkModule(files)).findings).toEqual([]);
  });

  it('reports a syntax error with its file and position', async () => {
    const files = { ...base, 'broken.tf': 'resource "null_resource" "c" {\n  triggers = {\n' };
    const [finding] = (await checkModule(files)).findings;
    expect(finding!.file).toBe('broken.tf');
    expect(finding!.message).toMatch(/does not parse: .*broken\.tf:\d+/);
  });

  it('reports a tfvars key that is not a variable, and a required variable left unset', async () => {
    const files = { ...base, 'dev.tfvars': 'size = 2\nsiez = 3\n' };
    const messages = (await checkModule(files)).findings.map((f) => `${f.file}: ${f.message}`);
    expect(messages).toContain('dev.tfvars: sets siez, which is not a declared variable');
    expect(messages).toContain('dev.tfvars: does not set environment, which has no default');
  });

  it('reports a variable nobody uses', async () => {
    const files = { ...base, 'more.tf': 'variable "orphan" {\n  type = string\n  default = ""\n}\n' };
    expect((await checkModule(files)).findings.map((f) => f.message)).toContain(
      'var.orphan is declared but never used',
    );
  });
});
