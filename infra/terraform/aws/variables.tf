variable "environment" {
  description = "Deployment environment."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging or prod."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix for resource names."
  type        = string
  default     = "analytics"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "VPC address space; split into public, app and data subnets across two zones."
  type        = string
  default     = "10.50.0.0/16"
}

variable "api_image" {
  description = "API image in ECR, pinned by digest outside dev."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository the image comes from; the execution role may pull from it alone."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for the load balancer's HTTPS listener."
  type        = string
}

variable "api_desired_count" {
  description = "API tasks at deploy time; autoscaling moves it between the bounds below."
  type        = number
  default     = 2
}

variable "api_min_count" {
  description = "Fewest API tasks."
  type        = number
  default     = 1
}

variable "api_max_count" {
  description = "Most API tasks."
  type        = number
  default     = 4
}

variable "task_cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "task_memory" {
  description = "Fargate task memory in MiB."
  type        = number
  default     = 1024
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB (autoscaling up to four times this)."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Synchronous standby in a second zone."
  type        = bool
  default     = false
}

variable "jwt_issuer" {
  description = "ANALYTICS_JWT_ISSUER."
  type        = string
  default     = "acme-analytics"
}

variable "cors_origins" {
  description = "ANALYTICS_CORS_ORIGINS, the dashboard's origins."
  type        = list(string)
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 30
}
