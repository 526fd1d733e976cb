//! A cluster's nodepools with every setting (the Nodepools tab), and changing one: adding,
//! editing, scaling it up or down — choosing which instances leave, or letting the service
//! choose —, recycling it (every node or one, on the upgrade plans' engine) and deleting it.

use portal_types::error::{AppError, FieldError};
use portal_types::nodepools::{
    ClusterNodepools, NewNodepoolOptions, NodepoolEditOptions, NodepoolScaleInfo, NodepoolSettings,
    RecyclePlan, ScaleInstance, ScalePlan, image_gc_words, plan_edit, plan_recycle, plan_scale,
};
use portal_types::upgrades::{PlanKind, UpgradePlan};
use portal_types::wizard::form::plan_nodepool;
use portal_types::wizard::{ClusterForm, NamedChoice, NodepoolForm};

use crate::Portal;
use crate::accounts::authz::{Action, permits};
use crate::auth::Caller;
use crate::orchestration::{Change, ClusterScope, cluster_scope, conclude, upstream_failure};

/// The cluster's nodepools with every setting, groups, networks and deploy targets named (by
/// the zone's lists, read at once; an id stands for a name the zone does not give).
pub async fn list(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterNodepools, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let sks = scope.cluster().await?;
    let pools = sks.nodepools.clone().unwrap_or_default();
    let zone_name = &scope.zone;
    let (cluster, choices) = tokio::join!(
        crate::clusters::describe(&scope.client, zone_name, sks),
        crate::create::choices(&scope.client, std::slice::from_ref(zone_name), zone),
    );
    let cluster = cluster?;
    let choices = choices.unwrap_or_default();
    let targets = &choices.deploy_targets;
    let name = |offered: &[NamedChoice], reference: &sks_api::Ref| {
        let id = reference.id.to_string();
        offered
            .iter()
            .find(|c| c.id == id && !c.name.is_empty())
            .cloned()
            .unwrap_or(NamedChoice {
                name: id.clone(),
                id,
            })
    };
    let names = |offered: &[NamedChoice], refs: Option<Vec<sks_api::Ref>>| {
        refs.unwrap_or_default()
            .iter()
            .map(|r| name(offered, r))
            .collect::<Vec<_>>()
    };
    let settings = pools
        .into_iter()
        .map(|pool| NodepoolSettings {
            id: pool.id.map(|i| i.to_string()).unwrap_or_default(),
            description: pool.description.filter(|d| !d.is_empty()),
            security_groups: names(&choices.security_groups, pool.security_groups),
            anti_affinity_groups: names(&choices.anti_affinity_groups, pool.anti_affinity_groups),
            private_networks: names(&choices.private_networks, pool.private_networks),
            deploy_target: pool.deploy_target.as_ref().map(|t| name(targets, t)),
            template: pool.template.map(|t| t.id.to_string()),
            instance_prefix: pool.instance_prefix.filter(|p| !p.is_empty()),
            public_ip_assignment: pool
                .public_ip_assignment
                .map(|a| a.to_string())
                .unwrap_or_else(|| "inet4".into()),
            image_gc: pool.kubelet_image_gc.as_ref().and_then(image_gc_words),
            max_pods: pool.kubelet_max_pods,
            mig_profiles: pool
                .nvidia_mig_profiles
                .map(|m| {
                    [
                        ("a30.24gb", m.a30_24gb),
                        ("rtxpro6000.96gb", m.rtxpro6000_96gb),
                        ("b300.269gb", m.b300_269gb),
                    ]
                    .into_iter()
                    .filter_map(|(gpu, profile)| Some((gpu.to_owned(), profile?)))
                    .collect()
                })
                .unwrap_or_default(),
            created_at: pool.created_at.unwrap_or_default(),
        })
        .collect();
    let plan = crate::live::cluster::plan_to_show(portal, caller.org_id()?, zone, id).await?;
    Ok(ClusterNodepools {
        cluster,
        settings,
        plan,
        may_scale: permits(role, Action::Scale),
        may_change: permits(role, Action::Create),
        may_delete: permits(role, Action::Delete),
    })
}

/// What the add-a-nodepool page offers for cluster `id`.
pub async fn add_options(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<NewNodepoolOptions, AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (cluster, choices) = cluster_and_choices(&scope, zone).await?;
    Ok(NewNodepoolOptions {
        cluster_name: cluster.name.unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        level: cluster.level.map(|l| l.to_string()).unwrap_or_default(),
        version: cluster.version.unwrap_or_default(),
        existing: pool_names(&cluster.nodepools),
        choices,
    })
}

