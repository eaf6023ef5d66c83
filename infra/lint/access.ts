// Who may read what, read from a Terraform module: every azurerm_role_assignment with its principal and
// scope, and every Key Vault secret a container app (or job) references with the identity it uses. The
// check holds the module to least privilege: each app has an identity of its own, each identity reads
// exactly the secrets its apps reference (each grant scoped to the one secret, never the vault), and an
// app only references secrets through an identity that holds the grant.
import type { Json } from './terraform.js';

type Block = { [key: string]: Json };

export interface AccessFinding {
  where: string;
  message: string;
}

export interface RoleAssignment {
  address: string;
  role: string;
  /** `identity:<name>` for a user-assigned identity of the module, else the expression. */
  principal: string;
  /** The scope expression without its `${}`: `azurerm_key_vault_secret.x.resource_versionless_id`. */
  scope: string;
  /** The `count` expression when the assignment is conditional. */
  count?: string;
}

export interface SecretReference {
  /** `azurerm_container_app.api`, `azurerm_container_app_job.migrate`. */
  app: string;
  secret: string;
  identity: string;
  /** The `for_each` of a dynamic secret block: the reference exists only when it is non-empty. */
  when?: string;
}

const blocks = (value: Json | undefined): Block[] =>
  Array.isArray(value)
    ? (value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)) as Block[])
    : [];

const unwrap = (value: Json | undefined) =>
  typeof value === 'string' ? value.replace(/^\$\{([\s\S]*)\}$/, '$1') : JSON.stringify(value);

const refs = (value: Json | undefined, type: string) =>
  [...JSON.stringify(value ?? null).matchAll(new RegExp(`\\b${type}\\.([A-Za-z0-9_-]+)\\b`, 'g'))].map(
    (m) => m[1]!,
  );

export function roleAssignments(resources: Map<string, Block>): RoleAssignment[] {
  const out: RoleAssignment[] = [];
  for (const [address, body] of resources) {
    if (!address.startsWith('azurerm_role_assignment.')) continue;
    const identity = refs(body.principal_id, 'azurerm_user_assigned_identity')[0];
    out.push({
      address,
      role: String(body.role_definition_name ?? body.role_definition_id),
      principal: identity ? `identity:${identity}` : unwrap(body.principal_id),
      scope: unwrap(body.scope),
      ...(body.count !== undefined ? { count: unwrap(body.count) } : {}),
    });
  }
  return out;
}

const APP_TYPES = ['azurerm_container_app', 'azurerm_container_app_job'];

/** The user-assigned identities each app or job runs as. */
export function appIdentities(resources: Map<string, Block>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [address, body] of resources) {
    if (!APP_TYPES.includes(address.split('.')[0]!)) continue;
    out.set(
      address,
      blocks(body.identity).flatMap((i) => refs(i.identity_ids, 'azurerm_user_assigned_identity')),
    );
  }
  return out;
}

/** Every Key Vault secret an app references, static or in a `dynamic "secret"` block. */
export function secretReferences(resources: Map<string, Block>): SecretReference[] {
  const out: SecretReference[] = [];
  for (const [app, body] of resources) {
    if (!APP_TYPES.includes(app.split('.')[0]!)) continue;
    for (const secret of blocks(body.secret)) {
      for (const name of refs(secret.key_vault_secret_id, 'azurerm_key_vault_secret'))
        out.push({
          app,
          secret: name,
          identity: refs(secret.identity, 'azurerm_user_assigned_identity')[0] ?? '?',
        });
    }
    const dynamic = (body.dynamic ?? {}) as Record<string, Json>;
    for (const block of blocks(dynamic.secret)) {
      const content = blocks(block.content)[0] ?? {};
      const names = new Set([
        ...refs(block.for_each, 'azurerm_key_vault_secret'),
        ...refs(content.key_vault_secret_id, 'azurerm_key_vault_secret'),
      ]);
      for (const name of names)
        out.push({
          app,
          secret: name,
          identity: refs(content.identity, 'azurerm_user_assigned_identity')[0] ?? '?',
          when: unwrap(block.for_each),
        });
    }
  }
  return out;
}

const SECRETS_USER = 'Key Vault Secrets User';
const secretScope = (name: string) => `azurerm_key_vault_secret.${name}.resource_versionless_id`;

export function checkSecretAccess(resources: Map<string, Block>): AccessFinding[] {
  const findings: AccessFinding[] = [];
  const assignments = roleAssignments(resources);
  const identities = appIdentities(resources);
  const references = secretReferences(resources);

  // One identity per app: a container app shares its identity with nothing else.
  const users = new Map<string, string[]>();
  for (const [app, ids] of identities) for (const id of ids) users.set(id, [...(users.get(id) ?? []), app]);
  for (const [id, apps] of users) {
    if (apps.length > 1 && apps.some((a) => a.startsWith('azurerm_container_app.')))
      findings.push({
        where: `azurerm_user_assigned_identity.${id}`,
        message: `shared by ${apps.join(', ')}`,
      });
  }

  for (const a of assignments) {
    if (!a.principal.startsWith('identity:')) continue;
    if (/^azurerm_key_vault\.\w+\.id$/.test(a.scope))
      findings.push({ where: a.address, message: `${a.role} on the whole vault; scope it to one secret` });
  }

  for (const ref of references) {
    const where = `${ref.app} secret ${ref.secret}`;
    if (!(identities.get(ref.app) ?? []).includes(ref.identity))
      findings.push({ where, message: `read with identity ${ref.identity}, which the app does not run as` });
    const grant = assignments.find(
      (a) =>
        a.principal === `identity:${ref.identity}` &&
        a.role === SECRETS_USER &&
        a.scope === secretScope(ref.secret),
    );
    if (!grant) findings.push({ where, message: `identity ${ref.identity} has no ${SECRETS_USER} on it` });
  }

  // No grant nobody uses: every secret an identity may read is referenced through that identity.
  for (const a of assignments) {
    if (!a.principal.startsWith('identity:') || a.role !== SECRETS_USER) continue;
    const identity = a.principal.slice('identity:'.length);
    const used = references.some((r) => r.identity === identity && secretScope(r.secret) === a.scope);
    if (!used)
      findings.push({
        where: a.address,
        message: `${identity} may read ${a.scope}, which no app of it references`,
      });
  }
  return findings;
}

/**
 * The Key Vault secret (resource name) an app's environment variable comes from: the container's `env`
 * with that name names a `secret_name`, whose `secret` block references the Key Vault secret.
 */
export function envFromKeyVault(resources: Map<string, Block>, app: string, env: string): string | undefined {
  const body = resources.get(app);
  if (!body) return undefined;
  const containers = blocks(blocks(body.template)[0]?.container);
  const entry = containers.flatMap((c) => blocks(c.env)).find((e) => e.name === env);
  if (!entry || typeof entry.secret_name !== 'string') return undefined;
  const secret = blocks(body.secret).find((s) => s.name === entry.secret_name);
  return secret ? refs(secret.key_vault_secret_id, 'azurerm_key_vault_secret')[0] : undefined;
}

/** A container's plain (non-secret) environment variable, as written. */
export function envValue(resources: Map<string, Block>, app: string, env: string): Json | undefined {
  const containers = blocks(blocks(resources.get(app)?.template)[0]?.container);
  return containers.flatMap((c) => blocks(c.env)).find((e) => e.name === env)?.value;
}
