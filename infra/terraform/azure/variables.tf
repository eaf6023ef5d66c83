# ── Environment ───────────────────────────────────────────────────────────────────────────────────────

variable "environment" {
  description = "Deployment environment. Drives names, sizes and protections; one state per environment."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging or prod."
  }
}

variable "location" {
  description = "Azure region for every regional resource (Front Door and its WAF policy are global)."
  type        = string
  default     = "westeurope"
}

variable "name_prefix" {
  description = "Short lowercase prefix for resource names; Key Vault and storage names leave little room."
  type        = string
  default     = "analytics"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,11}$", var.name_prefix))
    error_message = "name_prefix must be 3-12 lowercase letters or digits, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags merged into every resource's tags (cost centre, owner, ...)."
  type        = map(string)
  default     = {}
}

# ── Network ───────────────────────────────────────────────────────────────────────────────────────────

variable "vnet_address_space" {
  description = "Address space of the environment's VNet. Environments get disjoint ranges so they can be peered."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vnet_address_space, 0))
    error_message = "vnet_address_space must be a CIDR block."
  }
}

variable "subnet_cidrs" {
  description = "Subnets inside the VNet: public (edge), app (Container Apps, at least /27) and data (private endpoints)."
  type = object({
    public = string
    app    = string
    data   = string
  })
  default = {
    public = "10.40.0.0/24"
    app    = "10.40.2.0/23"
    data   = "10.40.4.0/24"
  }

  validation {
    condition     = tonumber(split("/", var.subnet_cidrs.app)[1]) <= 27
    error_message = "The app subnet must be /27 or larger (a Container Apps workload-profiles environment needs it)."
  }
}

variable "deployer_ip_ranges" {
  description = "CIDRs allowed through the Key Vault firewall so the pipeline can write secrets. Empty when the pipeline runs inside the VNet."
  type        = list(string)
  default     = []
}

# ── Containers ────────────────────────────────────────────────────────────────────────────────────────

variable "api_image" {
  description = "API image reference, pinned by digest in staging and prod (registry/analytics-api@sha256:...)."
  type        = string
}

variable "dashboard_image" {
  description = "Dashboard (Next.js standalone) image reference."
  type        = string
}

variable "container_registry" {
  description = "Private registry the images come from, pulled with the managed identity. Null for a public registry."
  type = object({
    server = string
    id     = string
  })
  default = null
}

variable "api_min_replicas" {
  description = "Minimum API replicas. 0 lets dev scale to zero; prod keeps enough for a zone outage."
  type        = number
  default     = 1

  validation {
    condition     = var.api_min_replicas >= 0 && var.api_min_replicas <= 30
    error_message = "api_min_replicas must be between 0 and 30."
  }
}

variable "api_max_replicas" {
  description = "Maximum API replicas under the HTTP concurrency scale rule."
  type        = number
  default     = 3

  validation {
    condition     = var.api_max_replicas >= 1 && var.api_max_replicas <= 300
    error_message = "api_max_replicas must be between 1 and 300."
  }
}

variable "api_cpu" {
  description = "vCPU per API replica (Consumption profile combinations: 0.25 to 4)."
  type        = number
  default     = 0.5
}

variable "api_memory" {
  description = "Memory per API replica; must match api_cpu (2 GiB per vCPU on the Consumption profile)."
  type        = string
  default     = "1Gi"
}

variable "api_concurrent_requests" {
  description = "In-flight requests per API replica before Container Apps adds a replica."
  type        = number
  default     = 50
}

variable "dashboard_min_replicas" {
  description = "Minimum dashboard replicas."
  type        = number
  default     = 1
}

variable "dashboard_max_replicas" {
  description = "Maximum dashboard replicas."
  type        = number
  default     = 3
}

variable "dashboard_demo_tokens" {
  description = "Give the dashboard the JWT signing key so its demo route (/api/token) can sign tokens for the sample orgs without a login. Never in prod."
  type        = bool
  default     = false
}

# ── Data tier ─────────────────────────────────────────────────────────────────────────────────────────

variable "database_engine" {
  description = "postgres_flexible: one Flexible Server (dev, staging). cosmos_citus: Cosmos DB for PostgreSQL, sharded by org_id (prod)."
  type        = string
  default     = "postgres_flexible"

  validation {
    condition     = contains(["postgres_flexible", "cosmos_citus"], var.database_engine)
    error_message = "database_engine must be postgres_flexible or cosmos_citus."
  }
}