/// The cluster as the API shows it now, and what the wizard offers in its zone, read at once.
async fn cluster_and_choices(
    scope: &ClusterScope,
    zone: &str,
) -> Result<(sks_api::SksCluster, portal_types::wizard::WizardChoices), AppError> {
    let (cluster, choices) = tokio::join!(
        scope.cluster(),
        crate::create::choices(&scope.client, std::slice::from_ref(&scope.zone), zone),
    );
    Ok((cluster?, choices?))
}

fn pool_names(pools: &Option<Vec<sks_api::SksNodepool>>) -> Vec<String> {
    pools
        .iter()
        .flatten()
        .filter_map(|p| p.name.clone())
        .collect()
}

/// Adds the form's nodepool to running cluster `id`: checked by the wizard's own rules (and
/// named apart from the cluster's pools) before anything is sent; audited; the cluster's live
/// watchers look at once, so its pages show the pool coming up. The answer is the address of
/// the cluster's Nodepools tab.
pub async fn add(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    form: &ClusterForm,
) -> Result<String, AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (cluster, choices) = cluster_and_choices(&scope, zone).await?;
    let request = plan_nodepool(form, &choices, &pool_names(&cluster.nodepools))
        .map_err(|fields| AppError::Validation { fields })?;
    let result = scope
        .client
        .create_sks_nodepool(&scope.zone, scope.id, &request)
        .await;
    let change = Change {
        action: "nodepool.create",
        target: format!("{} nodepool {}", scope.target(), request.name),
        what: scope.what.clone(),
    };
    conclude(portal, caller, &scope, change, result).await?;
    Ok(format!("/clusters/{zone}/{id}/nodepools"))
}

/// The pool as a form: what the edit page's fields start from and what an edit is compared
/// with.
fn as_form(pool: &sks_api::SksNodepool) -> NodepoolForm {
    let ids = |refs: &Option<Vec<sks_api::Ref>>| -> Vec<String> {
        refs.iter().flatten().map(|r| r.id.to_string()).collect()
    };
    let gc = |part: fn(&sks_api::KubeletImageGc) -> Option<String>| {
        pool.kubelet_image_gc
            .as_ref()
            .and_then(part)
            .unwrap_or_default()
    };
    NodepoolForm {
        name: pool.name.clone().unwrap_or_default(),
        instance_type: pool
            .instance_type
            .map(|r| r.id.to_string())
            .unwrap_or_default(),
        size: pool.size.unwrap_or_default().to_string(),
        disk_size: pool.disk_size.unwrap_or_default().to_string(),
        labels: pool
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        taints: pool
            .taints
            .iter()
            .flatten()
            .map(|(k, t)| format!("{k}={}:{}", t.value, t.effect))
            .collect::<Vec<_>>()
            .join("\n"),
        anti_affinity_groups: ids(&pool.anti_affinity_groups),
        security_groups: ids(&pool.security_groups),
        private_networks: ids(&pool.private_networks),
        description: pool.description.clone().unwrap_or_default(),
        instance_prefix: pool.instance_prefix.clone().unwrap_or_default(),
        public_ip_assignment: pool
            .public_ip_assignment
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        deploy_target: pool
            .deploy_target
            .as_ref()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
        max_pods: pool
            .kubelet_max_pods
            .map(|n| n.to_string())
            .unwrap_or_default(),
        image_gc_high: gc(|g| g.high_threshold.map(|n| n.to_string())),
        image_gc_low: gc(|g| g.low_threshold.map(|n| n.to_string())),
        image_gc_min_age: gc(|g| g.min_age.clone()),
    }
}

/// Reads what editing `nodepool` needs: the cluster, the pool as a form, the zone's choices.
async fn edit_context(
    scope: &ClusterScope,
    zone: &str,
    nodepool: &str,
) -> Result<
    (
        sks_api::SksCluster,
        sks_api::SksNodepool,
        Vec<String>,
        portal_types::wizard::WizardChoices,
    ),
    AppError,
> {
    let what = format!("nodepool {nodepool}");
    let pool_id: uuid::Uuid = nodepool
        .parse()
        .map_err(|_| AppError::NotFound(what.clone()))?;
    let (cluster, choices) = cluster_and_choices(scope, zone).await?;
    let pools = cluster.nodepools.clone().unwrap_or_default();
    let pool = pools
        .iter()
        .find(|p| p.id == Some(pool_id))
        .cloned()
        .ok_or(AppError::NotFound(what))?;
    let others = pools
        .iter()
        .filter(|p| p.id != Some(pool_id))
        .filter_map(|p| p.name.clone())
        .collect();
    Ok((cluster, pool, others, choices))
}

/// What the edit page of `nodepool` offers.
pub async fn edit_options(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
) -> Result<NodepoolEditOptions, AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (cluster, pool, other_names, choices) = edit_context(&scope, zone, nodepool).await?;
    Ok(NodepoolEditOptions {
        cluster_name: cluster.name.unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        nodepool_name: pool.name.clone().unwrap_or_default(),
        current: as_form(&pool),
        other_names,
        choices,
    })
}

