//! Changing a nodepool: scaling it up or down — choosing which instances leave, or letting the
//! service choose — and deleting it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldError};

/// Largest nodepool size the portal asks for: the same quota the wizard and the API apply.
pub const MAX_SIZE: i64 = sks_api::validate::MAX_NODEPOOL_SIZE;

/// One instance, as the scale page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleInstance {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// What the scale page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodepoolScaleInfo {
    pub cluster_name: String,
    pub nodepool_name: String,
    pub state: String,
    pub size: i64,
    /// `family.size` of the instance type.
    pub instance_type: String,
    /// GiB per node (it counts in the cost).
    pub disk_size: i64,
    pub instances: Vec<ScaleInstance>,
    pub may_scale: bool,
    pub may_delete: bool,
}

/// What a scale request means, once checked against the pool as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScalePlan {
    /// Set the size; the service adds instances, or removes the ones it chooses.
    Resize(i64),
    /// Remove exactly these instances; the pool shrinks by as many.
    Evict(Vec<String>),
}

/// Checks a scale request against the pool: the new size, and the instances chosen to leave
/// (only when scaling down, and then exactly as many as the size drops).
pub fn plan_scale(
    size: &str,
    evict: &[String],
    current: i64,
    instances: &[ScaleInstance],
) -> Result<ScalePlan, Vec<FieldError>> {
    let size = match size.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_SIZE).contains(&n) => n,
        _ => {
            return Err(vec![FieldError::new(
                "size",
                format!("Enter a whole number of nodes from 0 to {MAX_SIZE}."),
            )]);
        }
    };
    if size == current {
        return Err(vec![FieldError::new(
            "size",
            format!("The nodepool already has {current} nodes: enter a different size."),
        )]);
    }
    if evict.is_empty() {
        return Ok(ScalePlan::Resize(size));
    }
    if size > current {
        return Err(vec![FieldError::new(
            "evict",
            "Instances can only be chosen to leave when scaling down; clear the selection.",
        )]);
    }
    if let Some(unknown) = evict
        .iter()
        .find(|id| !instances.iter().any(|i| &i.id == *id))
    {
        return Err(vec![FieldError::new(
            "evict",
            format!("Instance {unknown} is not in this nodepool (any more): reload the page."),
        )]);
    }
    let leaving = (current - size) as usize;
    let mut chosen = evict.to_vec();
    chosen.sort();
    chosen.dedup();
    if chosen.len() != leaving {
        return Err(vec![FieldError::new(
            "evict",
            format!(
                "Going from {current} to {size} nodes removes {leaving}: choose exactly {leaving}, or none to let the service choose ({} chosen).",
                chosen.len()
            ),
        )]);
    }
    Ok(ScalePlan::Evict(chosen))
}

/// Reads the nodepool and its instances (for the scale page and for checks).
#[cfg(feature = "ssr")]
async fn load(
    scope: &crate::ssr::orchestration::ClusterScope,
    nodepool: &str,
) -> Result<(String, sks_api::SksNodepool, Vec<ScaleInstance>), AppError> {
    use crate::ssr::orchestration::upstream_failure;
    let what = format!("nodepool {nodepool}");
    let id: uuid::Uuid = nodepool
        .parse()
        .map_err(|_| AppError::NotFound(what.clone()))?;
    let cluster = scope.cluster().await?;
    let pool = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.id == Some(id))
        .ok_or_else(|| AppError::NotFound(what.clone()))?;
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
    Ok((cluster.name.unwrap_or_default(), pool, instances))
}

/// The nodepool as the scale page shows it.
#[server(endpoint = "get_nodepool_scale_info")]
pub async fn get_nodepool_scale_info(
    zone: String,
    id: String,
    nodepool: String,
) -> Result<NodepoolScaleInfo, AppError> {
    use crate::ssr::accounts::authz::{Action, permits};
    use crate::ssr::auth::require;
    use crate::ssr::orchestration::cluster_scope;

    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let state = crate::ssr::app_state()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let (cluster_name, pool, instances) = load(&scope, &nodepool).await?;
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
        may_scale: permits(role, Action::Scale),
        may_delete: permits(role, Action::Delete),
    })
}

