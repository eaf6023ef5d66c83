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
