//! Planning: from desired and observed state at `now`, the actions that move a cluster closer
//! to what was asked. Pure: no I/O, the clock is an argument.
//!
//! Applying a plan's actions and planning again converges: once everything is done, the plan
//! is empty.

use sks_api::NodepoolState;
use uuid::Uuid;

use crate::model::{ClusterRecord, InstancePhase, InstanceRecord, NodepoolRecord, Task};

/// What the reconciler sees of one cluster.
#[derive(Debug, Clone)]
pub struct View {
    pub cluster: ClusterRecord,
    pub nodepools: Vec<NodepoolRecord>,
    pub instances: Vec<InstanceRecord>,
}

/// One step towards the desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start a control-plane task that brings the cluster to `generation`.
    StartTask { task: Task, generation: i64 },
    /// The running task is due: record its outcome.
    FinishTask,
    /// The cluster is deleted and has nothing left.
    RemoveCluster,
    /// Create the nodepool's instance number `index`.
    CreateInstance { nodepool: Uuid, index: i64 },
    /// A boot is due: the instance runs, or failed.
    FinishBoot { instance: Uuid, failed: bool },
    /// Start tearing an instance down.
    DestroyInstance { instance: Uuid, from: InstancePhase },
    /// A teardown is due: forget the instance.
    RemoveInstance { instance: Uuid },
    /// Record a nodepool's observed state.
    SetNodepoolStatus {
        nodepool: Uuid,
        state: NodepoolState,
        observed_generation: i64,
    },
    /// The nodepool is deleted and has no instances left.
    RemoveNodepool { nodepool: Uuid },
}

/// The actions for `view` at `now` (Unix ms).
pub fn plan(view: &View, now: i64) -> Vec<Action> {
    let mut actions = control_plane(view, now);
    let control_plane_ready = view.cluster.status.version.is_some()
        && !matches!(
            view.cluster.status.task.as_ref().map(|t| &t.task),
            Some(Task::Create { .. })
        );
    if control_plane_ready {
        for nodepool in &view.nodepools {
            let instances: Vec<&InstanceRecord> = view
                .instances
                .iter()
                .filter(|i| i.nodepool_id == nodepool.id)
                .collect();
            actions.extend(nodepool_actions(nodepool, &instances, now));
        }
    }
    actions
}

fn control_plane(view: &View, now: i64) -> Vec<Action> {
    let cluster = &view.cluster;
    if let Some(running) = &cluster.status.task {
        return match (&running.task, running.due_at <= now) {
            (Task::Delete, true) => vec![Action::RemoveCluster],
            (_, true) => vec![Action::FinishTask],
            (_, false) => vec![],
        };
    }
    let generation = cluster.generation;
    let task = next_task(cluster, !view.nodepools.is_empty());
    task.map(|task| vec![Action::StartTask { task, generation }])
        .unwrap_or_default()
}

/// The control-plane task the cluster needs next, if any (ignoring one that is running).
pub fn next_task(cluster: &ClusterRecord, has_nodepools: bool) -> Option<Task> {
    let (spec, status) = (&cluster.spec, &cluster.status);
    if spec.deleting {
        // Nodepools go first (the API refuses to delete a cluster that has some).
        (!has_nodepools).then_some(Task::Delete)
    } else if status.version.is_none() {
        Some(Task::Create {
            version: spec.version.clone(),
        })
    } else if status.version.as_deref() != Some(spec.version.as_str()) {
        Some(Task::Upgrade {
            version: spec.version.clone(),
        })
    } else if status.level != spec.level {
        Some(Task::Level {
            level: spec.level.clone(),
        })
    } else if let Some(rotation) = spec.rotations.get(status.rotations_done) {
        Some(Task::Rotate {
            rotation: *rotation,
        })
    } else if cluster.generation > cluster.observed_generation {
        Some(Task::Update)
    } else {
        None
    }
}