/// Scales a nodepool to `size`; when scaling down, `evict` may name the instances that leave
/// (exactly as many as the size drops), otherwise the service chooses.
#[server(endpoint = "scale_nodepool")]
pub async fn scale_nodepool(
    zone: String,
    id: String,
    nodepool: String,
    size: String,
    #[server(default)] evict: Option<Vec<String>>,
) -> Result<(), AppError> {
    use crate::ssr::accounts::authz::Action;
    use crate::ssr::auth::require;
    use crate::ssr::orchestration::{Change, cluster_scope, conclude};

    let caller = require(Action::Scale).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::app_state()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let (_, pool, instances) = load(&scope, &nodepool).await?;
    let evict: Vec<String> = evict
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect();
    let plan = plan_scale(&size, &evict, pool.size.unwrap_or_default(), &instances)
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
        then: format!("/clusters/{zone}/{id}"),
    };
    conclude(&caller, &scope, change, result).await
}

/// Deletes a nodepool and its instances.
#[server(endpoint = "delete_nodepool")]
pub async fn delete_nodepool(zone: String, id: String, nodepool: String) -> Result<(), AppError> {
    use crate::ssr::accounts::authz::Action;
    use crate::ssr::auth::require;
    use crate::ssr::orchestration::{Change, cluster_scope, conclude};

    let caller = require(Action::Delete).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::app_state()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let (_, pool, _) = load(&scope, &nodepool).await?;
    let pool_id = pool.id.unwrap_or_default();
    let result = scope
        .client
        .delete_sks_nodepool(&scope.zone, scope.id, pool_id)
        .await;
    let change = Change {
        action: "nodepool.delete",
        target: format!("{}/nodepool/{pool_id}", scope.target()),
        what: format!("nodepool {nodepool}"),
        then: format!("/clusters/{zone}/{id}"),
    };
    conclude(&caller, &scope, change, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instances() -> Vec<ScaleInstance> {
        ["a", "b", "c"]
            .into_iter()
            .map(|id| ScaleInstance {
                id: id.into(),
                name: format!("node-{id}"),
                state: "running".into(),
            })
            .collect()
    }

    fn field(result: Result<ScalePlan, Vec<FieldError>>) -> String {
        let errors = result.expect_err("refused");
        assert_eq!(errors.len(), 1);
        errors[0].field.clone()
    }

    #[test]
    fn a_new_size_without_a_choice_lets_the_service_choose() {
        assert_eq!(
            plan_scale("5", &[], 3, &instances()),
            Ok(ScalePlan::Resize(5))
        );
        assert_eq!(
            plan_scale(" 1 ", &[], 3, &instances()),
            Ok(ScalePlan::Resize(1))
        );
    }

    #[test]
    fn scaling_down_evicts_exactly_the_chosen_instances() {
        let chosen = vec!["c".to_owned(), "a".to_owned()];
        assert_eq!(
            plan_scale("1", &chosen, 3, &instances()),
            Ok(ScalePlan::Evict(vec!["a".into(), "c".into()]))
        );
        let one = vec!["a".to_owned()];
        let errors = plan_scale("1", &one, 3, &instances()).unwrap_err();
        assert!(
            errors[0].message.contains("choose exactly 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn sizes_and_choices_that_cannot_work_name_their_field() {
        assert_eq!(field(plan_scale("three", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("-1", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("3", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("1001", &[], 3, &instances())), "size");
        let one = vec!["a".to_owned()];
        assert_eq!(field(plan_scale("4", &one, 3, &instances())), "evict");
        let stranger = vec!["z".to_owned()];
        assert_eq!(field(plan_scale("2", &stranger, 3, &instances())), "evict");
    }
}
