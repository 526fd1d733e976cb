//! Upgrading a cluster's Kubernetes version: which versions are allowed, the pre-flight check
//! (deprecated APIs the workloads still use), and the upgrade plan — the control plane, then
//! each nodepool cycled (new nodes added, old ones evicted) — which runs in the background,
//! survives restarts, and shows its progress.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where a step of a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    /// Nothing to do (an empty nodepool, or one deleted meanwhile).
    Skipped,
    Failed,
}

impl StepStatus {
    /// The word the status badge shows.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }
}

/// One step: the control plane (no nodepool) or one nodepool's cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub title: String,
    /// The nodepool this step cycles; none for the control plane.
    pub nodepool: Option<String>,
    pub status: StepStatus,
    /// Progress in words, e.g. "2 of 3 nodes replaced".
    pub detail: String,
    /// The nodepool's size when its cycle began.
    #[serde(default)]
    pub original_size: Option<i64>,
    /// The instances that ran the old version when the cycle began.
    #[serde(default)]
    pub old_instances: Vec<String>,
    /// The old instances being replaced in the current round.
    #[serde(default)]
    pub batch: Vec<String>,
    /// The round's new nodes run; the batch is being evicted.
    #[serde(default)]
    pub evicting: bool,
}

impl PlanStep {
    /// The control plane's step.
    pub fn control_plane(to: &str) -> PlanStep {
        PlanStep {
            title: format!("Control plane to Kubernetes {to}"),
            nodepool: None,
            status: StepStatus::Pending,
            detail: String::new(),
            original_size: None,
            old_instances: vec![],
            batch: vec![],
            evicting: false,
        }
    }

    /// A nodepool's cycle.
    pub fn nodepool(id: &str, name: &str) -> PlanStep {
        PlanStep {
            title: format!("Nodepool {name}: replace every node"),
            nodepool: Some(id.to_owned()),
            ..PlanStep::control_plane("")
        }
    }
}

/// An upgrade plan and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradePlan {
    pub id: String,
    pub zone: String,
    pub cluster_id: String,
    pub from_version: String,
    pub to_version: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub message: Option<String>,
    pub steps: Vec<PlanStep>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An API the cluster's workloads still use that a later release removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeprecatedApi {
    /// `group/version resource`, e.g. `policy/v1beta1 podsecuritypolicies`.
    pub api: String,
    /// The Kubernetes release that removes it.
    pub removed_in: String,
}

/// What the upgrade page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeOptions {
    pub name: String,
    pub state: String,
    pub current: String,
    /// Versions allowed from here, newest first.
    pub allowed: Vec<String>,
    /// Why nothing is allowed, when that is the case.
    pub none_because: Option<String>,
    pub deprecated: Vec<DeprecatedApi>,
    pub nodepools: Vec<(String, i64)>,
    pub may_upgrade: bool,
}

fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().ok());
    let parsed = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(parsed)
}

/// The versions `current` may go to among `offered`: a newer patch of its own minor; once on
/// the newest patch offered for it, the next minor. Newest first.
pub fn allowed_upgrades(current: &str, offered: &[String]) -> Vec<String> {
    let Some((major, minor, patch)) = parse_version(current) else {
        return vec![];
    };
    let mut versions: Vec<((u32, u32, u32), &String)> = offered
        .iter()
        .filter_map(|v| parse_version(v).map(|p| (p, v)))
        .collect();
    versions.sort_by_key(|(parsed, _)| std::cmp::Reverse(*parsed));
    let patches: Vec<String> = versions
        .iter()
        .filter(|((ma, mi, pa), _)| *ma == major && *mi == minor && *pa > patch)
        .map(|(_, v)| (*v).clone())
        .collect();
    if !patches.is_empty() {
        return patches;
    }
    versions
        .iter()
        .filter(|((ma, mi, _), _)| *ma == major && *mi == minor + 1)
        .map(|(_, v)| (*v).clone())
        .collect()
}

/// The upgrade page: allowed versions, the pre-flight check, the nodepools that will cycle.
#[server(endpoint = "get_upgrade_options")]
pub async fn get_upgrade_options(zone: String, id: String) -> Result<UpgradeOptions, AppError> {
    use crate::ssr::accounts::authz::{Action, permits};
    use crate::ssr::auth::require;
    use crate::ssr::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let state = crate::ssr::app_state()?;
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
    use crate::ssr::accounts::authz::Action;
    use crate::ssr::auth::require;

    let caller = require(Action::Read).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::app_state()?;
    crate::ssr::upgrades::latest(&state, org, &zone, &id).await
}

/// Starts upgrading the cluster to `version` (one of the allowed ones), or resumes its failed
/// plan to the same version.
#[server(endpoint = "start_upgrade")]
pub async fn start_upgrade(zone: String, id: String, version: String) -> Result<(), AppError> {
    use crate::error::FieldError;
    use crate::ssr::accounts::authz::Action;
    use crate::ssr::auth::{audit, require};
    use crate::ssr::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Upgrade).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::app_state()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let latest = crate::ssr::upgrades::latest(&state, org, &zone, &id).await?;
    let plan = match latest {
        Some(plan) if plan.state == "running" => {
            return Err(AppError::Conflict(format!(
                "an upgrade to {} is already running",
                plan.to_version
            )));
        }
        Some(mut plan) if plan.state == "failed" && plan.to_version == version.trim() => {
            crate::ssr::upgrades::resume_failed(&state, &mut plan).await?;
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
            crate::ssr::upgrades::create(
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
    crate::ssr::upgrades::spawn(state.clone(), org.to_owned(), caller.clone(), plan);
    // Viewers of this cluster and of the list see the change at once.
    state.live.poke(org, &zone, &id);
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect(&format!("/clusters/{zone}/{id}/upgrade"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Vec<String> {
        ["1.36.3", "1.35.6", "1.34.10"].map(String::from).to_vec()
    }

    #[test]
    fn a_newer_patch_comes_before_the_next_minor() {
        let mut with_patches = offered();
        with_patches.push("1.35.5".into());
        assert_eq!(
            allowed_upgrades("1.35.4", &with_patches),
            ["1.35.6", "1.35.5"]
        );
        assert_eq!(allowed_upgrades("1.35.5", &offered()), ["1.35.6"]);
    }

    #[test]
    fn the_next_minor_once_on_its_latest_patch_and_never_two_minors() {
        assert_eq!(allowed_upgrades("1.35.6", &offered()), ["1.36.3"]);
        assert_eq!(allowed_upgrades("1.34.10", &offered()), ["1.35.6"]);
        assert_eq!(
            allowed_upgrades("1.33.12", &offered()),
            ["1.34.10"],
            "an unsupported minor may still move up one"
        );
        assert!(allowed_upgrades("1.36.3", &offered()).is_empty());
        assert!(allowed_upgrades("not a version", &offered()).is_empty());
    }
}
