# Staging mirrors prod's topology at a smaller size, on the same engine family as dev.
environment        = "staging"
location           = "westeurope"
vnet_address_space = "10.41.0.0/16"
subnet_cidrs = {
  public = "10.41.0.0/24"
  app    = "10.41.2.0/23"
  data   = "10.41.4.0/24"
}

# Images are promoted by digest from dev; the tag here is replaced by the pipeline.
api_image       = "acmeanalytics.azurecr.io/analytics-api:staging"
dashboard_image = "acmeanalytics.azurecr.io/analytics-dashboard:staging"

container_registry = {
  server = "acmeanalytics.azurecr.io"
  id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared-registry/providers/Microsoft.ContainerRegistry/registries/acmeanalytics"
}

api_min_replicas        = 1
api_max_replicas        = 4
api_concurrent_requests = 50
dashboard_min_replicas  = 1
dashboard_max_replicas  = 2

database_engine            = "postgres_flexible"
flexible_sku_name          = "GP_Standard_D2ds_v5"
flexible_storage_mb        = 65536
flexible_high_availability = false
backup_retention_days      = 14

waf_mode                     = "Prevention"
ingest_rate_limit_per_minute = 3000

log_retention_days         = 30
key_vault_purge_protection = true
