# Production: zone-redundant everything, Citus sharded by org_id, WAF blocking.
environment        = "prod"
location           = "westeurope"
vnet_address_space = "10.42.0.0/16"
subnet_cidrs = {
  public = "10.42.0.0/24"
  app    = "10.42.2.0/23"
  data   = "10.42.4.0/24"
}

api_image       = "acmeanalytics.azurecr.io/analytics-api:prod"
dashboard_image = "acmeanalytics.azurecr.io/analytics-dashboard:prod"

container_registry = {
  server = "acmeanalytics.azurecr.io"
  id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared-registry/providers/Microsoft.ContainerRegistry/registries/acmeanalytics"
}

# Three replicas, one per zone; scale out on concurrency, up to a ceiling the database can absorb.
api_min_replicas        = 3
api_max_replicas        = 20
api_cpu                 = 1
api_memory              = "2Gi"
api_concurrent_requests = 80
dashboard_min_replicas  = 2
dashboard_max_replicas  = 6

database_engine              = "cosmos_citus"
citus_coordinator_vcores     = 8
citus_coordinator_storage_mb = 262144
citus_worker_count           = 4
citus_worker_vcores          = 8
citus_worker_storage_mb      = 1048576
citus_high_availability      = true

waf_mode                     = "Prevention"
ingest_rate_limit_per_minute = 6000

log_retention_days         = 90
key_vault_purge_protection = true
