//! Facts about this installation of the portal.

use leptos::prelude::*;

use crate::error::AppError;
use crate::installation::PortalFacts;

/// Reads facts about this installation from the portal store.
#[server(endpoint = "portal_info")]
pub async fn portal_info() -> Result<PortalFacts, AppError> {
    use portal::accounts::authz::Action;
    let (portal, _) = crate::ssr::portal_for(Action::Read).await?;
    let installation = portal
        .store
        .installation()
        .await
        .map_err(portal::auth::store_failure)?;
    let orchestration = &portal.orchestration;
    let zone = sks_api::ZoneName::DEFAULT;
    let (versions, orchestration_error) = match orchestration
        .client
        .list_sks_cluster_versions(&zone, false)
        .await
    {
        Ok(versions) => (versions, None),
        Err(error) => {
            tracing::warn!(%error, "cannot list Kubernetes versions");
            (vec![], Some(error.to_string()))
        }
    };
    Ok(PortalFacts {
        version: crate::VERSION.to_owned(),
        database: installation.backend.label().to_owned(),
        schema_version: installation.schema_version,
        installed_at: portal::utc_rfc3339(installation.installed_at_ms),
        orchestration: format!("{} ({})", orchestration.kind, orchestration.endpoint),
        versions,
        orchestration_error,
    })
}