variable "postgres_version" {
  description = "PostgreSQL major version, the same on both engines so migrations are tested once."
  type        = string
  default     = "16"
}

variable "database_name" {
  description = "Application database on the Flexible Server (Cosmos DB for PostgreSQL always uses `citus`)."
  type        = string
  default     = "analytics"
}

variable "flexible_sku_name" {
  description = "Flexible Server compute SKU (B_Standard_B1ms for dev, GP_Standard_D2ds_v5 and up otherwise)."
  type        = string
  default     = "B_Standard_B1ms"
}

variable "flexible_storage_mb" {
  description = "Flexible Server storage in MB."
  type        = number
  default     = 32768
}

variable "flexible_high_availability" {
  description = "Zone-redundant standby for the Flexible Server (not available on Burstable SKUs)."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Point-in-time restore window, in days (7-35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "citus_coordinator_vcores" {
  description = "vCores of the Cosmos DB for PostgreSQL coordinator."
  type        = number
  default     = 4
}

variable "citus_coordinator_storage_mb" {
  description = "Coordinator storage in MB."
  type        = number
  default     = 131072
}

variable "citus_worker_count" {
  description = "Worker nodes holding the org_id shards (0 or 2 and up; a single worker is not offered)."
  type        = number
  default     = 2

  validation {
    condition     = var.citus_worker_count == 0 || (var.citus_worker_count >= 2 && var.citus_worker_count <= 20)
    error_message = "citus_worker_count must be 0 or between 2 and 20."
  }
}

variable "citus_worker_vcores" {
  description = "vCores per worker node."
  type        = number
  default     = 4
}

variable "citus_worker_storage_mb" {
  description = "Storage per worker node in MB."
  type        = number
  default     = 524288
}

variable "citus_high_availability" {
  description = "Standby replicas for the coordinator and every worker."
  type        = bool
  default     = true
}

# ── Application settings ──────────────────────────────────────────────────────────────────────────────

variable "jwt_issuer" {
  description = "The `iss` every token must carry (ANALYTICS_JWT_ISSUER)."
  type        = string
  default     = "acme-analytics"
}

variable "jwks_url" {
  description = "When set, the API also accepts RS256/ES256 tokens from this JWKS (ANALYTICS_JWKS_URL), e.g. the identity provider's."
  type        = string
  default     = ""
}

variable "cors_origins" {
  description = "Origins allowed to call the API from a browser. Empty: only the Front Door endpoint itself (same origin)."
  type        = list(string)
  default     = []
}

# ── Edge ──────────────────────────────────────────────────────────────────────────────────────────────

variable "waf_mode" {
  description = "Detection logs matches without blocking (for tuning in dev); Prevention blocks them."
  type        = string
  default     = "Prevention"

  validation {
    condition     = contains(["Detection", "Prevention"], var.waf_mode)
    error_message = "waf_mode must be Detection or Prevention."
  }
}

variable "first_party_prefix" {
  description = "Path prefix under which Front Door forwards <prefix>/api/* and <prefix>/sdk/* to the API with the prefix stripped, for first-party collection (README.md)."
  type        = string
  default     = "/_a"

  validation {
    condition = (
      can(regex("^/[A-Za-z0-9_-]+$", var.first_party_prefix)) &&
      !contains(["/api", "/sdk", "/docs", "/redoc", "/health", "/ready", "/metrics", "/dashboard"], var.first_party_prefix)
    )
    error_message = "first_party_prefix must be one path segment such as /_a, and not a path the API or the dashboard serves."
  }
}

variable "ingest_rate_limit_per_minute" {
  description = "Requests per client IP per minute to /api/ (and /ready) before the WAF answers 429; the API's per-org limit sits behind it."
  type        = number
  default     = 3000
}

# ── Operations ────────────────────────────────────────────────────────────────────────────────────────

variable "log_retention_days" {
  description = "Log Analytics retention in days."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "key_vault_purge_protection" {
  description = "Purge protection on the Key Vault. Irreversible once on, so off in dev to allow clean rebuilds."
  type        = bool
  default     = true
}
