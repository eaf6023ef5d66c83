# Remote state in an Azure Storage account, one blob per workspace. The account is created once per
# tenant by the platform team (see README.md, "State"), outside this configuration, so that state never
# depends on the thing it describes. Values are given at init time, per environment:
#
#   terraform init -backend-config=backends/dev.azurerm.tfbackend
#
# Locking is the blob lease the azurerm backend takes for every operation; no extra table is needed.
terraform {
  backend "azurerm" {
    container_name   = "tfstate"
    key              = "analytics-platform.tfstate"
    use_azuread_auth = true
    # resource_group_name, storage_account_name and subscription_id come from -backend-config.
  }
}
