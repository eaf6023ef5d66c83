# The API and the dashboard on Azure Container Apps, in an internal environment: its ingress has a
# private address in the app subnet only, and the public reaches it through Front Door's Private Link.

resource "azurerm_container_app_environment" "main" {
  name                       = "cae-${local.name}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = azurerm_resource_group.main.location
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  infrastructure_subnet_id       = azurerm_subnet.app.id
  internal_load_balancer_enabled = true
  zone_redundancy_enabled        = local.is_prod

  # Workload profiles (here only Consumption) are what allow NSGs on the subnet and Private Link from
  # Front Door.
  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }

  tags = local.tags

  depends_on = [azurerm_subnet_network_security_group_association.app]
}

locals {
  front_door_origin_url = "https://${azurerm_cdn_frontdoor_endpoint.main.host_name}"
  cors_origins          = length(var.cors_origins) > 0 ? var.cors_origins : [local.front_door_origin_url]
}

resource "azurerm_container_app" "api" {
  name                         = "ca-${local.name}-api"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.api.id]
  }

  dynamic "registry" {
    for_each = var.container_registry == null ? [] : [var.container_registry]
    content {
      server   = registry.value.server
      identity = azurerm_user_assigned_identity.api.id
    }
  }

  # Secrets are references, not copies: Container Apps fetches them from Key Vault with the identity, so
  # rotating a secret there and restarting the revision is enough.
  secret {
    name                = "jwt-secret"
    key_vault_secret_id = azurerm_key_vault_secret.jwt_signing_key.versionless_id
    identity            = azurerm_user_assigned_identity.api.id
  }

  secret {
    name                = "cursor-secret"
    key_vault_secret_id = azurerm_key_vault_secret.cursor_signing_key.versionless_id
    identity            = azurerm_user_assigned_identity.api.id
  }

  secret {
    name                = "metrics-token"
    key_vault_secret_id = azurerm_key_vault_secret.metrics_token.versionless_id
    identity            = azurerm_user_assigned_identity.api.id
  }

  secret {
    name                = "database-url"
    key_vault_secret_id = azurerm_key_vault_secret.database_url.versionless_id
    identity            = azurerm_user_assigned_identity.api.id
  }

  ingress {
    # "External" within an internal environment means reachable from the VNet (and so from Front Door's
    # private endpoint), never from the internet.
    external_enabled = true
    target_port      = local.api_port
    transport        = "http"

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.api_min_replicas
    max_replicas = var.api_max_replicas

    http_scale_rule {
      name                = "http-concurrency"
      concurrent_requests = tostring(var.api_concurrent_requests)
    }

    container {
      name   = "api"
      image  = var.api_image
      cpu    = var.api_cpu
      memory = var.api_memory

      env {
        name  = "NODE_ENV"
        value = "production"
      }
      env {
        name  = "HOST"
        value = "0.0.0.0"
      }
      env {
        name  = "PORT"
        value = tostring(local.api_port)
      }
      env {
        name        = "DATABASE_URL"
        secret_name = "database-url"
      }
      env {
        name        = "ANALYTICS_JWT_SECRET"
        secret_name = "jwt-secret"
      }
      env {
        name        = "ANALYTICS_CURSOR_SECRET"
        secret_name = "cursor-secret"
      }
      env {
        name        = "ANALYTICS_METRICS_TOKEN"
        secret_name = "metrics-token"
      }
      # Front Door puts the client's address in X-Forwarded-For and the environment's ingress appends
      # Front Door's: the client is the second address from the right, so exactly two hops are trusted
      # (the per-IP rate limit then counts clients, not Front Door's edge nodes).
      env {
        name  = "ANALYTICS_TRUST_PROXY"
        value = "2"
      }
      env {
        name  = "ANALYTICS_JWT_ISSUER"
        value = var.jwt_issuer
      }
      env {
        name  = "ANALYTICS_JWKS_URL"
        value = var.jwks_url
      }
      env {
        name  = "ANALYTICS_CORS_ORIGINS"
        value = join(",", local.cors_origins)
      }
      env {
        name  = "ANALYTICS_SEED"
        value = "none"
      }
      # The app role cannot run DDL: migrations and partitions are the jobs' (jobs.tf).
      env {
        name  = "ANALYTICS_MIGRATE_ON_START"
        value = "false"
      }

      # /health says the process is up (restart it if not); /ready says the database answers (send it
      # traffic only then). A database outage therefore drains traffic without a restart storm.
      startup_probe {
        transport               = "HTTP"
        port                    = local.api_port
        path                    = "/health"
        interval_seconds        = 2
        failure_count_threshold = 30
      }

      liveness_probe {
        transport               = "HTTP"
        port                    = local.api_port
        path                    = "/health"
        interval_seconds        = 10
        failure_count_threshold = 3
      }

      readiness_probe {
        transport               = "HTTP"
        port                    = local.api_port
        path                    = "/ready"
        interval_seconds        = 5
        failure_count_threshold = 3
        success_count_threshold = 1
      }
    }
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.api_min_replicas <= var.api_max_replicas
      error_message = "api_min_replicas must not exceed api_max_replicas."
    }
    precondition {
      condition     = var.environment != "prod" || var.api_min_replicas >= 2
      error_message = "prod needs at least two API replicas, so one zone or one bad replica never takes the API down."
    }
  }

  # The identity must be able to read the secrets before the first revision tries to.
  depends_on = [
    azurerm_role_assignment.api_jwt_signing_key,
    azurerm_role_assignment.api_cursor_signing_key,
    azurerm_role_assignment.api_database_url,
    azurerm_role_assignment.api_metrics_token,
    azurerm_role_assignment.api_acr_pull,
  ]
}

