environment        = "prod"
region             = "eu-west-1"
vpc_cidr           = "10.52.0.0/16"
api_image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/analytics-api:prod"
ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/analytics-api"
certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
cors_origins       = ["https://dashboard.analytics.example.com"]

api_desired_count    = 3
api_min_count        = 3
api_max_count        = 12
task_cpu             = 1024
task_memory          = 2048
db_instance_class    = "db.r7g.large"
db_allocated_storage = 200
db_multi_az          = true
log_retention_days   = 90
