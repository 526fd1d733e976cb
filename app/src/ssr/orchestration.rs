//! Each organization's way to the orchestration API: its credentials (the secret sealed at
//! rest), and the client built from them.

use sks_api::ZoneName;

use super::AppState;
use super::accounts::StoredCredentials;
use super::auth::store_failure;
use crate::error::AppError;

/// Credentials of the embedded orchestrator.
pub const EMBEDDED: &str = "embedded";

/// Gives a new organization its own key on the embedded orchestrator, in every zone.
pub async fn mint_embedded(state: &AppState, org: &str) -> Result<(), AppError> {
    let (key, secret) = (state.minter)(org.to_owned()).await.map_err(|message| {
        tracing::error!(%message, "cannot mint orchestration credentials");
        AppError::Unavailable {
            service: "The local orchestrator".into(),
            message: "it could not issue credentials".into(),
        }
    })?;
    let credentials = StoredCredentials {
        kind: EMBEDDED.into(),
        api_key: key,
        secret_sealed: state.sealer.seal(&secret),
        zones: ZoneName::ALL
            .iter()
            .map(|z| z.as_str().to_owned())
            .collect(),
        updated_at: super::now_ms(),
    };
    state
        .accounts
        .set_credentials(org, &credentials)
        .await
        .map_err(store_failure)
}

/// A client for the organization's orchestration API and the zones it uses.
pub async fn client_for(
    state: &AppState,
    org: &str,
) -> Result<(sks_api::client::Client, Vec<ZoneName>), AppError> {
    use sks_api::client::{Client, ClientConfig};
    use sks_api::sign::Credentials;

    let credentials = state
        .accounts
        .credentials(org)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| {
            AppError::Conflict(
                "this organization has no orchestration credentials; an owner can set them in Settings"
                    .into(),
            )
        })?;
    let secret = state.sealer.open(&credentials.secret_sealed).map_err(|e| {
        tracing::error!(%e, "cannot open the organization's API secret");
        AppError::Internal("the stored API secret cannot be opened with this portal's key".into())
    })?;
    let endpoint = if credentials.kind == EMBEDDED {
        &state.orchestration.endpoint
    } else {
        &state.exoscale_endpoint
    };
    let client = Client::new(
        ClientConfig::with_endpoint(endpoint),
        Credentials::new(credentials.api_key, secret),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let zones = credentials
        .zones
        .iter()
        .map(|z| ZoneName::from_wire(z))
        .filter(ZoneName::is_known)
        .collect();
    Ok((client, zones))
}
