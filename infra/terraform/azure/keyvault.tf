# Key Vault in RBAC mode (no access policies): who may read what is an Azure role assignment, audited
# and reviewable like any other. Each app's identity holds Key Vault Secrets User (read a secret's value,
# nothing else: no listing, no writing) on each secret it uses, scoped to that one secret, never to the
# vault. infra/lint/access.ts checks that every grant is used and every secret an app reads is granted.

resource "azurerm_key_vault" "main" {
  # 24 characters at most, globally unique.
  name                = "kv-${var.name_prefix}-${substr(var.environment, 0, 4)}-${local.suffix}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"

  enable_rbac_authorization     = true
  public_network_access_enabled = length(var.deployer_ip_ranges) > 0
  purge_protection_enabled      = var.key_vault_purge_protection
  soft_delete_retention_days    = 90

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
    ip_rules       = var.deployer_ip_ranges
  }

  tags = local.tags
}

resource "azurerm_private_endpoint" "keyvault" {
  name                = "pe-${local.name}-kv"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  subnet_id           = azurerm_subnet.data.id
  tags                = local.tags

  private_service_connection {
    name                           = "kv"
    private_connection_resource_id = azurerm_key_vault.main.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "keyvault"
    private_dns_zone_ids = [azurerm_private_dns_zone.zones["keyvault"].id]
  }
}

# The deployment principal writes the secrets below; it is a different identity from the app's.
resource "azurerm_role_assignment" "deployer_secrets_officer" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

# The API verifies tokens (JWT key), signs cursors (cursor key) and connects to the database (its URL).
resource "azurerm_role_assignment" "api_jwt_signing_key" {
  scope                = azurerm_key_vault_secret.jwt_signing_key.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "api_cursor_signing_key" {
  scope                = azurerm_key_vault_secret.cursor_signing_key.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

# Prometheus scrapes /metrics on the API's internal host with this bearer token (ANALYTICS_METRICS_TOKEN).
resource "azurerm_role_assignment" "api_metrics_token" {
  scope                = azurerm_key_vault_secret.metrics_token.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "api_database_url" {
  scope                = azurerm_key_vault_secret.database_url.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

# The migration jobs connect as the owner role.
resource "azurerm_role_assignment" "migrate_database_owner_url" {
  scope                = azurerm_key_vault_secret.database_owner_url.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.migrate.principal_id
  principal_type       = "ServicePrincipal"
}

# The dashboard's token route signs with the JWT key, and only where it is switched on (never in prod).
resource "azurerm_role_assignment" "dashboard_jwt_signing_key" {
  count                = var.dashboard_demo_tokens ? 1 : 0
  scope                = azurerm_key_vault_secret.jwt_signing_key.resource_versionless_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.dashboard.principal_id
  principal_type       = "ServicePrincipal"
}

# ── Secrets ───────────────────────────────────────────────────────────────────────────────────────────
# Generated here so no human ever sees them. They live in state too, which is why the state account is
# private, encrypted and RBAC-guarded (see README.md). Rotation: README.md, "Secrets and rotation".

resource "random_password" "jwt_signing_key" {
  # HS256 key: the API uses the secret's UTF-8 bytes; 64 characters is well over 256 bits.
  length  = 64
  special = false
}

# Signs pagination cursors. Separate from the JWT key so that rotating one never invalidates the other:
# a JWT rotation would otherwise break every cursor a dashboard holds.
resource "random_password" "cursor_signing_key" {
  length  = 64
  special = false
}

# /metrics answers only to this bearer token: Container Apps exposes one ingress port per app, so the
# API's separate metrics port is not an option here, and without a token /metrics answers 404.
resource "random_password" "metrics_token" {
  length  = 48
  special = false
}

resource "random_password" "database_admin" {
  length           = 40
  special          = true
  override_special = "-_.~" # URL-safe, so the password can sit in DATABASE_URL unescaped
  min_lower        = 4
  min_upper        = 4
  min_numeric      = 4
}

resource "azurerm_key_vault_secret" "jwt_signing_key" {
  name         = "jwt-signing-key"
  value        = random_password.jwt_signing_key.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; HS256 key for ANALYTICS_JWT_SECRET"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

resource "azurerm_key_vault_secret" "cursor_signing_key" {
  name         = "cursor-signing-key"
  value        = random_password.cursor_signing_key.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; HMAC key for ANALYTICS_CURSOR_SECRET"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

resource "azurerm_key_vault_secret" "metrics_token" {
  name         = "metrics-token"
  value        = random_password.metrics_token.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; bearer token for ANALYTICS_METRICS_TOKEN (Prometheus)"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

resource "azurerm_key_vault_secret" "database_admin_password" {
  name         = "database-admin-password"
  value        = random_password.database_admin.result
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

# The API's DATABASE_URL: the app role (DML only).
resource "azurerm_key_vault_secret" "database_url" {
  name         = "database-url"
  value        = local.database_app_url
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; postgres:// URL of the app role, for the API's DATABASE_URL"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

# The migration jobs' DATABASE_URL: the owner role.
resource "azurerm_key_vault_secret" "database_owner_url" {
  name         = "database-owner-url"
  value        = local.database_owner_url
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain; postgres:// URL of the owner role, for the migration jobs"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

resource "azurerm_monitor_diagnostic_setting" "keyvault" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_key_vault.main.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  # Every secret read is recorded: who read the signing key, and when.
  enabled_log {
    category = "AuditEvent"
  }
}
