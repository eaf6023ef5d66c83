data "azurerm_client_config" "current" {}

# Globally unique names (Key Vault, Front Door endpoint) need a suffix that is stable per state.
resource "random_string" "suffix" {
  length  = 5
  lower   = true
  upper   = false
  numeric = true
  special = false
}

locals {
  name    = "${var.name_prefix}-${var.environment}"
  suffix  = random_string.suffix.result
  is_prod = var.environment == "prod"

  use_citus = var.database_engine == "cosmos_citus"

  api_port       = 8787
  dashboard_port = 3000

  tags = merge(var.tags, {
    application = "analytics-platform"
    environment = var.environment
    managed_by  = "terraform"
  })
}

resource "azurerm_resource_group" "main" {
  name     = "rg-${local.name}"
  location = var.location
  tags     = local.tags
}

# One user-assigned identity per app, so each reads only its own secrets (keyvault.tf) and a flaw in one
# app never hands out the other's. User-assigned, not system-assigned, so that the role assignments exist
# before the first revision starts.
resource "azurerm_user_assigned_identity" "api" {
  name                = "id-${local.name}-api"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

resource "azurerm_user_assigned_identity" "dashboard" {
  name                = "id-${local.name}-dashboard"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

# The migration and partition jobs (jobs.tf): the only workload that may read the owner's URL.
resource "azurerm_user_assigned_identity" "migrate" {
  name                = "id-${local.name}-migrate"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}

resource "azurerm_role_assignment" "api_acr_pull" {
  count                = var.container_registry == null ? 0 : 1
  scope                = var.container_registry.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.api.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "dashboard_acr_pull" {
  count                = var.container_registry == null ? 0 : 1
  scope                = var.container_registry.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.dashboard.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "migrate_acr_pull" {
  count                = var.container_registry == null ? 0 : 1
  scope                = var.container_registry.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.migrate.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_log_analytics_workspace" "main" {
  name                = "log-${local.name}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  # A runaway log loop in dev should cost a day's cap, not a month's budget.
  daily_quota_gb = local.is_prod ? -1 : 5
  tags           = local.tags
}
