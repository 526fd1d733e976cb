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
