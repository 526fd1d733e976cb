//! Applying a plan: each action through the [`Provider`] and the store, each idempotent, each
//! guarded so stale work cannot move a resource backwards (status writes compare the row's
//! revision; instance moves compare the phase they start from; creations are keyed by name).

use std::sync::Arc;

use sks_api::ClusterState;
use uuid::Uuid;

use super::plan::{Action, View};
use crate::model::{ClusterRecord, InstancePhase, InstanceRecord, ResourceKind, RunningTask, Task};
use crate::provider::Provider;
use crate::store::{Store, StoreError};

/// The API endpoint a cluster's control plane gets.
pub fn endpoint(cluster: &ClusterRecord) -> String {
    format!("https://{}.sks-{}.exo.io:443", cluster.id, cluster.zone)
}

/// The name of a nodepool's instance number `index`: the prefix, a short pool id and the
/// number, so the same index always gets the same name.
pub fn instance_name(prefix: &str, nodepool: Uuid, index: i64) -> String {
    let pool = nodepool.simple().to_string();
    format!("{prefix}-{}-{index:05}", &pool[..5])
}

/// The cluster state while `task` runs.
pub fn task_state(task: &Task) -> ClusterState {
    match task {
        Task::Create { .. } => ClusterState::Creating,
        Task::Upgrade { .. } => ClusterState::Upgrading,
        Task::Level { .. } | Task::Update => ClusterState::Updating,
        Task::Rotate { rotation } => rotation.state(),
        Task::Delete => ClusterState::Deleting,
    }
}

/// Applies `actions` planned from `view` at `now`. Stops early (without error) when a guard
/// shows the view is stale: the next round plans from fresh state.
pub async fn apply(
    store: &Store,
    provider: &Arc<dyn Provider>,
    view: &View,
    actions: Vec<Action>,
    now: i64,
) -> Result<(), StoreError> {
    for action in actions {
        let landed = match action {
            Action::StartTask { task, generation } => {
                let mut cluster = view.cluster.clone();
                let duration = provider.control_plane(&task);
                cluster.status.state = task_state(&task);
                if matches!(task, Task::Create { .. }) {
                    cluster.status.endpoint = Some(endpoint(&cluster));
                }
                cluster.status.task = Some(RunningTask {
                    task,
                    generation,
                    started_at: now,
                    due_at: now + duration.as_millis() as i64,
                });
                store.write_cluster_status(&cluster, Some(now)).await?
            }
            Action::FinishTask => {
                let mut cluster = view.cluster.clone();
                let Some(running) = cluster.status.task.take() else {
                    continue;
                };
                match running.task {
                    Task::Create { version } | Task::Upgrade { version } => {
                        cluster.status.version = Some(version)
                    }
                    Task::Level { level } => cluster.status.level = level,
                    Task::Rotate { .. } => cluster.status.rotations_done += 1,
                    Task::Update | Task::Delete => {}
                }
                cluster.status.state = ClusterState::Running;
                cluster.observed_generation = cluster.observed_generation.max(running.generation);
                store.write_cluster_status(&cluster, Some(now)).await?
            }
            Action::RemoveCluster => store.remove_cluster(&view.cluster).await?,
            Action::CreateInstance { nodepool, index } => {
                let Some(pool) = view.nodepools.iter().find(|n| n.id == nodepool) else {
                    continue;
                };
                let boot = provider.boot_instance();
                let instance = InstanceRecord {
                    id: Uuid::new_v4(),
                    nodepool_id: nodepool,
                    name: instance_name(&pool.spec.instance_prefix, nodepool, index),
                    phase: InstancePhase::Starting,
                    public_ip: provider.public_ip(),
                    version: view.cluster.status.version.clone().unwrap_or_default(),
                    fails: boot.fails,
                    due_at: now + boot.duration.as_millis() as i64,
                    created_at: now,
                };
                store.create_instance(&instance, index).await?;
                true
            }
            Action::FinishBoot { instance, failed } => {
                let to = if failed {
                    InstancePhase::Failed
                } else {
                    InstancePhase::Running
                };
                store
                    .set_instance_phase(instance, InstancePhase::Starting, to, now)
                    .await?
            }
            Action::DestroyInstance { instance, from } => {
                let due = now + provider.destroy_instance().as_millis() as i64;
                store
                    .set_instance_phase(instance, from, InstancePhase::Destroying, due)
                    .await?
            }
            Action::RemoveInstance { instance } => {
                store.remove_instance(instance).await?;
                true
            }
            Action::SetNodepoolStatus {
                nodepool,
                state,
                observed_generation,
            } => {
                let Some(pool) = view.nodepools.iter().find(|n| n.id == nodepool) else {
                    continue;
                };
                let mut pool = pool.clone();
                pool.status.state = state;
                pool.observed_generation = observed_generation;
                store.write_nodepool_status(&pool).await?
            }
            Action::RemoveNodepool { nodepool } => {
                let Some(pool) = view.nodepools.iter().find(|n| n.id == nodepool) else {
                    continue;
                };
                store.remove_nodepool(pool).await?
            }
        };
        if !landed {
            tracing::debug!(cluster = %view.cluster.id, "state moved under the plan; replanning");
            return Ok(());
        }
    }
    Ok(())
}

/// Ends the pending operations on the cluster and its nodepools that `after` shows done: the
/// resource reached the operation's generation, or is gone (deletions).
pub async fn complete_operations(
    store: &Store,
    cluster: Uuid,
    after: Option<&View>,
) -> Result<(), StoreError> {
    for operation in store.pending_operations(cluster).await? {
        let done = match (operation.resource_kind, after) {
            (_, None) => true,
            (ResourceKind::Cluster, Some(view)) => {
                view.cluster.observed_generation >= operation.target_generation
                    && view.cluster.status.task.is_none()
            }
            (ResourceKind::Nodepool, Some(view)) => view
                .nodepools
                .iter()
                .find(|n| n.id == operation.resource_id)
                .is_none_or(|n| n.observed_generation >= operation.target_generation),
            (ResourceKind::Other, Some(_)) => true,
        };
        if done {
            store
                .finish_operation(operation.id, "success", None, None)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_are_stable_per_index() {
        let pool = Uuid::parse_str("3f2a1b7c-0000-4000-8000-000000000000").unwrap();
        assert_eq!(instance_name("pool", pool, 0), "pool-3f2a1-00000");
        assert_eq!(instance_name("gpu", pool, 42), "gpu-3f2a1-00042");
        assert_eq!(
            instance_name("pool", pool, 7),
            instance_name("pool", pool, 7)
        );
    }
}
