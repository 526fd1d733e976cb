//! The organization's orchestration credentials: the built-in local orchestrator, or an
//! Exoscale API key and secret, checked with a signed call before they are saved. The secret
//! is sealed at rest and never sent back to the browser.

use leptos::prelude::*;

use crate::credentials::CredentialsView;
#[cfg(feature = "ssr")]
use crate::credentials::credential_errors;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::FieldError;

/// The organization's credentials (without the secret).
#[server(endpoint = "get_credentials")]
pub async fn get_credentials() -> Result<Option<CredentialsView>, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::{Action, permits};
    use portal::auth::store_failure;
    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let state = crate::ssr::portal()?;
    let owner = permits(role, Action::ManageCredentials);
    Ok(state
        .accounts
        .credentials(org)
        .await
        .map_err(store_failure)?
        .map(|c| CredentialsView {
            kind: c.kind,
            api_key: owner.then_some(c.api_key),
            zones: c.zones,
            updated_at: portal::utc_rfc3339(c.updated_at),
            can_change: owner,
        }))
}

/// Uses an Exoscale API key: checked with a signed call in the first zone before it is saved.
#[server(endpoint = "set_exoscale_credentials")]
pub async fn set_exoscale_credentials(
    api_key: String,
    api_secret: String,
    zones: String,
) -> Result<(), AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::StoredCredentials;
    use portal::accounts::authz::Action;
    use portal::auth::store_failure;
    use sks_api::client::{Client, Error as ClientError};
    use sks_api::sign::Credentials;

    let caller = require(Action::ManageCredentials).await?;
    let (org, _, _) = caller.org()?;
    let (errors, zones) = credential_errors(&api_key, &api_secret, &zones);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let state = crate::ssr::portal()?;
    let api_key = api_key.trim().to_owned();
    let client = Client::new(
        portal::orchestration::client_config(&state, &state.exoscale_endpoint),
        Credentials::new(api_key.clone(), api_secret.clone()),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let zone = sks_api::ZoneName::from_wire(&zones[0]);
    match client.list_sks_clusters(&zone).await {
        Ok(_) => {}
        Err(ClientError::Api {
            status: 401 | 403,
            message,
        }) => {
            audit(&caller, "credentials.set", Some(&api_key), "refused", None).await;
            return Err(AppError::Validation {
                fields: vec![FieldError::new(
                    "api_secret",
                    format!(
                        "Exoscale refused this key and secret ({message}). Check both and that the key may use SKS."
                    ),
                )],
            });
        }
        Err(other) => {
            return Err(AppError::Unavailable {
                service: "The Exoscale API".into(),
                message: format!("the check in {zone} failed: {other}"),
            });
        }
    }
    let credentials = StoredCredentials {
        kind: "exoscale".into(),
        api_key: api_key.clone(),
        secret_sealed: state.sealer.seal(org, &api_secret),
        zones,
        updated_at: portal::now_ms(),
    };
    state
        .accounts
        .set_credentials(org, &credentials)
        .await
        .map_err(store_failure)?;
    audit(&caller, "credentials.set", Some(&api_key), "success", None).await;
    Ok(())
}

/// Goes back to the built-in local orchestrator (with a fresh key).
#[server(endpoint = "use_local_orchestrator")]
pub async fn use_local_orchestrator() -> Result<(), AppError> {
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    let caller = require(Action::ManageCredentials).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    portal::orchestration::mint_embedded(&state, org).await?;
    audit(
        &caller,
        "credentials.set",
        Some("local orchestrator"),
        "success",
        None,
    )
    .await;
    Ok(())
}
