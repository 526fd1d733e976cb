//! An organization's orchestration credentials: the built-in local orchestrator, or an
//! Exoscale API key and secret, checked with a signed call before they are saved. The secret
//! is sealed at rest and never sent back to the browser.

use portal_types::credentials::{CredentialsView, credential_errors};
use portal_types::error::{AppError, FieldError};
use sks_api::client::{Client, Error as ClientError};
use sks_api::sign::Credentials;

use crate::Portal;
use crate::accounts::StoredCredentials;
use crate::accounts::authz::{Action, permits};
use crate::auth::{Caller, store_failure};

/// `caller`'s organization's credentials, without the secret (and the key id for owners only).
pub async fn view(portal: &Portal, caller: &Caller) -> Result<Option<CredentialsView>, AppError> {
    let org = caller.org_id()?;
    let role = caller.org()?.role;
    let owner = permits(role, Action::ManageCredentials);
    Ok(portal
        .accounts
        .credentials(org)
        .await
        .map_err(store_failure)?
        .map(|c| CredentialsView {
            kind: c.kind,
            api_key: owner.then_some(c.api_key),
            zones: c.zones,
            updated_at: crate::utc_rfc3339(c.updated_at),
            can_change: owner,
        }))
}

/// Uses an Exoscale API key for `caller`'s organization: checked with a signed call in the
/// first zone before it is saved.
pub async fn set_exoscale(
    portal: &Portal,
    caller: &Caller,
    api_key: &str,
    api_secret: &str,
    zones: &str,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let (errors, zones) = credential_errors(api_key, api_secret, zones);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let api_key = api_key.trim().to_owned();
    let client = Client::new(
        crate::orchestration::client_config(portal, &portal.exoscale_endpoint),
        Credentials::new(api_key.clone(), api_secret.to_owned()),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let zone = sks_api::ZoneName::from_wire(&zones[0]);
    match client.list_sks_clusters(&zone).await {
        Ok(_) => {}
        Err(ClientError::Api {
            status: 401 | 403,
            message,
        }) => {
            portal
                .audit(caller, "credentials.set", Some(&api_key), "refused", None)
                .await;
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
        secret_sealed: portal.sealer.seal(org, api_secret),
        zones,
        updated_at: crate::now_ms(),
    };
    portal
        .accounts
        .set_credentials(org, &credentials)
        .await
        .map_err(store_failure)?;
    portal
        .audit(caller, "credentials.set", Some(&api_key), "success", None)
        .await;
    Ok(())
}

/// Goes back to the built-in local orchestrator (with a fresh key).
pub async fn use_local(portal: &Portal, caller: &Caller) -> Result<(), AppError> {
    let org = caller.org_id()?;
    crate::orchestration::mint_embedded(portal, org).await?;
    portal
        .audit(
            caller,
            "credentials.set",
            Some("local orchestrator"),
            "success",
            None,
        )
        .await;
    Ok(())
}