/// Saves an edit of `nodepool`: checked and compared with the pool as it is now
/// ([`plan_edit`]); emptied lists are reset first, then the changed fields are sent in one
/// update. Audited with the fields changed; the live watchers look at once. The answer is the
/// address of the cluster's Nodepools tab.
pub async fn edit(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
    form: &ClusterForm,
) -> Result<String, AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let (_, pool, other_names, choices) = edit_context(&scope, zone, nodepool).await?;
    let current = as_form(&pool);
    let plan = plan_edit(&current, form, &choices, &other_names)
        .map_err(|fields| AppError::Validation { fields })?;
    let pool_id = pool.id.unwrap_or_default();
    let fields: Vec<String> = plan
        .changes
        .iter()
        .map(|c| c.label.to_lowercase())
        .collect();
    let change = Change {
        action: "nodepool.update",
        target: format!(
            "{}/nodepool/{pool_id} ({}: {})",
            scope.target(),
            current.name,
            fields.join(", ")
        ),
        what: format!("nodepool {nodepool}"),
    };
    let mut reset = None;
    for field in &plan.resets {
        let answer = scope
            .client
            .reset_sks_nodepool_field(&scope.zone, scope.id, pool_id, field)
            .await;
        let failed = answer.is_err();
        reset = Some(answer);
        if failed {
            break;
        }
    }
    let result = match reset {
        Some(Err(error)) => Err(error),
        // Only resets: the last one's answer stands for the change.
        Some(Ok(operation)) if plan.update == sks_api::UpdateSksNodepoolRequest::default() => {
            Ok(operation)
        }
        _ => {
            scope
                .client
                .update_sks_nodepool(&scope.zone, scope.id, pool_id, &plan.update)
                .await
        }
    };
    conclude(portal, caller, &scope, change, result).await?;
    Ok(format!("/clusters/{zone}/{id}/nodepools"))
}

/// Reads the nodepool and its instances (for the scale page and for checks).
async fn load(scope: &ClusterScope, nodepool: &str) -> Result<Loaded, AppError> {
    let what = format!("nodepool {nodepool}");
    let id: uuid::Uuid = nodepool
        .parse()
        .map_err(|_| AppError::NotFound(what.clone()))?;
    let cluster = scope.cluster().await?;
    let (mut mine, others): (Vec<_>, Vec<_>) = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .partition(|p| p.id == Some(id));
    let pool = mine.pop().ok_or_else(|| AppError::NotFound(what.clone()))?;
    let mut instances = Vec::new();
    if let Some(reference) = pool.instance_pool {
        let instance_pool = scope
            .client
            .get_instance_pool(&scope.zone, reference.id)
            .await
            .map_err(|e| upstream_failure(e, &what))?;
        instances = instance_pool
            .instances
            .unwrap_or_default()
            .into_iter()
            .map(|i| ScaleInstance {
                id: i.id.to_string(),
                name: i.name.unwrap_or_else(|| i.id.to_string()),
                state: i.state.map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect();
    }
    Ok(Loaded {
        cluster_name: cluster.name.unwrap_or_default(),
        pool,
        instances,
        other_pools: others.len(),
    })
}

/// A nodepool as read for a page or a change.
struct Loaded {
    cluster_name: String,
    pool: sks_api::SksNodepool,
    instances: Vec<ScaleInstance>,
    other_pools: usize,
}

/// The nodepool as the scale page shows it.
pub async fn scale_info(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
) -> Result<NodepoolScaleInfo, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let Loaded {
        cluster_name,
        pool,
        instances,
        other_pools,
    } = load(&scope, nodepool).await?;
    let instance_type = match pool.instance_type {
        Some(reference) => scope
            .client
            .get_instance_type(&scope.zone, reference.id)
            .await
            .ok()
            .and_then(|t| t.display_name())
            .unwrap_or_else(|| reference.id.to_string()),
        None => String::new(),
    };
    Ok(NodepoolScaleInfo {
        cluster_name,
        nodepool_name: pool.name.unwrap_or_default(),
        state: pool.state.map(|s| s.to_string()).unwrap_or_default(),
        size: pool.size.unwrap_or_default(),
        instance_type,
        disk_size: pool.disk_size.unwrap_or_default(),
        instances,
        other_pools,
        may_scale: permits(role, Action::Scale),
        may_delete: permits(role, Action::Delete),
    })
}

/// Scales a nodepool to `size`; when scaling down, `evict` may name the instances that leave
/// (exactly as many as the size drops), otherwise the service chooses.
pub async fn scale(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
    size: &str,
    evict: Vec<String>,
) -> Result<(), AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let Loaded {
        pool, instances, ..
    } = load(&scope, nodepool).await?;
    not_being_replaced(portal, caller, zone, id, nodepool).await?;
    let evict: Vec<String> = evict.into_iter().filter(|e| !e.is_empty()).collect();
    let plan = plan_scale(size, &evict, pool.size.unwrap_or_default(), &instances)
        .map_err(|fields| AppError::Validation { fields })?;
    let pool_id = pool.id.unwrap_or_default();
    let (action, detail, result) = match &plan {
        ScalePlan::Resize(size) => (
            "nodepool.scale",
            format!("to {size}"),
            scope
                .client
                .scale_sks_nodepool(&scope.zone, scope.id, pool_id, *size)
                .await,
        ),
        ScalePlan::Evict(ids) => {
            let ids: Vec<uuid::Uuid> = ids.iter().filter_map(|i| i.parse().ok()).collect();
            (
                "nodepool.evict",
                format!("{} chosen", ids.len()),
                scope
                    .client
                    .evict_sks_nodepool_members(&scope.zone, scope.id, pool_id, ids)
                    .await,
            )
        }
    };
    let change = Change {
        action,
        target: format!("{}/nodepool/{pool_id} ({detail})", scope.target()),
        what: format!("nodepool {nodepool}"),
    };
    conclude(portal, caller, &scope, change, result).await
}

