//! Upgrade plans: stored in the portal database, run by a background task per plan, resumed at
//! start. Every step is idempotent and re-reads the cluster before acting, so a plan
//! interrupted anywhere (a restart, a failed call) continues from what the cluster shows; while
//! the orchestration API is out, the plan waits for it rather than failing.
//!
//! A nodepool is cycled in rounds of at most [`MAX_SURGE`] nodes: grow the pool by the round's
//! size (new nodes boot with the new version), wait until every node runs, then evict the
//! round's old nodes (the pool shrinks back). Capacity never drops below the original size.
//!
//! Invariant: at most one running plan per cluster (a unique index in the store). One process
//! runs a plan at a time; two replicas resuming at the same start could both run one (they
//! would issue the same idempotent calls; a lease would make it one).

use std::time::Duration;

use sqlx::Row;

use super::Portal;
use super::accounts::authz::{Action, permits};
use super::auth::{Caller, store_failure};
use super::orchestration::{client_for, cluster_scope, upstream_failure};
use portal_types::error::{AppError, FieldError};
use portal_types::upgrades::{
    DeprecatedApi, PlanStep, StepStatus, UpgradeOptions, UpgradePlan, allowed_upgrades,
};

/// Old nodes replaced per round.
pub const MAX_SURGE: usize = 2;
/// Pause between two looks at the cluster while waiting.
const TICK: Duration = Duration::from_secs(1);
/// Failed calls in a row before the plan stops as failed (it can be resumed). An outage of the
/// orchestration API does not count: the plan rides it out for up to
/// [`OUTAGE_PATIENCE`](super::orchestration::OUTAGE_PATIENCE).
const MAX_ERRORS: u32 = 8;
/// Longest pause between two tries while the orchestration API is out.
const MAX_OUTAGE_PAUSE: Duration = Duration::from_secs(5);

/// Why one look at the cluster did not get through.
struct Failed {
    message: String,
    /// The orchestration API is out (unreachable, hanging, 5xx): wait for it, it is not the
    /// plan's fault.
    outage: bool,
}

impl From<sks_api::client::Error> for Failed {
    fn from(error: sks_api::client::Error) -> Failed {
        Failed {
            outage: error.is_outage(),
            message: error.to_string(),
        }
    }
}

impl From<AppError> for Failed {
    fn from(error: AppError) -> Failed {
        Failed {
            outage: false,
            message: error.to_string(),
        }
    }
}

impl From<&str> for Failed {
    fn from(message: &str) -> Failed {
        Failed {
            outage: false,
            message: message.to_owned(),
        }
    }
}

fn db_failure(error: sqlx::Error) -> AppError {
    store_failure(super::accounts::AccountError::from(error))
}

