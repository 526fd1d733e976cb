//! Upgrade and recycle plans: stored in the portal database, run by a background task per plan,
//! resumed at start. An upgrade is the control plane, then every nodepool cycled; a recycle is
//! one nodepool's nodes (or one node) cycled without a version change — the same step, the same
//! engine. Every step is idempotent and re-reads the cluster before acting, so a plan
//! interrupted anywhere (a restart, a failed call) continues from what the cluster shows; while
//! the orchestration API is out, the plan waits for it rather than failing.
//!
//! A nodepool is cycled in rounds of at most its step's surge ([`MAX_SURGE`] for an upgrade): grow the pool by the round's
//! size (new nodes boot with the new version), wait until every node runs, then evict the
//! round's old nodes (the pool shrinks back). Capacity never drops below the original size.
//!
//! Invariant: at most one running plan per cluster, of either kind (a unique index in the
//! store): an upgrade and a recycle never cycle a cluster's pools at once. One process
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
    DeprecatedApi, PlanKind, PlanStep, StepStatus, UpgradeOptions, UpgradePlan, allowed_upgrades,
};
use serde::{Deserialize, Serialize};

/// Old nodes replaced per round of an upgrade.
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

/// A step as stored: what the page shows, and the engine's bookkeeping beside it (flattened,
/// so plans stored before the two were separated read the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStep {
    #[serde(flatten)]
    pub shown: PlanStep,
    /// New nodes per round; none: [`MAX_SURGE`].
    #[serde(default)]
    pub surge: Option<usize>,
    /// Replace only these instances (one node's recycle); empty: every node of the pool.
    #[serde(default)]
    pub only: Vec<String>,
    /// The nodepool's size when its cycle began.
    #[serde(default)]
    pub original_size: Option<i64>,
    /// The instances to replace, as they were when the cycle began.
    #[serde(default)]
    pub old_instances: Vec<String>,
    /// The old instances being replaced in the current round.
    #[serde(default)]
    pub batch: Vec<String>,
    /// The round's new nodes run; the batch is being evicted.
    #[serde(default)]
    pub evicting: bool,
}

impl From<PlanStep> for StoredStep {
    fn from(shown: PlanStep) -> StoredStep {
        StoredStep {
            shown,
            surge: None,
            only: vec![],
            original_size: None,
            old_instances: vec![],
            batch: vec![],
            evicting: false,
        }
    }
}

impl StoredStep {
    /// Every node of a pool replaced, `surge` at a time, the version kept.
    pub fn recycle_pool(id: &str, name: &str, surge: usize) -> StoredStep {
        StoredStep {
            surge: Some(surge),
            ..StoredStep::from(PlanStep {
                title: format!("Recycle nodepool {name}, {surge} node(s) at a time"),
                ..PlanStep::nodepool(id, name)
            })
        }
    }

    /// One node of a pool replaced.
    pub fn recycle_node(pool_id: &str, pool_name: &str, node_id: &str, node: &str) -> StoredStep {
        StoredStep {
            surge: Some(1),
            only: vec![node_id.to_owned()],
            ..StoredStep::from(PlanStep {
                title: format!("Recycle node {node} of nodepool {pool_name}"),
                ..PlanStep::nodepool(pool_id, pool_name)
            })
        }
    }
}

/// A plan as the engine runs it: the plan, and its steps as stored.
pub struct Running {
    plan: UpgradePlan,
    steps: Vec<StoredStep>,
}

impl Running {
    /// The plan with its steps as the page shows them.
    pub fn shown(&self) -> UpgradePlan {
        UpgradePlan {
            steps: self.steps.iter().map(|s| s.shown.clone()).collect(),
            ..self.plan.clone()
        }
    }
}

fn running_from_row(row: &sqlx::any::AnyRow) -> Result<Running, sqlx::Error> {
    let steps: String = row.try_get("steps")?;
    let kind: String = row.try_get("kind")?;
    let plan = UpgradePlan {
        id: row.try_get("id")?,
        kind: PlanKind::from_stored(&kind),
        zone: row.try_get("zone")?,
        cluster_id: row.try_get("cluster_id")?,
        from_version: row.try_get("from_version")?,
        to_version: row.try_get("to_version")?,
        state: row.try_get("state")?,
        message: row.try_get("message")?,
        steps: vec![],
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    };
    Ok(Running {
        plan,
        steps: serde_json::from_str(&steps).unwrap_or_default(),
    })
}

