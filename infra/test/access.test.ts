import { describe, expect, it } from 'vitest';
import { checkSecretAccess } from '../lint/access.js';
import { moduleResources } from '../lint/terraform.js';

/** A module with one app reading one secret; `extra` is appended to main.tf. */
async function module(grantScope: string, extra = '') {
  return moduleResources({
    'main.tf': `
resource "azurerm_user_assigned_identity" "api" {}
resource "azurerm_key_vault" "main" {}
resource "azurerm_key_vault_secret" "jwt" {}
resource "azurerm_key_vault_secret" "db" {}
resource "azurerm_role_assignment" "api_jwt" {
  scope                = ${grantScope}
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
}
resource "azurerm_container_app" "api" {
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.api.id]
  }
  secret {
    name                = "jwt"
    key_vault_secret_id = azurerm_key_vault_secret.jwt.versionless_id
    identity            = azurerm_user_assigned_identity.api.id
  }
}
${extra}`,
  });
}

describe('checkSecretAccess()', () => {
  it('accepts an app that reads its one secret through a grant scoped to that secret', async () => {
    expect(checkSecretAccess(await module('azurerm_key_vault_secret.jwt.resource_versionless_id'))).toEqual(
      [],
    );
  });

  it('reports a grant on the whole vault, and the secret it then does not cover', async () => {
    expect(checkSecretAccess(await module('azurerm_key_vault.main.id')).map((f) => f.message)).toEqual([
      'Key Vault Secrets User on the whole vault; scope it to one secret',
      'identity api has no Key Vault Secrets User on it',
      'api may read azurerm_key_vault.main.id, which no app of it references',
    ]);
  });

  it('reports a grant nobody uses and an identity two apps share', async () => {
    const findings = await module(
      'azurerm_key_vault_secret.jwt.resource_versionless_id',
      `
resource "azurerm_role_assignment" "api_db" {
  scope                = azurerm_key_vault_secret.db.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
}
resource "azurerm_container_app" "dashboard" {
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.api.id]
  }
}`,
    );
    expect(checkSecretAccess(findings).map((f) => `${f.where}: ${f.message}`)).toEqual([
      'azurerm_user_assigned_identity.api: shared by azurerm_container_app.api, azurerm_container_app.dashboard',
      'azurerm_role_assignment.api_db: api may read azurerm_key_vault_secret.db.resource_versionless_id, which no app of it references',
    ]);
  });
});