fn plan_from_row(row: &sqlx::any::AnyRow) -> Result<UpgradePlan, sqlx::Error> {
    let steps: String = row.try_get("steps")?;
    Ok(UpgradePlan {
        id: row.try_get("id")?,
        zone: row.try_get("zone")?,
        cluster_id: row.try_get("cluster_id")?,
        from_version: row.try_get("from_version")?,
        to_version: row.try_get("to_version")?,
        state: row.try_get("state")?,
        message: row.try_get("message")?,
        steps: serde_json::from_str(&steps).unwrap_or_default(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The cluster's newest plan.
pub async fn latest(
    portal: &Portal,
    org: &str,
    zone: &str,
    cluster: &str,
) -> Result<Option<UpgradePlan>, AppError> {
    let row = sqlx::query(
        "SELECT * FROM upgrade_plans WHERE org_id = $1 AND zone = $2 AND cluster_id = $3 \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(org)
    .bind(zone)
    .bind(cluster)
    .fetch_optional(portal.store.pool())
    .await
    .map_err(db_failure)?;
    row.map(|r| plan_from_row(&r))
        .transpose()
        .map_err(db_failure)
}

/// Stores a new running plan; `Conflict` when the cluster already has one running.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    portal: &Portal,
    org: &str,
    user: &str,
    zone: &str,
    cluster: &str,
    from: &str,
    to: &str,
    steps: Vec<PlanStep>,
) -> Result<UpgradePlan, AppError> {
    let now = super::now_ms();
    let plan = UpgradePlan {
        id: uuid::Uuid::new_v4().to_string(),
        zone: zone.to_owned(),
        cluster_id: cluster.to_owned(),
        from_version: from.to_owned(),
        to_version: to.to_owned(),
        state: "running".into(),
        message: None,
        steps,
        created_at: now,
        updated_at: now,
    };
    let steps = serde_json::to_string(&plan.steps).unwrap_or_else(|_| "[]".into());
    let inserted = sqlx::query(
        "INSERT INTO upgrade_plans (id, org_id, zone, cluster_id, from_version, to_version, \
         state, message, steps, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'running', NULL, $7, $8, $9, $9)",
    )
    .bind(&plan.id)
    .bind(org)
    .bind(zone)
    .bind(cluster)
    .bind(from)
    .bind(to)
    .bind(&steps)
    .bind(user)
    .bind(now)
    .execute(portal.store.pool())
    .await;
    match inserted {
        Ok(_) => Ok(plan),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Conflict(
            "an upgrade of this cluster is already running".into(),
        )),
        Err(other) => Err(db_failure(other)),
    }
}

async fn save(portal: &Portal, plan: &mut UpgradePlan) -> Result<(), AppError> {
    plan.updated_at = super::now_ms();
    let steps = serde_json::to_string(&plan.steps).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE upgrade_plans SET state = $1, message = $2, steps = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(&plan.state)
    .bind(&plan.message)
    .bind(&steps)
    .bind(plan.updated_at)
    .bind(&plan.id)
    .execute(portal.store.pool())
    .await
    .map_err(db_failure)?;
    Ok(())
}

/// Marks a failed plan running again (its failed step restarts from what the cluster shows).
pub async fn resume_failed(portal: &Portal, plan: &mut UpgradePlan) -> Result<(), AppError> {
    plan.state = "running".into();
    plan.message = None;
    for step in &mut plan.steps {
        if step.status == StepStatus::Failed {
            step.status = StepStatus::Running;
        }
    }
    save(portal, plan)
        .await
        .map_err(|_| AppError::Conflict("another upgrade of this cluster started meanwhile".into()))
}

/// Runs `plan` in the background.
pub fn spawn(portal: Portal, org: String, caller: Caller, plan: UpgradePlan) {
    tokio::spawn(async move {
        let id = plan.id.clone();
        run(portal, org, Some(caller), plan).await;
        tracing::info!(plan = %id, "upgrade plan task ended");
    });
}

/// Resumes every running plan (at start, after a restart or a crash).
pub async fn resume_all(portal: &Portal) -> Result<usize, AppError> {
    let rows = sqlx::query("SELECT * FROM upgrade_plans WHERE state = 'running'")
        .fetch_all(portal.store.pool())
        .await
        .map_err(db_failure)?;
    let mut resumed = 0;
    for row in rows {
        let org: String = row.try_get("org_id").map_err(db_failure)?;
        let plan = plan_from_row(&row).map_err(db_failure)?;
        tracing::info!(plan = %plan.id, cluster = %plan.cluster_id, "resuming an upgrade plan");
        let portal = portal.clone();
        tokio::spawn(run(portal, org, None, plan));
        resumed += 1;
    }
    Ok(resumed)
}

/// What one look at the cluster decided.
enum Progress {
    /// Keep waiting (the step's record may have changed: save it).
    Wait,
    Done,
}

async fn run(portal: Portal, org: String, caller: Option<Caller>, mut plan: UpgradePlan) {
    let mut errors = 0;
    let mut outage: Option<(std::time::Instant, u32)> = None;
    for index in 0..plan.steps.len() {
        if matches!(
            plan.steps[index].status,
            StepStatus::Done | StepStatus::Skipped
        ) {
            continue;
        }
        plan.steps[index].status = StepStatus::Running;
        let _ = save(&portal, &mut plan).await;
        loop {
            let before = plan.steps[index].clone();
            let result = advance(&portal, &org, &plan.clone(), &mut plan.steps[index]).await;
            let moved = plan.steps[index] != before;
            if moved {
                // The plan moved on: viewers' watchers look now rather than at their next poll.
                portal.live.poke(&org, &plan.zone, &plan.cluster_id);
            }
            let answered = !matches!(result, Err(Failed { outage: true, .. }));
            if answered && outage.take().is_some() {
                tracing::info!(plan = %plan.id, "orchestration API back; the plan goes on");
            }
            let mut outage_pause = None;
            let mut give_up = None;
            match result {
                Ok(Progress::Done) => {
                    if plan.steps[index].status == StepStatus::Running {
                        plan.steps[index].status = StepStatus::Done;
                    }
                    errors = 0;
                    let _ = save(&portal, &mut plan).await;
                    break;
                }
                Ok(Progress::Wait) => {
                    errors = 0;
                    if moved {
                        let _ = save(&portal, &mut plan).await;
                    }
                }
                Err(Failed {
                    message,
                    outage: true,
                }) => {
                    let (since, tries) = outage.get_or_insert((std::time::Instant::now(), 0));
                    *tries += 1;
                    if *tries == 1 {
                        tracing::warn!(plan = %plan.id, %message, "orchestration API out; the plan waits");
                    }
                    if since.elapsed() >= super::orchestration::OUTAGE_PATIENCE {
                        give_up = Some(format!(
                            "the orchestration API was out for too long: {message}"
                        ));
                    }
                    outage_pause = Some((TICK * *tries).min(MAX_OUTAGE_PAUSE));
                }
                Err(Failed { message, .. }) => {
                    errors += 1;
                    tracing::warn!(plan = %plan.id, %message, errors, "upgrade step failed");
                    if errors >= MAX_ERRORS {
                        give_up = Some(message);
                    }
                }
            }
            if let Some(message) = give_up {
                plan.steps[index].status = StepStatus::Failed;
                plan.steps[index].detail = message.clone();
                plan.state = "failed".into();
                plan.message = Some(message);
                let _ = save(&portal, &mut plan).await;
                finish(&portal, caller.as_ref(), &plan, "failure").await;
                return;
            }
            tokio::time::sleep(outage_pause.unwrap_or(TICK * errors.max(1))).await;
        }
    }
    plan.state = "done".into();
    let _ = save(&portal, &mut plan).await;
    finish(&portal, caller.as_ref(), &plan, "success").await;
}

async fn finish(portal: &Portal, caller: Option<&Caller>, plan: &UpgradePlan, outcome: &str) {
    if let Some(caller) = caller {
        let target = format!(
            "{} ({} → {})",
            super::orchestration::cluster_target(&plan.zone, &plan.cluster_id),
            plan.from_version,
            plan.to_version
        );
        portal
            .audit(caller, "cluster.upgrade", Some(&target), outcome, None)
            .await;
    }
}

/// One look at the cluster and, if due, one action for `step`.
async fn advance(
    portal: &Portal,
    org: &str,
    plan: &UpgradePlan,
    step: &mut PlanStep,
) -> Result<Progress, Failed> {
    use sks_api::{ClusterState, InstanceState, NodepoolState};

    let (client, _) = client_for(portal, org).await?;
    let zone = sks_api::ZoneName::from_wire(&plan.zone);
    let cluster_id: uuid::Uuid = plan.cluster_id.parse().map_err(|_| "bad cluster id")?;
    let cluster = client.get_sks_cluster(&zone, cluster_id).await?;

    let Some(pool_id) = step.nodepool.clone() else {
        // The control plane.
        let version = cluster.version.clone().unwrap_or_default();
        let running = cluster.state == Some(ClusterState::Running);
        if version == plan.to_version && running {
            step.detail = format!("Kubernetes {version}");
            return Ok(Progress::Done);
        }
        if running {
            match client
                .upgrade_sks_cluster(
                    &zone,
                    cluster_id,
                    &sks_api::UpgradeSksClusterRequest {
                        version: plan.to_version.clone(),
                    },
                )
                .await
            {
                Ok(_) => step.detail = format!("upgrading from {version}"),
                Err(e) if e.is_busy() => {}
                Err(e) => return Err(e.into()),
            }
        }
        return Ok(Progress::Wait);
    };

    let Some(pool) = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.id.map(|i| i.to_string()).as_deref() == Some(pool_id.as_str()))
    else {
        step.status = StepStatus::Skipped;
        step.detail = "the nodepool was deleted".into();
        return Ok(Progress::Done);
    };
    let pool_uuid = pool.id.unwrap_or_default();
    let instances = match pool.instance_pool {
        Some(reference) => client
            .get_instance_pool(&zone, reference.id)
            .await?
            .instances
            .unwrap_or_default(),
        None => vec![],
    };
    let ids: Vec<String> = instances.iter().map(|i| i.id.to_string()).collect();
    let all_running = instances
        .iter()
        .all(|i| i.state == Some(InstanceState::Running));
    let pool_idle = pool.state == Some(NodepoolState::Running);
    let size = pool.size.unwrap_or_default();

    let original = match step.original_size {
        Some(original) => original,
        None => {
            step.original_size = Some(size);
            step.old_instances = ids.clone();
            size
        }
    };
    let remaining: Vec<String> = step
        .old_instances
        .iter()
        .filter(|i| ids.contains(i))
        .cloned()
        .collect();
    let total = step.old_instances.len();
    step.detail = format!("{} of {total} nodes replaced", total - remaining.len());
    if step.batch.is_empty() {
        if remaining.is_empty() {
            if total == 0 {
                step.status = StepStatus::Skipped;
                step.detail = "no nodes to replace".into();
            }
            return Ok(Progress::Done);
        }
        step.batch = remaining.iter().take(MAX_SURGE).cloned().collect();
        step.evicting = false;
    }
    if !step.evicting {
        let wanted = original + step.batch.len() as i64;
        if size < wanted {
            if pool_idle {
                let scaled = client
                    .scale_sks_nodepool(&zone, cluster_id, pool_uuid, wanted)
                    .await;
                // Busy: the pool is still changing; the next tick asks again.
                if let Err(e) = scaled
                    && !e.is_busy()
                {
                    return Err(e.into());
                }
            }
            return Ok(Progress::Wait);
        }
        if pool_idle && all_running && instances.len() as i64 >= wanted {
            step.evicting = true;
        }
        return Ok(Progress::Wait);
    }
    let present: Vec<uuid::Uuid> = step
        .batch
        .iter()
        .filter(|i| ids.contains(i))
        .filter_map(|i| i.parse().ok())
        .collect();
    if !present.is_empty() {
        if pool_idle {
            let evicted = client
                .evict_sks_nodepool_members(&zone, cluster_id, pool_uuid, present)
                .await;
            if let Err(e) = evicted
                && !e.is_busy()
            {
                return Err(e.into());
            }
        }
        return Ok(Progress::Wait);
    }
    if pool_idle && all_running {
        step.batch.clear();
        step.evicting = false;
    }
    Ok(Progress::Wait)
}

/// The upgrade page's data: the versions allowed from the cluster's, the pre-flight check
/// (deprecated APIs its workloads still use), the nodepools that will cycle.
pub async fn options(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<UpgradeOptions, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;
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

/// Starts upgrading the cluster to `version` (one of the allowed ones), or resumes its failed
/// plan to the same version; the plan runs in the background.
pub async fn start(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    version: &str,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let latest = latest(portal, org, zone, id).await?;
    let plan = match latest {
        Some(plan) if plan.state == "running" => {
            return Err(AppError::Conflict(format!(
                "an upgrade to {} is already running",
                plan.to_version
            )));
        }
        Some(mut plan) if plan.state == "failed" && plan.to_version == version.trim() => {
            resume_failed(portal, &mut plan).await?;
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
            create(
                portal,
                org,
                &caller.user.id,
                zone,
                id,
                &current,
                version.trim(),
                steps,
            )
            .await?
        }
    };
    portal
        .audit(
            caller,
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
    spawn(portal.clone(), org.to_owned(), caller.clone(), plan);
    // Viewers of this cluster and of the list see the change at once.
    portal.live.poke(org, zone, id);
    Ok(())
}