/// The cluster's newest plan as the engine keeps it.
async fn newest(
    portal: &Portal,
    org: &str,
    zone: &str,
    cluster: &str,
) -> Result<Option<Running>, AppError> {
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
    row.map(|r| running_from_row(&r))
        .transpose()
        .map_err(db_failure)
}

/// The cluster's newest plan, of either kind.
pub async fn latest(
    portal: &Portal,
    org: &str,
    zone: &str,
    cluster: &str,
) -> Result<Option<UpgradePlan>, AppError> {
    Ok(newest(portal, org, zone, cluster).await?.map(|r| r.shown()))
}

/// The cluster's running plan, if one runs.
pub async fn running(
    portal: &Portal,
    org: &str,
    zone: &str,
    cluster: &str,
) -> Result<Option<UpgradePlan>, AppError> {
    Ok(latest(portal, org, zone, cluster)
        .await?
        .filter(UpgradePlan::running))
}

/// "… is running on this cluster", naming the plan.
pub fn busy_with(plan: Option<&UpgradePlan>) -> AppError {
    let what = plan
        .map(UpgradePlan::described)
        .unwrap_or_else(|| "an upgrade or a recycle".into());
    AppError::Conflict(format!(
        "{what} is running on this cluster; one runs at a time: wait for it to finish."
    ))
}

/// What a new plan is: its kind, the versions (a recycle keeps its version: both the same),
/// its steps.
pub struct NewPlan {
    pub kind: PlanKind,
    pub from: String,
    pub to: String,
    pub steps: Vec<StoredStep>,
}