/// Deletes a nodepool and its instances, once its name is typed back (`confirm_name`).
pub async fn delete(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
    confirm_name: &str,
) -> Result<(), AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let Loaded { pool, .. } = load(&scope, nodepool).await?;
    not_being_replaced(portal, caller, zone, id, nodepool).await?;
    let name = pool.name.clone().unwrap_or_default();
    if confirm_name.trim() != name {
        return Err(AppError::Validation {
            fields: vec![FieldError::new(
                "confirm_name",
                format!("Type the nodepool's name, {name}, exactly, to confirm."),
            )],
        });
    }
    let pool_id = pool.id.unwrap_or_default();
    let result = scope
        .client
        .delete_sks_nodepool(&scope.zone, scope.id, pool_id)
        .await;
    let change = Change {
        action: "nodepool.delete",
        target: format!("{}/nodepool/{pool_id} ({name})", scope.target()),
        what: format!("nodepool {nodepool}"),
    };
    conclude(portal, caller, &scope, change, result).await
}

/// `Conflict` while a running plan (an upgrade, or a recycle of this pool) replaces the pool's
/// nodes: a scale or a removal meanwhile would fight it.
async fn not_being_replaced(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    match crate::upgrades::running(portal, org, zone, id).await? {
        Some(plan) if plan.touches(nodepool) => Err(AppError::Conflict(format!(
            "{} is replacing this nodepool's nodes: wait for it to finish.",
            plan.described_first()
        ))),
        _ => Ok(()),
    }
}

/// Recycles a nodepool: every node (`which` = `pool`), `surge` new nodes at a time, or one node
/// (`which` = `node`, `node` its id) — new nodes join at the pool's settings and version, then
/// the old ones are evicted, so capacity never drops. Runs as a plan in the background (resumed
/// after a restart, shown live on the cluster's pages); a failed recycle of the same nodes is
/// resumed rather than started again. Refused while any plan runs on the cluster.
#[allow(clippy::too_many_arguments)]
pub async fn recycle(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    nodepool: &str,
    which: &str,
    surge: &str,
    node: &str,
) -> Result<(), AppError> {
    use crate::upgrades::{NewPlan, StoredStep};

    let scope = cluster_scope(portal, caller, zone, id).await?;
    let Loaded {
        pool, instances, ..
    } = load(&scope, nodepool).await?;
    let chosen = plan_recycle(which, surge, node, &instances)
        .map_err(|fields| AppError::Validation { fields })?;
    let pool_id = pool.id.unwrap_or_default().to_string();
    let pool_name = pool.name.clone().unwrap_or_default();
    let step = match &chosen {
        RecyclePlan::Pool { surge } => StoredStep::recycle_pool(&pool_id, &pool_name, *surge),
        RecyclePlan::Node { id, name } => StoredStep::recycle_node(&pool_id, &pool_name, id, name),
    };
    // The same recycle (same pool, same node or surge), failed: resume it.
    let (title, pool_ref) = (step.shown.title.clone(), step.shown.nodepool.clone());
    let same = |failed: &UpgradePlan| {
        failed.kind == PlanKind::Recycle
            && failed.steps.first().map(|s| (&s.title, &s.nodepool)) == Some((&title, &pool_ref))
    };
    let version = pool.version.clone().unwrap_or_default();
    let new = async {
        Ok(NewPlan {
            kind: PlanKind::Recycle,
            from: version.clone(),
            to: version,
            steps: vec![step],
        })
    };
    crate::upgrades::begin(portal, caller, zone, id, same, new).await
}
