# Azure Front Door Premium: the only public entry point. One endpoint serves the API's public paths and
# the dashboard everything else, so the browser talks to a single origin (no CORS, one TLS certificate,
# one WAF policy). Premium rather than Standard for two reasons: Private Link origins (the Container Apps
# environment has no public address) and the managed WAF rule sets.
#
# The routes follow what the API serves (server/src/routes, server/src/plugins/external/docs.ts):
#   API        /api/*  /sdk/*  /openapi.json  /docs  /docs/*  /redoc  /redoc/*  /health  /ready
#   API        <first_party_prefix>/api/*  <first_party_prefix>/sdk/*   (prefix stripped, see below)
#   dashboard  /*  and /api/token (the dashboard's own token route, more specific than /api/*)
# /metrics is on no API route: it falls through to the dashboard, which answers 404, so Prometheus reaches
# it from inside the VNet only. infra/test/terraform.test.ts computes this table from the routes below.

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

  # The versioned API, its documentation (ReDoc loads its script from /redoc/, Swagger UI its assets from
  # /docs/), and liveness and readiness for external uptime checks. Not /metrics.
  patterns_to_match = [
    "/api/*",
    "/openapi.json",
    "/docs",
    "/docs/*",
    "/redoc",
    "/redoc/*",
    "/health",
    "/ready",
  ]
  supported_protocols    = ["Http", "Https"]
  https_redirect_enabled = true
  forwarding_protocol    = "HttpsOnly"
  link_to_default_domain = true
  # No cache block: API responses are per tenant and must never be cached at the edge.
}

# The script-tag bundle (GET /sdk/analytics.js), which every page that embeds the widgets loads. Its own
# route so the edge may cache it: the API marks it public for five minutes and revalidates by ETag.
resource "azurerm_cdn_frontdoor_route" "sdk" {
  name                          = "sdk"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.main.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.api.id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.api.id]

  patterns_to_match      = ["/sdk/*"]
  supported_protocols    = ["Http", "Https"]
  https_redirect_enabled = true
  forwarding_protocol    = "HttpsOnly"
  link_to_default_domain = true

  cache {
    query_string_caching_behavior = "IgnoreQueryString"
    compression_enabled           = true
    content_types_to_compress     = ["text/javascript", "application/javascript", "application/json"]
  }
}

# First-party collection: <first_party_prefix>/api/* and <first_party_prefix>/sdk/* reach the API with
# the prefix stripped, so a site can load the SDK and send events through a path of its own origin (a
# reverse proxy of that prefix to this host, or this host as the SDK's baseUrl). Only the ingest and SDK
# paths: the prefix is no back door to /metrics or anything else of the API.
resource "azurerm_cdn_frontdoor_route" "first_party" {
  name                          = "first-party"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.main.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.api.id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.api.id]
  cdn_frontdoor_rule_set_ids    = [azurerm_cdn_frontdoor_rule_set.first_party.id]

  patterns_to_match      = ["${var.first_party_prefix}/api/*", "${var.first_party_prefix}/sdk/*"]
  supported_protocols    = ["Http", "Https"]
  https_redirect_enabled = true
  forwarding_protocol    = "HttpsOnly"
  link_to_default_domain = true
}

resource "azurerm_cdn_frontdoor_rule_set" "first_party" {
  # Letters and digits only.
  name                     = "firstparty"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.main.id
}

resource "azurerm_cdn_frontdoor_rule" "strip_first_party_prefix" {
  name                      = "stripprefix"
  cdn_frontdoor_rule_set_id = azurerm_cdn_frontdoor_rule_set.first_party.id
  order                     = 1
  behavior_on_match         = "Stop"

  # /_a/api/v1/events → /api/v1/events: the part after the source pattern is appended to the destination.
  actions {
    url_rewrite_action {
      source_pattern          = "${var.first_party_prefix}/"
      destination             = "/"
      preserve_unmatched_path = true
    }
  }

  # The provider documents this ordering: a rule created before its origin group fails to attach.
  depends_on = [azurerm_cdn_frontdoor_origin_group.api, azurerm_cdn_frontdoor_origin.api]
}

resource "azurerm_cdn_frontdoor_route" "dashboard" {
  name                          = "dashboard"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.main.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.dashboard.id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.dashboard.id]

  # Everything the API routes do not claim. /api/token is the dashboard's token route: an exact pattern
  # wins over the API's /api/* wildcard.
  patterns_to_match      = ["/*", "/api/token"]
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
  # cost a replica, while ordinary SDK batching (one request per 100 events) stays far below it. /ready
  # is public and pings the database on every call, with no limit of the API's own, so it is counted too.
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
      match_values   = ["/api/", "/ready"]
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
