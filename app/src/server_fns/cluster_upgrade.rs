//! Upgrading a cluster's Kubernetes version: which versions are allowed, the pre-flight check
//! (deprecated APIs the workloads still use), and the upgrade plan — the control plane, then
//! each nodepool cycled (new nodes added, old ones evicted) — which runs in the background,
//! survives restarts, and shows its progress.

use leptos::prelude::*;

use crate::error::AppError;
use crate::upgrades::{UpgradeOptions, UpgradePlan};

/// The upgrade page: allowed versions, the pre-flight check, the nodepools that will cycle.
#[server(endpoint = "get_upgrade_options")]
pub async fn get_upgrade_options(zone: String, id: String) -> Result<UpgradeOptions, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::upgrades::options(&portal, &caller, &zone, &id).await
}

/// The cluster's latest upgrade plan, if it has one (read from the portal's store only: the
/// page polls it).
#[server(endpoint = "get_upgrade_plan")]
pub async fn get_upgrade_plan(zone: String, id: String) -> Result<Option<UpgradePlan>, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    let org = caller.org_id()?;
    portal::upgrades::latest(&portal, org, &zone, &id).await
}

/// Starts upgrading the cluster to `version` (one of the allowed ones), or resumes its failed
/// plan to the same version.
#[server(endpoint = "start_upgrade")]
pub async fn start_upgrade(zone: String, id: String, version: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Upgrade).await?;
    portal::upgrades::start(&portal, &caller, &zone, &id, &version).await?;
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect(&format!("/clusters/{zone}/{id}/upgrade"));
    }
    Ok(())
}
