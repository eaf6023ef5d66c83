output "api_url" {
  description = "Base URL of the API (the SDK's baseUrl)."
  value       = "https://${aws_lb.api.dns_name}"
}

output "load_balancer_dns_name" {
  description = "Point the API's DNS name (CNAME or alias) here."
  value       = aws_lb.api.dns_name
}

output "ecs_cluster_name" {
  description = "ECS cluster running the API service."
  value       = aws_ecs_cluster.main.name
}

output "database_endpoint" {
  description = "RDS endpoint, private to the VPC."
  value       = aws_db_instance.main.address
}

output "secret_arns" {
  description = "Secrets Manager ARNs the API reads at start."
  value = {
    jwt_signing_key = aws_secretsmanager_secret.jwt.arn
    database_url    = aws_secretsmanager_secret.database_url.arn
  }
}