resource "azurerm_container_app" "dashboard" {
  name                         = "ca-${local.name}-dashboard"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.dashboard.id]
  }

  dynamic "registry" {
    for_each = var.container_registry == null ? [] : [var.container_registry]
    content {
      server   = registry.value.server
      identity = azurerm_user_assigned_identity.dashboard.id
    }
  }

  # The demo's token route signs tokens for any sample org without a login, so it gets the signing key
  # only where that is acceptable (dev). Without it the route signs with the development secret, and the
  # API rejects those tokens: it fails closed.
  dynamic "secret" {
    for_each = var.dashboard_demo_tokens ? [azurerm_key_vault_secret.jwt_signing_key.versionless_id] : []
    content {
      name                = "jwt-secret"
      key_vault_secret_id = secret.value
      identity            = azurerm_user_assigned_identity.dashboard.id
    }
  }

  ingress {
    external_enabled = true
    target_port      = local.dashboard_port
    transport        = "http"

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.dashboard_min_replicas
    max_replicas = var.dashboard_max_replicas

    container {
      name   = "dashboard"
      image  = var.dashboard_image
      cpu    = 0.5
      memory = "1Gi"

      env {
        name  = "NODE_ENV"
        value = "production"
      }
      env {
        name  = "HOSTNAME"
        value = "0.0.0.0"
      }
      env {
        name  = "PORT"
        value = tostring(local.dashboard_port)
      }
      # The browser calls the API on the same Front Door host (/api/*), so no cross-origin request
      # and no CORS preflight in production.
      env {
        name  = "ANALYTICS_API_URL"
        value = local.front_door_origin_url
      }
      env {
        name  = "ANALYTICS_JWT_ISSUER"
        value = var.jwt_issuer
      }
      dynamic "env" {
        for_each = var.dashboard_demo_tokens ? ["jwt-secret"] : []
        content {
          name        = "ANALYTICS_JWT_SECRET"
          secret_name = env.value
        }
      }

      liveness_probe {
        transport               = "HTTP"
        port                    = local.dashboard_port
        path                    = "/"
        interval_seconds        = 15
        failure_count_threshold = 3
      }

      readiness_probe {
        transport               = "HTTP"
        port                    = local.dashboard_port
        path                    = "/"
        interval_seconds        = 10
        failure_count_threshold = 3
      }
    }
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = var.dashboard_min_replicas <= var.dashboard_max_replicas
      error_message = "dashboard_min_replicas must not exceed dashboard_max_replicas."
    }
    precondition {
      condition     = !(var.environment == "prod" && var.dashboard_demo_tokens)
      error_message = "dashboard_demo_tokens would let anyone sign tokens for the sample orgs; it is refused in prod."
    }
  }

  depends_on = [azurerm_role_assignment.dashboard_jwt_signing_key, azurerm_role_assignment.dashboard_acr_pull]
}
