# terraform plan -var-file=dev.tfvars  (after init with backends/dev.azurerm.tfbackend)
environment        = "dev"
location           = "westeurope"
vnet_address_space = "10.40.0.0/16"
subnet_cidrs = {
  public = "10.40.0.0/24"
  app    = "10.40.2.0/23"
  data   = "10.40.4.0/24"
}

api_image       = "acmeanalytics.azurecr.io/analytics-api:dev"
dashboard_image = "acmeanalytics.azurecr.io/analytics-dashboard:dev"

container_registry = {
  server = "acmeanalytics.azurecr.io"
  id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared-registry/providers/Microsoft.ContainerRegistry/registries/acmeanalytics"
}

# Scale to zero when nobody is testing; the first request waits for a cold start.
api_min_replicas       = 0
api_max_replicas       = 2
dashboard_min_replicas = 0
dashboard_max_replicas = 1

database_engine            = "postgres_flexible"
flexible_sku_name          = "B_Standard_B1ms"
flexible_storage_mb        = 32768
flexible_high_availability = false
backup_retention_days      = 7

# The demo dashboard signs its own tokens for the sample orgs (no login): acceptable in dev only.
dashboard_demo_tokens = true

# Local dashboards during development call the dev API directly.
cors_origins = ["http://localhost:3000"]

# Log, do not block, while rules are tuned against real traffic.
waf_mode                     = "Detection"
ingest_rate_limit_per_minute = 3000

log_retention_days         = 30
key_vault_purge_protection = false
