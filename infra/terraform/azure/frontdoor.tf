# Azure Front Door Premium: the only public entry point. One endpoint serves the dashboard at /* and
# the API at /api/*, so the browser talks to a single origin (no CORS, one TLS certificate, one WAF
# policy). Premium rather than Standard for two reasons: Private Link origins (the Container Apps
# environment has no public address) and the managed WAF rule sets.
#
# Operations endpoints stay private: /metrics, /health and /ready are not routed, so Prometheus and the
# platform's probes reach them from inside the VNet only.

resource "azurerm_cdn_frontdoor_profile" "main" {
  name                     = "afd-${local.name}"
  resource_group_name      = azurerm_resource_group.main.name
  sku_name                 = "Premium_AzureFrontDoor"
  response_timeout_seconds = 60
  tags                     = local.tags
}

resource "azurerm_cdn_frontdoor_endpoint" "main" {
  name                     = "${local.name}-${local.suffix}"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id
  tags                     = local.tags
}

# ── Origins ───────────────────────────────────────────────────────────────────────────────────────────

resource "azurerm_cdn_frontdoor_origin_group" "api" {
  name                     = "api"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id
  session_affinity_enabled = false

  load_balancing {
    sample_size                 = 4
    successful_samples_required = 3
  }

  # /ready, not /health: an API replica set that cannot reach its database should be taken out of
  # rotation at the edge too.
  health_probe {
    path                = "/ready"
    protocol            = "Https"
    request_type        = "GET"
    interval_in_seconds = 30
  }
}

resource "azurerm_cdn_frontdoor_origin" "api" {
  name                           = "api"
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.api.id
  host_name                      = azurerm_container_app.api.ingress[0].fqdn
  origin_host_header             = azurerm_container_app.api.ingress[0].fqdn
  certificate_name_check_enabled = true
  enabled                        = true

  # The private endpoint this creates must be approved once on the Container Apps environment
  # (README.md, "First apply"); Terraform cannot approve its own request.
  private_link {
    request_message        = "Front Door ${local.name} to the analytics API"
    target_type            = "managedEnvironments"
    location               = azurerm_resource_group.main.location
    private_link_target_id = azurerm_container_app_environment.main.id
  }
}

resource "azurerm_cdn_frontdoor_origin_group" "dashboard" {
  name                     = "dashboard"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id
  session_affinity_enabled = false

  load_balancing {
    sample_size                 = 4
    successful_samples_required = 3
  }

  health_probe {
    path                = "/"
    protocol            = "Https"
    request_type        = "HEAD"
    interval_in_seconds = 60
  }
}

resource "azurerm_cdn_frontdoor_origin" "dashboard" {
  name                           = "dashboard"
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.dashboard.id
  host_name                      = azurerm_container_app.dashboard.ingress[0].fqdn
  origin_host_header             = azurerm_container_app.dashboard.ingress[0].fqdn
  certificate_name_check_enabled = true
  enabled                        = true

  private_link {
    request_message        = "Front Door ${local.name} to the analytics dashboard"
    target_type            = "managedEnvironments"
    location               = azurerm_resource_group.main.location
    private_link_target_id = azurerm_container_app_environment.main.id
  }
}

# ── Routes ────────────────────────────────────────────────────────────────────────────────────────────

resource "azurerm_cdn_frontdoor_route" "api" {
  name                          = "api"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.main.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.api.id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.api.id]

  # The versioned API and its documentation; nothing else of the API is public.
  patterns_to_match      = ["/api/*", "/openapi.json", "/docs", "/docs/*", "/redoc"]
  supported_protocols    = ["Http", "Https"]
  https_redirect_enabled = true
  forwarding_protocol    = "HttpsOnly"
  link_to_default_domain = true
  # No cache block: API responses are per tenant and must never be cached at the edge.
}

resource "azurerm_cdn_frontdoor_route" "dashboard" {
  name                          = "dashboard"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.main.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.dashboard.id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.dashboard.id]

  patterns_to_match      = ["/*"]
  supported_protocols    = ["Http", "Https"]
  https_redirect_enabled = true
  forwarding_protocol    = "HttpsOnly"
  link_to_default_domain = true

  # Next.js marks its hashed build assets immutable and its pages private; the edge honours those
  # headers, so only the assets are cached.
  cache {
    query_string_caching_behavior = "UseQueryString"
    compression_enabled           = true
    content_types_to_compress     = ["text/html", "text/css", "application/javascript", "application/json", "image/svg+xml"]
  }
}

# ── WAF ───────────────────────────────────────────────────────────────────────────────────────────────

resource "azurerm_cdn_frontdoor_firewall_policy" "main" {
  # Letters and digits only.
  name                              = "waf${var.name_prefix}${var.environment}"
  resource_group_name               = azurerm_resource_group.main.name
  sku_name                          = azurerm_cdn_frontdoor_profile.main.sku_name
  enabled                           = true
  mode                              = var.waf_mode
  request_body_check_enabled        = true
  custom_block_response_status_code = 403

  # A coarse per-IP ceiling in front of the API's own per-org limits: it absorbs floods before they
  # cost a replica, while ordinary SDK batching (one request per 100 events) stays far below it.
  custom_rule {
    name                           = "ApiRateLimitPerIp"
    enabled                        = true
    priority                       = 10
    type                           = "RateLimitRule"
    action                         = "Block"
    rate_limit_duration_in_minutes = 1
    rate_limit_threshold           = var.ingest_rate_limit_per_minute

    match_condition {
      match_variable = "RequestUri"
      operator       = "Contains"
      match_values   = ["/api/"]
    }
  }

  managed_rule {
    type    = "Microsoft_DefaultRuleSet"
    version = "2.1"
    action  = "Block"

    # Event properties are arbitrary customer JSON: a page title may well contain "<script>" or SQL. The
    # API stores them as data and never renders them as HTML, so the body-inspection rules that would
    # reject such events are excluded for the ingest path's JSON body only.
    exclusion {
      match_variable = "RequestBodyJsonArgNames"
      operator       = "StartsWith"
      selector       = "events"
    }
  }

  managed_rule {
    type    = "Microsoft_BotManagerRuleSet"
    version = "1.1"
    action  = "Block"
  }

  tags = local.tags
}

resource "azurerm_cdn_frontdoor_security_policy" "main" {
  name                     = "waf"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id

  security_policies {
    firewall {
      cdn_frontdoor_firewall_policy_id = azurerm_cdn_frontdoor_firewall_policy.main.id

      association {
        domain {
          cdn_frontdoor_domain_id = azurerm_cdn_frontdoor_endpoint.main.id
        }
        patterns_to_match = ["/*"]
      }
    }
  }
}

resource "azurerm_monitor_diagnostic_setting" "frontdoor" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_cdn_frontdoor_profile.main.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id

  enabled_log {
    category = "FrontDoorAccessLog"
  }
  enabled_log {
    category = "FrontDoorWebApplicationFirewallLog"
  }
  enabled_log {
    category = "FrontDoorHealthProbeLog"
  }
}
