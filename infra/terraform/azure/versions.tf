terraform {
  # 1.6 for `check` blocks and the azurerm backend's Azure AD auth; validation blocks need nothing newer.
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    # Pinned to one major line: 4.x renamed enough arguments that an unpinned init breaks plans. The
    # exact build is recorded in .terraform.lock.hcl, committed after the first `terraform init`.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.30"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    # Database roles and grants (database.tf). It connects to the server's private endpoint, so the
    # pipeline that applies this runs inside the VNet (README.md, "Database roles").
    postgresql = {
      source  = "cyrilgdn/postgresql"
      version = "~> 1.25"
    }
  }
}

provider "azurerm" {
  # Data-plane calls (Key Vault secrets, state blobs) use Azure AD, never shared keys.
  storage_use_azuread = true

  features {
    key_vault {
      # Soft-deleted vaults and secrets are recovered rather than silently purged: losing the JWT
      # signing key by a `terraform destroy` typo would log every user out.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
      recover_soft_deleted_secrets    = true
    }
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}

# Connects as the server's administrator, only to create the owner and app roles' grants. The provider
# connects lazily, on the first role or grant it must read or change, so the first apply can create the
# server and then its grants.
provider "postgresql" {
  host            = local.database_host
  port            = 5432
  database        = local.database_name
  username        = local.database_admin_user
  password        = random_password.database_admin.result
  sslmode         = "require"
  connect_timeout = 15
  # Azure's administrator is not a superuser; the provider then grants itself role memberships it needs.
  superuser = false
}
