//! The organization's orchestration credentials: the built-in local orchestrator, or an
//! Exoscale API key and secret, checked with a signed call before they are saved. The secret
//! is sealed at rest and never sent back to the browser.

use leptos::prelude::*;

use crate::credentials::CredentialsView;
use crate::error::AppError;

/// The organization's credentials (without the secret).
#[server(endpoint = "get_credentials")]
pub async fn get_credentials() -> Result<Option<CredentialsView>, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::credentials::view(&portal, &caller).await
}

/// Uses an Exoscale API key: checked with a signed call in the first zone before it is saved.
#[server(endpoint = "set_exoscale_credentials")]
pub async fn set_exoscale_credentials(
    api_key: String,
    api_secret: String,
    zones: String,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::ManageCredentials).await?;
    portal::credentials::set_exoscale(&portal, &caller, &api_key, &api_secret, &zones).await
}

/// Goes back to the built-in local orchestrator (with a fresh key).
#[server(endpoint = "use_local_orchestrator")]
pub async fn use_local_orchestrator() -> Result<(), AppError> {
    use portal::accounts::authz::Action;
    let (portal, caller) = crate::ssr::portal_for(Action::ManageCredentials).await?;
    portal::credentials::use_local(&portal, &caller).await
}
