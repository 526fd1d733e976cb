//! A cluster's health for the Overview's Health card: the service's inspection read into checks
//! (`portal_types::health::read_inspection`) and the deprecated APIs still in use, asked for at
//! once. An inspection that cannot be read leaves the card saying why, with the rest shown.

use portal_types::error::AppError;
use portal_types::health::{ClusterHealth, read_inspection};

use crate::Portal;
use crate::auth::Caller;
use crate::orchestration::{cluster_scope, upstream_failure};

/// The health of cluster `id` in `zone`, asked of the orchestration API now.
pub async fn health(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterHealth, AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (inspection, deprecated) = tokio::join!(
        scope
            .client
            .get_sks_cluster_inspection(&scope.zone, scope.id),
        crate::upgrades::deprecated_apis(&scope),
    );
    let (checks, checked_at, unavailable) = match inspection {
        Ok(report) => {
            let (checks, at) = read_inspection(&report);
            let empty = checks
                .is_empty()
                .then(|| "the inspection reported no checks yet".to_owned());
            (checks, at, empty)
        }
        // A cluster that is gone is gone for the whole card.
        Err(error) if error.status() == Some(404) => {
            return Err(upstream_failure(error, &scope.what));
        }
        Err(error) => (
            vec![],
            None,
            Some(upstream_failure(error, "the inspection").to_string()),
        ),
    };
    Ok(ClusterHealth {
        checked_at,
        checks,
        unavailable,
        deprecated: deprecated?,
        asked_at_ms: crate::now_ms(),
    })
}
