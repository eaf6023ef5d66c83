# Schema changes run as the owner role in Container Apps jobs, never in the API: the API connects as the
# app role, which may only read and write rows (database.tf), and is told not to migrate on start.
#
# - migrate: started by the pipeline before each release's API revision (README.md, "Deploying a
#   release"), with the new image. Migrations are forward-only and additive, so the running revision
#   keeps working against the migrated schema until the new one replaces it.
# - partitions: the same command daily. `events` is partitioned by month and the app role cannot create
#   partitions, so the owner keeps them three months ahead even when no release happens for a while.
#
# Both run the API image with the server's migrate command (local.migrate_command) and its own identity,
# which can read the owner's URL and nothing else.

resource "azurerm_container_app_job" "migrate" {
  name                         = "${local.name}-migrate"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  container_app_environment_id = azurerm_container_app_environment.main.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = 1800
  # A failed migration rolled back its transaction; retrying once covers a lost connection, not a bug.
  replica_retry_limit = 1

  manual_trigger_config {
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.migrate.id]
  }

  dynamic "registry" {
    for_each = var.container_registry == null ? [] : [var.container_registry]
    content {
      server   = registry.value.server
      identity = azurerm_user_assigned_identity.migrate.id
    }
  }

  secret {
    name                = "database-owner-url"
    key_vault_secret_id = azurerm_key_vault_secret.database_owner_url.versionless_id
    identity            = azurerm_user_assigned_identity.migrate.id
  }

  template {
    container {
      name    = "migrate"
      image   = var.api_image
      command = local.migrate_command
      cpu     = 0.5
      memory  = "1Gi"

      env {
        name  = "NODE_ENV"
        value = "production"
      }
      env {
        name        = "DATABASE_URL"
        secret_name = "database-owner-url"
      }
    }
  }

  tags = local.tags

  depends_on = [
    azurerm_role_assignment.migrate_database_owner_url,
    azurerm_role_assignment.migrate_acr_pull,
    postgresql_grant.owner_database,
    postgresql_grant.owner_schema,
    postgresql_default_privileges.app_tables,
  ]
}

resource "azurerm_container_app_job" "partitions" {
  name                         = "${local.name}-partitions"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  container_app_environment_id = azurerm_container_app_environment.main.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = 1800
  replica_retry_limit          = 2

  schedule_trigger_config {
    # Daily at 03:17 UTC, off the hour when other schedules pile up.
    cron_expression          = "17 3 * * *"
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.migrate.id]
  }

  dynamic "registry" {
    for_each = var.container_registry == null ? [] : [var.container_registry]
    content {
      server   = registry.value.server
      identity = azurerm_user_assigned_identity.migrate.id
    }
  }

  secret {
    name                = "database-owner-url"
    key_vault_secret_id = azurerm_key_vault_secret.database_owner_url.versionless_id
    identity            = azurerm_user_assigned_identity.migrate.id
  }

  template {
    container {
      name    = "partitions"
      image   = var.api_image
      command = local.migrate_command
      cpu     = 0.25
      memory  = "0.5Gi"

      env {
        name  = "NODE_ENV"
        value = "production"
      }
      env {
        name        = "DATABASE_URL"
        secret_name = "database-owner-url"
      }
    }
  }

  tags = local.tags

  depends_on = [azurerm_role_assignment.migrate_database_owner_url, azurerm_role_assignment.migrate_acr_pull]
}
