//! Facts about this installation of the portal.

use leptos::prelude::*;

use crate::error::AppError;
use crate::installation::PortalFacts;

/// Reads facts about this installation from the portal store.
#[server(endpoint = "portal_info")]
pub async fn portal_info() -> Result<PortalFacts, AppError> {
    use crate::ssr::accounts::authz::Action;
    crate::ssr::auth::require(Action::Read).await?;
    let state = crate::ssr::app_state()?;
    let installation = state.store.installation().await.map_err(|e| {
        tracing::warn!(error = %e, "reading installation facts failed");
        AppError::Unavailable {
            service: "The portal database".into(),
            message: "it did not answer".into(),
        }
    })?;
    let orchestration = &state.orchestration;
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
        installed_at: format_utc_ms(installation.installed_at_ms),
        orchestration: format!("{} ({})", orchestration.kind, orchestration.endpoint),
        versions,
        orchestration_error,
    })
}

/// Unix milliseconds as RFC 3339 in UTC.
#[cfg(feature = "ssr")]
pub fn format_utc_ms(ms: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "unknown".to_owned())
}
