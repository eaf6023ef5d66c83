output "api_url" {
  description = "Base URL of the versioned API, as the SDK's baseUrl takes it (the SDK appends /api/v1/...)."
  value       = "https://${azurerm_cdn_frontdoor_endpoint.main.host_name}"
}

output "api_events_url" {
  description = "The ingest and query endpoint, for a quick curl."
  value       = "https://${azurerm_cdn_frontdoor_endpoint.main.host_name}/api/v1/events"
}

output "first_party_base_url" {
  description = "The SDK's baseUrl for first-party collection: <prefix>/api/* and <prefix>/sdk/* reach the API with the prefix stripped."
  value       = "https://${azurerm_cdn_frontdoor_endpoint.main.host_name}${var.first_party_prefix}"
}

output "dashboard_url" {
  description = "The dashboard, on the same Front Door host."
  value       = "https://${azurerm_cdn_frontdoor_endpoint.main.host_name}/dashboard"
}

output "api_internal_fqdn" {
  description = "The API's private host name inside the VNet (Prometheus scrapes /metrics there with the metrics-token secret as its bearer token)."
  value       = azurerm_container_app.api.ingress[0].fqdn
}

output "key_vault_uri" {
  description = "Key Vault holding jwt-signing-key, cursor-signing-key, metrics-token, database-url, database-owner-url and database-admin-password."
  value       = azurerm_key_vault.main.vault_uri
}

output "identity_client_ids" {
  description = "Client ids of the apps' user-assigned managed identities, one per app."
  value = {
    api       = azurerm_user_assigned_identity.api.client_id
    dashboard = azurerm_user_assigned_identity.dashboard.client_id
    migrate   = azurerm_user_assigned_identity.migrate.client_id
  }
}

output "migrate_job_name" {
  description = "The migration job each deploy starts before rolling the API (README.md, \"Deploying a release\")."
  value       = azurerm_container_app_job.migrate.name
}

output "database_engine" {
  description = "Which data tier this environment runs."
  value       = var.database_engine
}

output "database_host" {
  description = "Private host name of the PostgreSQL server (Flexible Server, or the Citus coordinator)."
  value       = local.database_host
}

output "log_analytics_workspace_id" {
  description = "Workspace receiving container, Front Door, WAF, Key Vault and database logs."
  value       = azurerm_log_analytics_workspace.main.workspace_id
}

output "front_door_private_link_note" {
  description = "Reminder for the first apply."
  value       = "Approve the two pending private endpoint connections on ${azurerm_container_app_environment.main.name} before traffic flows."
}