fn nodepool_actions(
    nodepool: &NodepoolRecord,
    instances: &[&InstanceRecord],
    now: i64,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let spec = &nodepool.spec;

    for instance in instances {
        match instance.phase {
            InstancePhase::Starting if instance.due_at <= now => actions.push(Action::FinishBoot {
                instance: instance.id,
                failed: instance.fails,
            }),
            InstancePhase::Destroying if instance.due_at <= now => {
                actions.push(Action::RemoveInstance {
                    instance: instance.id,
                })
            }
            _ => {}
        }
    }

    let destroy = |instance: &InstanceRecord| Action::DestroyInstance {
        instance: instance.id,
        from: instance.phase,
    };

    if spec.deleting {
        actions.extend(
            instances
                .iter()
                .filter(|i| i.phase != InstancePhase::Destroying)
                .map(|i| destroy(i)),
        );
        if instances.is_empty() {
            actions.push(Action::RemoveNodepool {
                nodepool: nodepool.id,
            });
        } else if nodepool.status.state != NodepoolState::Deleting {
            actions.push(Action::SetNodepoolStatus {
                nodepool: nodepool.id,
                state: NodepoolState::Deleting,
                observed_generation: nodepool.observed_generation,
            });
        }
        return actions;
    }

    // Failed boots and evicted instances go; the count below replaces failed ones.
    let mut active: Vec<&InstanceRecord> = Vec::new();
    for instance in instances {
        let evicted = spec.evict.contains(&instance.id);
        match instance.phase {
            InstancePhase::Failed => actions.push(destroy(instance)),
            InstancePhase::Starting | InstancePhase::Running if evicted => {
                actions.push(destroy(instance))
            }
            InstancePhase::Starting | InstancePhase::Running => active.push(instance),
            InstancePhase::Destroying => {}
        }
    }

    let size = usize::try_from(spec.size).unwrap_or(0);
    if active.len() < size {
        let missing = (size - active.len()) as i64;
        actions.extend((0..missing).map(|n| Action::CreateInstance {
            nodepool: nodepool.id,
            index: nodepool.next_index + n,
        }));
    } else if active.len() > size {
        // Shrink by the least useful first: instances still booting, then the newest.
        let mut candidates = active.clone();
        candidates.sort_by_key(|i| {
            (
                i.phase == InstancePhase::Running,
                std::cmp::Reverse(i.created_at),
                std::cmp::Reverse(i.name.clone()),
            )
        });
        actions.extend(
            candidates
                .iter()
                .take(active.len() - size)
                .map(|i| destroy(i)),
        );
    }

    let converged = active.len() == size
        && instances.len() == size
        && active.iter().all(|i| i.phase == InstancePhase::Running);
    let (state, observed_generation) = if converged {
        (NodepoolState::Running, nodepool.generation)
    } else if nodepool.observed_generation == 0 {
        (NodepoolState::Creating, 0)
    } else {
        (NodepoolState::Scaling, nodepool.observed_generation)
    };
    if state != nodepool.status.state || observed_generation != nodepool.observed_generation {
        actions.push(Action::SetNodepoolStatus {
            nodepool: nodepool.id,
            state,
            observed_generation,
        });
    }
    actions
}