/// Stores a new running plan; `Conflict`, naming what runs, when the cluster already has a
/// plan running, of either kind.
pub async fn create(
    portal: &Portal,
    org: &str,
    user: &str,
    zone: &str,
    cluster: &str,
    new: NewPlan,
) -> Result<Running, AppError> {
    let now = super::now_ms();
    let plan = UpgradePlan {
        id: uuid::Uuid::new_v4().to_string(),
        kind: new.kind,
        zone: zone.to_owned(),
        cluster_id: cluster.to_owned(),
        from_version: new.from,
        to_version: new.to,
        state: "running".into(),
        message: None,
        steps: vec![],
        created_at: now,
        updated_at: now,
    };
    let steps = serde_json::to_string(&new.steps).unwrap_or_else(|_| "[]".into());
    let inserted = sqlx::query(
        "INSERT INTO upgrade_plans (id, org_id, zone, cluster_id, from_version, to_version, \
         state, message, steps, created_by, created_at, updated_at, kind) \
         VALUES ($1, $2, $3, $4, $5, $6, 'running', NULL, $7, $8, $9, $9, $10)",
    )
    .bind(&plan.id)
    .bind(org)
    .bind(zone)
    .bind(cluster)
    .bind(&plan.from_version)
    .bind(&plan.to_version)
    .bind(&steps)
    .bind(user)
    .bind(now)
    .bind(plan.kind.as_str())
    .execute(portal.store.pool())
    .await;
    match inserted {
        Ok(_) => Ok(Running {
            plan,
            steps: new.steps,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let other = running(portal, org, zone, cluster).await.ok().flatten();
            Err(busy_with(other.as_ref()))
        }
        Err(other) => Err(db_failure(other)),
    }
}

async fn save(portal: &Portal, running: &mut Running) -> Result<(), AppError> {
    running.plan.updated_at = super::now_ms();
    let plan = &running.plan;
    let steps = serde_json::to_string(&running.steps).unwrap_or_else(|_| "[]".into());
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
pub async fn resume_failed(portal: &Portal, running: &mut Running) -> Result<(), AppError> {
    running.plan.state = "running".into();
    running.plan.message = None;
    for step in &mut running.steps {
        if step.shown.status == StepStatus::Failed {
            step.shown.status = StepStatus::Running;
        }
    }
    // The unique index refuses it if another plan started meanwhile.
    save(portal, running).await.map_err(|_| busy_with(None))
}

/// Runs `plan` in the background.
pub fn spawn(portal: Portal, org: String, caller: Caller, plan: Running) {
    tokio::spawn(async move {
        let id = plan.plan.id.clone();
        run(portal, org, Some(caller), plan).await;
        tracing::info!(plan = %id, "plan task ended");
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
        let plan = running_from_row(&row).map_err(db_failure)?;
        tracing::info!(plan = %plan.plan.id, kind = plan.plan.kind.as_str(), cluster = %plan.plan.cluster_id, "resuming a plan");
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

async fn run(portal: Portal, org: String, caller: Option<Caller>, mut plan: Running) {
    let mut errors = 0;
    let mut outage: Option<(std::time::Instant, u32)> = None;
    let (zone, cluster) = (plan.plan.zone.clone(), plan.plan.cluster_id.clone());
    for index in 0..plan.steps.len() {
        if matches!(
            plan.steps[index].shown.status,
            StepStatus::Done | StepStatus::Skipped
        ) {
            continue;
        }
        plan.steps[index].shown.status = StepStatus::Running;
        let _ = save(&portal, &mut plan).await;
        portal.live.poke(&org, &zone, &cluster);
        loop {
            let before = plan.steps[index].clone();
            let result = advance(&portal, &org, &plan.plan, &mut plan.steps[index]).await;
            let moved = plan.steps[index] != before;
            let answered = !matches!(result, Err(Failed { outage: true, .. }));
            if answered && outage.take().is_some() {
                tracing::info!(plan = %plan.plan.id, "orchestration API back; the plan goes on");
            }
            let mut outage_pause = None;
            let mut give_up = None;
            match result {
                Ok(Progress::Done) => {
                    let step = &mut plan.steps[index].shown;
                    if step.status == StepStatus::Running {
                        step.status = StepStatus::Done;
                    }
                    errors = 0;
                    let _ = save(&portal, &mut plan).await;
                    portal.live.poke(&org, &zone, &cluster);
                    break;
                }
                Ok(Progress::Wait) => {
                    errors = 0;
                    if moved {
                        let _ = save(&portal, &mut plan).await;
                        // The plan moved on: viewers' watchers look now, not at their next poll.
                        portal.live.poke(&org, &zone, &cluster);
                    }
                }
                Err(Failed {
                    message,
                    outage: true,
                }) => {
                    let (since, tries) = outage.get_or_insert((std::time::Instant::now(), 0));
                    *tries += 1;
                    if *tries == 1 {
                        tracing::warn!(plan = %plan.plan.id, %message, "orchestration API out; the plan waits");
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
                    tracing::warn!(plan = %plan.plan.id, %message, errors, "plan step failed");
                    if errors >= MAX_ERRORS {
                        give_up = Some(message);
                    }
                }
            }
            if let Some(message) = give_up {
                plan.steps[index].shown.status = StepStatus::Failed;
                plan.steps[index].shown.detail = message.clone();
                plan.plan.state = "failed".into();
                plan.plan.message = Some(message);
                let _ = save(&portal, &mut plan).await;
                portal.live.poke(&org, &zone, &cluster);
                finish(&portal, caller.as_ref(), &plan.shown(), "failure").await;
                return;
            }
            tokio::time::sleep(outage_pause.unwrap_or(TICK * errors.max(1))).await;
        }
    }
    plan.plan.state = "done".into();
    let _ = save(&portal, &mut plan).await;
    portal.live.poke(&org, &zone, &cluster);
    finish(&portal, caller.as_ref(), &plan.shown(), "success").await;
}

/// The audit record of a plan: its action and target.
pub fn audit_of(plan: &UpgradePlan) -> (&'static str, String) {
    let cluster = super::orchestration::cluster_target(&plan.zone, &plan.cluster_id);
    match plan.kind {
        PlanKind::Upgrade => (
            "cluster.upgrade",
            format!("{cluster} ({} → {})", plan.from_version, plan.to_version),
        ),
        PlanKind::Recycle => {
            let step = plan.steps.first();
            let pool = step.and_then(|s| s.nodepool.clone()).unwrap_or_default();
            let what = step.map(|s| s.title.as_str()).unwrap_or_default();
            (
                "nodepool.recycle",
                format!("{cluster}/nodepool/{pool} ({what})"),
            )
        }
    }
}

async fn finish(portal: &Portal, caller: Option<&Caller>, plan: &UpgradePlan, outcome: &str) {
    if let Some(caller) = caller {
        let (action, target) = audit_of(plan);
        portal
            .audit(caller, action, Some(&target), outcome, None)
            .await;
    }
}

/// One look at the cluster and, if due, one action for `step`.
async fn advance(
    portal: &Portal,
    org: &str,
    plan: &UpgradePlan,
    stored: &mut StoredStep,
) -> Result<Progress, Failed> {
    use sks_api::{ClusterState, InstanceState, NodepoolState};

    let (client, _) = client_for(portal, org).await?;
    let zone = sks_api::ZoneName::from_wire(&plan.zone);
    let cluster_id: uuid::Uuid = plan.cluster_id.parse().map_err(|_| "bad cluster id")?;
    let cluster = client.get_sks_cluster(&zone, cluster_id).await?;

    let surge = stored.surge.unwrap_or(MAX_SURGE).max(1);
    let step = stored;
    let Some(pool_id) = step.shown.nodepool.clone() else {
        // The control plane.
        let version = cluster.version.clone().unwrap_or_default();
        let running = cluster.state == Some(ClusterState::Running);
        if version == plan.to_version && running {
            step.shown.detail = format!("Kubernetes {version}");
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
                Ok(_) => step.shown.detail = format!("upgrading from {version}"),
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
        step.shown.status = StepStatus::Skipped;
        step.shown.detail = "the nodepool was deleted".into();
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
            step.old_instances = if step.only.is_empty() {
                ids.clone()
            } else {
                // One node's recycle: only it (if it is still there).
                step.only
                    .iter()
                    .filter(|i| ids.contains(i))
                    .cloned()
                    .collect()
            };
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
    step.shown.detail = format!("{} of {total} nodes replaced", total - remaining.len());
    if step.batch.is_empty() {
        if remaining.is_empty() {
            if total == 0 {
                step.shown.status = StepStatus::Skipped;
                step.shown.detail = if step.only.is_empty() {
                    "no nodes to replace".into()
                } else {
                    "the node was already gone".into()
                };
            }
            return Ok(Progress::Done);
        }
        step.batch = remaining.iter().take(surge).cloned().collect();
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

/// The APIs the cluster's workloads still use that a later release removes.
pub async fn deprecated_apis(
    scope: &super::orchestration::ClusterScope,
) -> Result<Vec<DeprecatedApi>, AppError> {
    Ok(scope
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
        .collect())
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
    let deprecated = deprecated_apis(&scope).await?;
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
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let same = |failed: &UpgradePlan| {
        failed.kind == PlanKind::Upgrade && failed.to_version == version.trim()
    };
    let new = async {
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
        let mut steps = vec![StoredStep::from(PlanStep::control_plane(version.trim()))];
        for pool in cluster.nodepools.unwrap_or_default() {
            if let Some(pool_id) = pool.id {
                steps.push(StoredStep::from(PlanStep::nodepool(
                    &pool_id.to_string(),
                    pool.name.as_deref().unwrap_or_default(),
                )));
            }
        }
        Ok(NewPlan {
            kind: PlanKind::Upgrade,
            from: current,
            to: version.trim().to_owned(),
            steps,
        })
    };
    begin(portal, caller, zone, id, same, new).await
}

/// Starts a plan on cluster `id` for `caller`: refused while any plan runs on it; the newest
/// plan resumed when it failed and `same` says it is the one asked for again; otherwise the
/// plan `new` makes (awaited only then: its checks run only for a new plan) is stored. Audited
/// as started, run in the background, and the cluster's viewers told at once.
pub async fn begin(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    same: impl Fn(&UpgradePlan) -> bool,
    new: impl std::future::Future<Output = Result<NewPlan, AppError>>,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let newest = newest(portal, org, zone, id).await?;
    if let Some(running) = newest.as_ref().filter(|n| n.plan.running()) {
        return Err(busy_with(Some(&running.shown())));
    }
    let plan = match newest.filter(|n| n.plan.state == "failed" && same(&n.shown())) {
        Some(mut failed) => {
            resume_failed(portal, &mut failed).await?;
            failed
        }
        None => create(portal, org, &caller.user.id, zone, id, new.await?).await?,
    };
    let (action, target) = audit_of(&plan.shown());
    portal
        .audit(caller, action, Some(&target), "started", None)
        .await;
    spawn(portal.clone(), org.to_owned(), caller.clone(), plan);
    // Viewers of this cluster and of the list see the change at once.
    portal.live.poke(org, zone, id);
    Ok(())
}
