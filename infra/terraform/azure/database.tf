# The data tier, chosen by var.database_engine. Both engines speak PostgreSQL 16 to the API's
# PostgreSQL store, so the application does not know which one it is talking to:
#
# - postgres_flexible (dev, staging): one Flexible Server. Cheap, simple, zone-redundant HA optional.
# - cosmos_citus (prod): Cosmos DB for PostgreSQL, i.e. Citus. The events, rollup and idempotency
#   tables are distributed by org_id (README.md, "Sharding by org_id"), so every tenant's rows, and
#   every query the API makes (always scoped to one org), live on a single worker.
#
# Either way the server has no public endpoint: it is reached through a private endpoint in the data
# subnet, with its name resolved by the private DNS zone in network.tf.

resource "azurerm_postgresql_flexible_server" "main" {
  count               = local.use_citus ? 0 : 1
  name                = "psql-${local.name}-${local.suffix}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  version             = var.postgres_version
  sku_name            = var.flexible_sku_name
  storage_mb          = var.flexible_storage_mb
  auto_grow_enabled   = true

  administrator_login    = "analytics_admin"
  administrator_password = random_password.database_admin.result

  public_network_access_enabled = false
  backup_retention_days         = var.backup_retention_days
  geo_redundant_backup_enabled  = false

  authentication {
    password_auth_enabled         = true
    active_directory_auth_enabled = true
    tenant_id                     = data.azurerm_client_config.current.tenant_id
  }

  dynamic "high_availability" {
    for_each = var.flexible_high_availability ? [1] : []
    content {
      mode = "ZoneRedundant"
    }
  }

  lifecycle {
    # Azure may move the primary to the standby's zone after a failover; that is not drift.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }

  tags = local.tags
}

resource "azurerm_postgresql_flexible_server_database" "main" {
  count     = local.use_citus ? 0 : 1
  name      = var.database_name
  server_id = azurerm_postgresql_flexible_server.main[0].id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

resource "azurerm_postgresql_flexible_server_configuration" "log_min_duration" {
  count     = local.use_citus ? 0 : 1
  name      = "log_min_duration_statement"
  server_id = azurerm_postgresql_flexible_server.main[0].id
  value     = "250" # ms: slow statements reach Log Analytics, ordinary ones do not
}

resource "azurerm_cosmosdb_postgresql_cluster" "main" {
  count               = local.use_citus ? 1 : 0
  name                = "cpg-${local.name}-${local.suffix}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location

  administrator_login_password = random_password.database_admin.result
  sql_version                  = var.postgres_version
  citus_version                = "12.1"

  coordinator_vcore_count         = var.citus_coordinator_vcores
  coordinator_storage_quota_in_mb = var.citus_coordinator_storage_mb
  coordinator_server_edition      = "GeneralPurpose"
  node_count                      = var.citus_worker_count
  node_vcores                     = var.citus_worker_vcores
  node_storage_quota_in_mb        = var.citus_worker_storage_mb
  node_server_edition             = "MemoryOptimized"
  # Shards belong on workers; the coordinator plans and routes.
  shards_on_coordinator_enabled = var.citus_worker_count == 0

  ha_enabled                           = var.citus_high_availability
  coordinator_public_ip_access_enabled = false
  node_public_ip_access_enabled        = false

  maintenance_window {
    day_of_week  = 0 # Sunday, the quietest ingest day
    start_hour   = 2
    start_minute = 0
  }

  tags = local.tags
}

resource "azurerm_private_endpoint" "database" {
  name                = "pe-${local.name}-db"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  subnet_id           = azurerm_subnet.data.id
  tags                = local.tags

  private_service_connection {
    name = "db"
    private_connection_resource_id = (
      local.use_citus ? azurerm_cosmosdb_postgresql_cluster.main[0].id : azurerm_postgresql_flexible_server.main[0].id
    )
    # The API connects to the Citus coordinator only; it routes to the workers itself.
    subresource_names    = [local.use_citus ? "coordinator" : "postgresqlServer"]
    is_manual_connection = false
  }

  private_dns_zone_group {
    name                 = "database"
    private_dns_zone_ids = [azurerm_private_dns_zone.zones["database"].id]
  }
}

locals {
  # The Flexible Server exports its host name. The Cosmos DB for PostgreSQL resource does not, but its
  # private endpoint reports the coordinator's public-style FQDN, which the private zone resolves to the
  # endpoint's address (and which matches the server certificate).
  database_host = (
    local.use_citus
    ? azurerm_private_endpoint.database.custom_dns_configs[0].fqdn
    : azurerm_postgresql_flexible_server.main[0].fqdn
  )
  database_name       = local.use_citus ? "citus" : azurerm_postgresql_flexible_server_database.main[0].name
  database_admin_user = local.use_citus ? "citus" : azurerm_postgresql_flexible_server.main[0].administrator_login

  # Three logins, three jobs (README.md, "Database roles"):
  # - the administrator: Terraform's, for the grants below; no app has its password.
  # - the owner: owns the schema and runs migrations and partition maintenance (the jobs below).
  # - the app role: what the API connects as: SELECT, INSERT, UPDATE, DELETE on the owner's tables.
  database_owner_user = "analytics_owner"
  database_app_user   = "analytics_app"

  database_owner_url = format(
    "postgres://%s:%s@%s:5432/%s?sslmode=require",
    local.database_owner_user,
    random_password.database_owner.result,
    local.database_host,
    local.database_name,
  )
  database_app_url = format(
    "postgres://%s:%s@%s:5432/%s?sslmode=require",
    local.database_app_user,
    random_password.database_app.result,
    local.database_host,
    local.database_name,
  )

  # The server's migrate command, bundled into the API image beside server.mjs (infra/docker/build-api.mjs):
  # applies pending migrations, creates the monthly partitions from last month to three months ahead, and
  # exits. It must not start the HTTP server.
  migrate_command = ["node", "server/dist/migrate.mjs"]
}

# ── Roles ─────────────────────────────────────────────────────────────────────────────────────────────
# On a Flexible Server the administrator creates roles with SQL. Cosmos DB for PostgreSQL creates them
# through its API only (so that every worker node gets them), hence the two kinds, one per engine.

resource "random_password" "database_owner" {
  length           = 40
  special          = true
  override_special = "-_.~" # URL-safe, so the password can sit in DATABASE_URL unescaped
  min_lower        = 4
  min_upper        = 4
  min_numeric      = 4
}

resource "random_password" "database_app" {
  length           = 40
  special          = true
  override_special = "-_.~"
  min_lower        = 4
  min_upper        = 4
  min_numeric      = 4
}

resource "postgresql_role" "owner" {
  count    = local.use_citus ? 0 : 1
  name     = local.database_owner_user
  login    = true
  password = random_password.database_owner.result
}

resource "postgresql_role" "app" {
  count    = local.use_citus ? 0 : 1
  name     = local.database_app_user
  login    = true
  password = random_password.database_app.result
}

resource "azurerm_cosmosdb_postgresql_role" "owner" {
  count      = local.use_citus ? 1 : 0
  name       = local.database_owner_user
  cluster_id = azurerm_cosmosdb_postgresql_cluster.main[0].id
  password   = random_password.database_owner.result
}

resource "azurerm_cosmosdb_postgresql_role" "app" {
  count      = local.use_citus ? 1 : 0
  name       = local.database_app_user
  cluster_id = azurerm_cosmosdb_postgresql_cluster.main[0].id
  password   = random_password.database_app.result
}

# ── Grants ────────────────────────────────────────────────────────────────────────────────────────────
# None of them names a table: the tables do not exist until the migration job first runs. The owner may
# create in the database and its public schema; whatever it creates there later, the app role may read
# and write through the default privileges, including each new monthly partition of events.

resource "postgresql_grant" "owner_database" {
  database    = local.database_name
  role        = local.database_owner_user
  object_type = "database"
  # CREATE: the store's migrations begin with CREATE SCHEMA IF NOT EXISTS.
  privileges = ["CONNECT", "CREATE", "TEMPORARY"]
  depends_on = [postgresql_role.owner, azurerm_cosmosdb_postgresql_role.owner]
}

resource "postgresql_grant" "owner_schema" {
  database    = local.database_name
  role        = local.database_owner_user
  object_type = "schema"
  schema      = "public"
  privileges  = ["CREATE", "USAGE"]
  depends_on  = [postgresql_role.owner, azurerm_cosmosdb_postgresql_role.owner]
}

resource "postgresql_grant" "app_database" {
  database    = local.database_name
  role        = local.database_app_user
  object_type = "database"
  privileges  = ["CONNECT"]
  depends_on  = [postgresql_role.app, azurerm_cosmosdb_postgresql_role.app]
}

resource "postgresql_grant" "app_schema" {
  database    = local.database_name
  role        = local.database_app_user
  object_type = "schema"
  schema      = "public"
  privileges  = ["USAGE"]
  depends_on  = [postgresql_role.app, azurerm_cosmosdb_postgresql_role.app]
}

resource "postgresql_default_privileges" "app_tables" {
  database    = local.database_name
  role        = local.database_app_user
  owner       = local.database_owner_user
  schema      = "public"
  object_type = "table"
  privileges  = ["SELECT", "INSERT", "UPDATE", "DELETE"]
  depends_on = [
    postgresql_role.owner,
    postgresql_role.app,
    azurerm_cosmosdb_postgresql_role.owner,
    azurerm_cosmosdb_postgresql_role.app,
  ]
}

resource "azurerm_monitor_diagnostic_setting" "database" {
  name                       = "to-log-analytics"
  target_resource_id         = local.use_citus ? azurerm_cosmosdb_postgresql_cluster.main[0].id : azurerm_postgresql_flexible_server.main[0].id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category_group = "allLogs"
  }
}