/// When the cluster next needs attention without any change from outside: the earliest due
/// task, boot or teardown; `None` when nothing is in flight.
pub fn next_due(view: &View) -> Option<i64> {
    let task = view.cluster.status.task.as_ref().map(|t| t.due_at);
    let instances = view
        .instances
        .iter()
        .filter(|i| matches!(i.phase, InstancePhase::Starting | InstancePhase::Destroying))
        .map(|i| i.due_at);
    task.into_iter().chain(instances).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ClusterSpec, ClusterStatus, NodepoolSpec, NodepoolStatus, Rotation, RunningTask,
    };
    use sks_api::{ClusterState, Level, PublicIpAssignment};

    const NOW: i64 = 1_000_000;

    fn cluster() -> ClusterRecord {
        ClusterRecord {
            id: Uuid::from_u128(1),
            org_id: Uuid::from_u128(2),
            zone: "ch-gva-2".into(),
            spec: ClusterSpec {
                name: "demo".into(),
                description: None,
                labels: Default::default(),
                cni: None,
                auto_upgrade: false,
                oidc: None,
                enable_operators_ca: true,
                enable_kube_proxy: true,
                level: Level::Starter,
                feature_gates: vec![],
                addons: vec![],
                audit: None,
                networking: None,
                version: "1.35.6".into(),
                default_security_group_id: None,
                rotations: vec![],
                deleting: false,
            },
            generation: 1,
            status: ClusterStatus {
                state: ClusterState::Running,
                version: Some("1.35.6".into()),
                level: Level::Starter,
                endpoint: None,
                rotations_done: 0,
                task: None,
            },
            observed_generation: 1,
            revision: 1,
            created_at: 0,
        }
    }

    fn nodepool(size: i64) -> NodepoolRecord {
        NodepoolRecord {
            id: Uuid::from_u128(10),
            cluster_id: Uuid::from_u128(1),
            org_id: Uuid::from_u128(2),
            zone: "ch-gva-2".into(),
            instance_pool_id: Uuid::from_u128(11),
            spec: NodepoolSpec {
                name: "workers".into(),
                description: None,
                size,
                disk_size: 50,
                instance_type: Uuid::from_u128(12),
                instance_prefix: "pool".into(),
                labels: Default::default(),
                taints: Default::default(),
                security_groups: vec![],
                private_networks: vec![],
                anti_affinity_groups: vec![],
                deploy_target: None,
                kubelet_image_gc: None,
                kubelet_max_pods: None,
                public_ip_assignment: PublicIpAssignment::Inet4,
                addons: vec![],
                nvidia_mig_profiles: None,
                evict: vec![],
                deleting: false,
            },
            generation: 1,
            status: NodepoolStatus {
                state: NodepoolState::Creating,
            },
            observed_generation: 0,
            revision: 1,
            next_index: 0,
            created_at: 0,
        }
    }

    fn instance(n: u128, phase: InstancePhase, due_at: i64, created_at: i64) -> InstanceRecord {
        InstanceRecord {
            id: Uuid::from_u128(100 + n),
            nodepool_id: Uuid::from_u128(10),
            name: format!("pool-{n}"),
            phase,
            public_ip: "194.182.160.2".into(),
            version: "1.35.6".into(),
            fails: false,
            due_at,
            created_at,
        }
    }

    fn view(
        cluster: ClusterRecord,
        nodepools: Vec<NodepoolRecord>,
        instances: Vec<InstanceRecord>,
    ) -> View {
        View {
            cluster,
            nodepools,
            instances,
        }
    }

    fn task(task: Task, due_at: i64) -> Option<RunningTask> {
        Some(RunningTask {
            task,
            generation: 1,
            started_at: 0,
            due_at,
        })
    }

    #[test]
    fn control_plane_table() {
        let created = cluster();
        let mut new = cluster();
        new.status.version = None;
        new.status.state = ClusterState::Creating;
        new.observed_generation = 0;
        let mut upgrade = cluster();
        upgrade.spec.version = "1.36.3".into();
        upgrade.generation = 2;
        let mut level = cluster();
        level.spec.level = Level::Pro;
        level.generation = 2;
        let mut rotate = cluster();
        rotate.spec.rotations = vec![Rotation::CcmCredentials];
        rotate.generation = 2;
        let mut relabel = cluster();
        relabel.generation = 2;
        let mut busy = cluster();
        busy.status.task = task(Task::Update, NOW + 1);
        let mut due = cluster();
        due.status.task = task(Task::Update, NOW);
        let mut deleting = cluster();
        deleting.spec.deleting = true;
        deleting.generation = 2;
        let mut deleted = deleting.clone();
        deleted.status.task = task(Task::Delete, NOW - 5);

        let start = |task: Task, generation: i64| vec![Action::StartTask { task, generation }];
        let cases: Vec<(&str, ClusterRecord, Vec<Action>)> = vec![
            ("converged", created, vec![]),
            (
                "new",
                new,
                start(
                    Task::Create {
                        version: "1.35.6".into(),
                    },
                    1,
                ),
            ),
            (
                "upgrade",
                upgrade,
                start(
                    Task::Upgrade {
                        version: "1.36.3".into(),
                    },
                    2,
                ),
            ),
            ("level", level, start(Task::Level { level: Level::Pro }, 2)),
            (
                "rotation",
                rotate,
                start(
                    Task::Rotate {
                        rotation: Rotation::CcmCredentials,
                    },
                    2,
                ),
            ),
            ("metadata", relabel, start(Task::Update, 2)),
            ("task running", busy, vec![]),
            ("task due", due, vec![Action::FinishTask]),
            ("delete", deleting, start(Task::Delete, 2)),
            ("deleted", deleted, vec![Action::RemoveCluster]),
        ];
        for (name, cluster, expected) in cases {
            assert_eq!(
                plan(&view(cluster, vec![], vec![]), NOW),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn a_cluster_with_nodepools_is_not_deleted_yet() {
        let mut deleting = cluster();
        deleting.spec.deleting = true;
        let mut pool = nodepool(0);
        pool.spec.deleting = true;
        let actions = plan(&view(deleting, vec![pool], vec![]), NOW);
        assert_eq!(
            actions,
            vec![Action::RemoveNodepool {
                nodepool: Uuid::from_u128(10)
            }]
        );
    }

    #[test]
    fn nodepools_wait_for_the_control_plane() {
        let mut creating = cluster();
        creating.status.version = None;
        let actions = plan(&view(creating, vec![nodepool(3)], vec![]), NOW);
        assert!(
            actions
                .iter()
                .all(|a| matches!(a, Action::StartTask { .. })),
            "{actions:?}"
        );
    }

    #[test]
    fn a_new_pool_gets_its_instances_numbered_from_its_counter() {
        let mut pool = nodepool(3);
        pool.next_index = 7;
        let actions = plan(&view(cluster(), vec![pool], vec![]), NOW);
        let created: Vec<i64> = actions
            .iter()
            .filter_map(|a| match a {
                Action::CreateInstance { index, .. } => Some(*index),
                _ => None,
            })
            .collect();
        assert_eq!(created, [7, 8, 9]);
        // Still creating at generation 0, as recorded: no status change to write.
        assert!(
            !actions
                .iter()
                .any(|a| matches!(a, Action::SetNodepoolStatus { .. }))
        );
    }

    #[test]
    fn boots_finish_when_due_and_failures_are_replaced() {
        let mut failing = instance(2, InstancePhase::Starting, NOW - 1, 2);
        failing.fails = true;
        let instances = vec![
            instance(1, InstancePhase::Starting, NOW - 1, 1),
            failing,
            instance(3, InstancePhase::Starting, NOW + 100, 3),
            instance(4, InstancePhase::Failed, NOW - 50, 0),
        ];
        let mut pool = nodepool(3);
        pool.next_index = 5;
        let actions = plan(&view(cluster(), vec![pool], instances), NOW);
        assert!(actions.contains(&Action::FinishBoot {
            instance: Uuid::from_u128(101),
            failed: false
        }));
        assert!(actions.contains(&Action::FinishBoot {
            instance: Uuid::from_u128(102),
            failed: true
        }));
        assert!(actions.contains(&Action::DestroyInstance {
            instance: Uuid::from_u128(104),
            from: InstancePhase::Failed
        }));
        // Three active (two booting, one about to fail): nothing to add until the failure lands.
        assert!(
            !actions
                .iter()
                .any(|a| matches!(a, Action::CreateInstance { .. }))
        );
    }

    #[test]
    fn scaling_down_removes_booting_instances_first_then_the_newest() {
        let instances = vec![
            instance(1, InstancePhase::Running, 0, 1),
            instance(2, InstancePhase::Running, 0, 2),
            instance(3, InstancePhase::Starting, NOW + 100, 3),
            instance(4, InstancePhase::Running, 0, 4),
        ];
        let mut pool = nodepool(2);
        pool.observed_generation = 1;
        pool.generation = 2;
        let destroyed: Vec<Uuid> = plan(&view(cluster(), vec![pool], instances), NOW)
            .into_iter()
            .filter_map(|a| match a {
                Action::DestroyInstance { instance, .. } => Some(instance),
                _ => None,
            })
            .collect();
        assert_eq!(destroyed, [Uuid::from_u128(103), Uuid::from_u128(104)]);
    }

    #[test]
    fn evicted_instances_leave_without_replacement() {
        let instances = vec![
            instance(1, InstancePhase::Running, 0, 1),
            instance(2, InstancePhase::Running, 0, 2),
        ];
        let mut pool = nodepool(1);
        pool.spec.evict = vec![Uuid::from_u128(101)];
        pool.observed_generation = 1;
        pool.generation = 2;
        let actions = plan(&view(cluster(), vec![pool], instances), NOW);
        assert!(actions.contains(&Action::DestroyInstance {
            instance: Uuid::from_u128(101),
            from: InstancePhase::Running
        }));
        assert!(
            !actions
                .iter()
                .any(|a| matches!(a, Action::CreateInstance { .. }))
        );
        assert_eq!(
            actions
                .iter()
                .filter(|a| matches!(a, Action::DestroyInstance { .. }))
                .count(),
            1
        );
    }

    #[test]
    fn a_converged_pool_is_running_at_its_generation_and_then_nothing_is_left_to_do() {
        let instances = vec![
            instance(1, InstancePhase::Running, 0, 1),
            instance(2, InstancePhase::Running, 0, 2),
        ];
        let mut pool = nodepool(2);
        pool.generation = 3;
        pool.observed_generation = 2;
        pool.status.state = NodepoolState::Scaling;
        let actions = plan(&view(cluster(), vec![pool.clone()], instances.clone()), NOW);
        assert_eq!(
            actions,
            vec![Action::SetNodepoolStatus {
                nodepool: pool.id,
                state: NodepoolState::Running,
                observed_generation: 3
            }]
        );
        pool.observed_generation = 3;
        pool.status.state = NodepoolState::Running;
        assert!(plan(&view(cluster(), vec![pool], instances), NOW).is_empty());
    }

    #[test]
    fn deleting_a_pool_tears_everything_down_then_removes_it() {
        let instances = vec![
            instance(1, InstancePhase::Running, 0, 1),
            instance(2, InstancePhase::Destroying, NOW - 1, 2),
        ];
        let mut pool = nodepool(2);
        pool.spec.deleting = true;
        let actions = plan(&view(cluster(), vec![pool.clone()], instances), NOW);
        assert!(actions.contains(&Action::DestroyInstance {
            instance: Uuid::from_u128(101),
            from: InstancePhase::Running
        }));
        assert!(actions.contains(&Action::RemoveInstance {
            instance: Uuid::from_u128(102)
        }));
        assert!(
            !actions
                .iter()
                .any(|a| matches!(a, Action::RemoveNodepool { .. }))
        );
        assert_eq!(
            plan(&view(cluster(), vec![pool], vec![]), NOW),
            vec![Action::RemoveNodepool {
                nodepool: Uuid::from_u128(10)
            }]
        );
    }

    #[test]
    fn the_next_due_moment_is_the_earliest_timer() {
        let mut busy = cluster();
        busy.status.task = task(Task::Update, NOW + 500);
        let instances = vec![
            instance(1, InstancePhase::Starting, NOW + 200, 1),
            instance(2, InstancePhase::Running, 0, 2),
        ];
        assert_eq!(
            next_due(&view(busy, vec![nodepool(2)], instances)),
            Some(NOW + 200)
        );
        assert_eq!(next_due(&view(cluster(), vec![], vec![])), None);
    }
}
