environment        = "dev"
region             = "eu-west-1"
vpc_cidr           = "10.50.0.0/16"
api_image          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/analytics-api:dev"
ecr_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/analytics-api"
certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
cors_origins       = ["https://dashboard.dev.analytics.example.com", "http://localhost:3000"]

api_desired_count    = 1
api_min_count        = 1
api_max_count        = 2
db_instance_class    = "db.t4g.micro"
db_allocated_storage = 20
db_multi_az          = false
