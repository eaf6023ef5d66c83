terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State in S3 with S3-native locking (use_lockfile, Terraform 1.10+), one key per environment:
  #   terraform init -backend-config="bucket=acme-tfstate-dev" -backend-config="key=analytics-platform/dev.tfstate"
  backend "s3" {
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
