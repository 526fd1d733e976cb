//! Upgrading a cluster's Kubernetes version: which versions are allowed, the pre-flight check
//! (deprecated APIs the workloads still use), and the upgrade plan — the control plane, then
//! each nodepool cycled (new nodes added, old ones evicted) — which runs in the background,
//! survives restarts, and shows its progress.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::upgrades::{DeprecatedApi, PlanStep, allowed_upgrades};
use crate::upgrades::{UpgradeOptions, UpgradePlan};

/// The upgrade page: allowed versions, the pre-flight check, the nodepools that will cycle.
#[server(endpoint = "get_upgrade_options")]
pub async fn get_upgrade_options(zone: String, id: String) -> Result<UpgradeOptions, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::{Action, permits};
    use portal::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let cluster = scope.cluster().await?;
    let offered = scope
        .client
        .list_sks_cluster_versions(&scope.zone, false)
        .await
        .map_err(|e| upstream_failure(e, "the version list"))?;
    let deprecated = scope
        .client
        .list_sks_cluster_deprecated_resources(&scope.zone, scope.id)
        .await
        .map_err(|e| upstream_failure(e, &scope.what))?
        .into_iter()
        .map(|r| DeprecatedApi {
            api: format!(
                "{}/{} {}",
                r.group.unwrap_or_default(),
                r.version.unwrap_or_default(),
                r.resource.unwrap_or_default()
            )
            .trim_start_matches('/')
            .to_owned(),
            removed_in: r.removed_release.unwrap_or_default(),
        })
        .collect();
    let current = cluster.version.unwrap_or_default();
    let allowed = allowed_upgrades(&current, &offered);
    let none_because = allowed.is_empty().then(|| {
        format!(
            "Kubernetes {current} is the newest version offered ({}).",
            offered.join(", ")
        )
    });
    Ok(UpgradeOptions {
        name: cluster.name.unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        current,
        allowed,
        none_because,
        deprecated,
        nodepools: cluster
            .nodepools
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.name.unwrap_or_default(), p.size.unwrap_or_default()))
            .collect(),
        may_upgrade: permits(role, Action::Upgrade),
    })
}

/// The cluster's latest upgrade plan, if it has one (read from the portal's store only: the
/// page polls it).
#[server(endpoint = "get_upgrade_plan")]
pub async fn get_upgrade_plan(zone: String, id: String) -> Result<Option<UpgradePlan>, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::Action;

    let caller = require(Action::Read).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    portal::upgrades::latest(&state, org, &zone, &id).await
}

/// Starts upgrading the cluster to `version` (one of the allowed ones), or resumes its failed
/// plan to the same version.
#[server(endpoint = "start_upgrade")]
pub async fn start_upgrade(zone: String, id: String, version: String) -> Result<(), AppError> {
    use crate::error::FieldError;
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    use portal::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Upgrade).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let latest = portal::upgrades::latest(&state, org, &zone, &id).await?;
    let plan = match latest {
        Some(plan) if plan.state == "running" => {
            return Err(AppError::Conflict(format!(
                "an upgrade to {} is already running",
                plan.to_version
            )));
        }
        Some(mut plan) if plan.state == "failed" && plan.to_version == version.trim() => {
            portal::upgrades::resume_failed(&state, &mut plan).await?;
            plan
        }
        _ => {
            let cluster = scope.cluster().await?;
            let offered = scope
                .client
                .list_sks_cluster_versions(&scope.zone, false)
                .await
                .map_err(|e| upstream_failure(e, "the version list"))?;
            let current = cluster.version.clone().unwrap_or_default();
            let allowed = allowed_upgrades(&current, &offered);
            if !allowed.iter().any(|v| v == version.trim()) {
                let choices = if allowed.is_empty() {
                    format!("none: {current} is the newest offered")
                } else {
                    allowed.join(", ")
                };
                return Err(AppError::Validation {
                    fields: vec![FieldError::new(
                        "version",
                        format!("Choose a version allowed from {current}: {choices}."),
                    )],
                });
            }
            let mut steps = vec![PlanStep::control_plane(version.trim())];
            for pool in cluster.nodepools.unwrap_or_default() {
                if let Some(pool_id) = pool.id {
                    steps.push(PlanStep::nodepool(
                        &pool_id.to_string(),
                        pool.name.as_deref().unwrap_or_default(),
                    ));
                }
            }
            portal::upgrades::create(
                &state,
                org,
                &caller.user.id,
                &zone,
                &id,
                &current,
                version.trim(),
                steps,
            )
            .await?
        }
    };
    audit(
        &caller,
        "cluster.upgrade",
        Some(&format!(
            "{} ({} → {})",
            scope.target(),
            plan.from_version,
            plan.to_version
        )),
        "started",
        None,
    )
    .await;
    portal::upgrades::spawn(state.clone(), org.to_owned(), caller.clone(), plan);
    // Viewers of this cluster and of the list see the change at once.
    state.live.poke(org, &zone, &id);
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect(&format!("/clusters/{zone}/{id}/upgrade"));
    }
    Ok(())
}
