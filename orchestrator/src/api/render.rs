//! Stored records as the wire shows them.

use sks_api::{
    ClusterState, InstancePool, InstancePoolState, InstanceRef, Manager, ManagerType,
    NodepoolState, Ref, SksCluster, SksNodepool,
};

use crate::model::{
    ClusterRecord, InstancePhase, InstanceRecord, NodepoolRecord, catalog, rfc3339,
};
use crate::reconcile::{execute, plan};

/// A cluster with its nodepools.
pub fn cluster(cluster: &ClusterRecord, nodepools: &[NodepoolRecord]) -> SksCluster {
    let spec = &cluster.spec;
    let nodepools: Vec<SksNodepool> = nodepools
        .iter()
        .filter(|n| n.cluster_id == cluster.id)
        .map(|n| nodepool(n, cluster))
        .collect();
    SksCluster {
        id: Some(cluster.id),
        name: Some(spec.name.clone()),
        description: spec.description.clone(),
        labels: Some(spec.labels.clone()),
        cni: spec.cni.clone(),
        auto_upgrade: Some(spec.auto_upgrade),
        oidc: spec.oidc.clone(),
        enable_operators_ca: Some(spec.enable_operators_ca),
        default_security_group_id: spec.default_security_group_id,
        state: Some(cluster_state(cluster, !nodepools.is_empty())),
        enable_kube_proxy: Some(spec.enable_kube_proxy),
        nodepools: Some(nodepools),
        level: Some(cluster.status.level.clone()),
        feature_gates: Some(spec.feature_gates.clone()),
        addons: Some(spec.addons.clone()),
        audit: spec.audit.clone(),
        // The version the control plane runs; the one asked for while it is created.
        version: Some(
            cluster
                .status
                .version
                .clone()
                .unwrap_or_else(|| spec.version.clone()),
        ),
        created_at: Some(rfc3339(cluster.created_at)),
        endpoint: cluster.status.endpoint.clone(),
    }
}

/// The state to show: what the reconciler observed, or, for a change accepted but not started
/// yet, the state that change brings (so a client reading right after a request sees it).
fn cluster_state(cluster: &ClusterRecord, has_nodepools: bool) -> ClusterState {
    if cluster.status.task.is_none()
        && cluster.status.version.is_some()
        && let Some(task) = plan::next_task(cluster, has_nodepools)
    {
        return execute::task_state(&task);
    }
    if cluster.spec.deleting {
        return ClusterState::Deleting;
    }
    cluster.status.state.clone()
}

/// Likewise for a nodepool: a pending change shows at once.
fn nodepool_state(nodepool: &NodepoolRecord) -> NodepoolState {
    if nodepool.spec.deleting {
        NodepoolState::Deleting
    } else if nodepool.status.state == NodepoolState::Running
        && nodepool.generation > nodepool.observed_generation
    {
        NodepoolState::Scaling
    } else {
        nodepool.status.state.clone()
    }
}

/// The template variant for a nodepool's instance type.
fn variant(nodepool: &NodepoolRecord) -> &'static str {
    let gpus = catalog::instance_type(nodepool.spec.instance_type)
        .and_then(|t| t.gpus)
        .unwrap_or(0);
    if gpus > 0 { "nvidia" } else { "standard" }
}

/// A nodepool of `cluster`.
pub fn nodepool(nodepool: &NodepoolRecord, cluster: &ClusterRecord) -> SksNodepool {
    let spec = &nodepool.spec;
    let version = cluster
        .status
        .version
        .clone()
        .unwrap_or_else(|| cluster.spec.version.clone());
    SksNodepool {
        id: Some(nodepool.id),
        name: Some(spec.name.clone()),
        description: spec.description.clone(),
        anti_affinity_groups: Some(spec.anti_affinity_groups.clone()),
        public_ip_assignment: Some(spec.public_ip_assignment.clone()),
        labels: Some(spec.labels.clone()),
        taints: Some(spec.taints.clone()),
        security_groups: Some(spec.security_groups.clone()),
        instance_type: Some(Ref::from(spec.instance_type)),
        private_networks: Some(spec.private_networks.clone()),
        template: catalog::template_id(&version, variant(nodepool)).map(Ref::from),
        state: Some(nodepool_state(nodepool)),
        size: Some(spec.size),
        kubelet_image_gc: spec.kubelet_image_gc.clone(),
        instance_pool: Some(Ref::from(nodepool.instance_pool_id)),
        instance_prefix: Some(spec.instance_prefix.clone()),
        deploy_target: spec.deploy_target,
        kubelet_max_pods: spec.kubelet_max_pods,
        addons: Some(spec.addons.clone()),
        disk_size: Some(spec.disk_size),
        version: Some(version),
        nvidia_mig_profiles: spec.nvidia_mig_profiles.clone(),
        created_at: Some(rfc3339(nodepool.created_at)),
    }
}

/// The instance pool behind a nodepool, with its instances (name, state and IP included).
pub fn instance_pool(nodepool: &NodepoolRecord, instances: &[InstanceRecord]) -> InstancePool {
    let spec = &nodepool.spec;
    let mine: Vec<&InstanceRecord> = instances
        .iter()
        .filter(|i| i.nodepool_id == nodepool.id)
        .collect();
    let state = match nodepool.status.state {
        NodepoolState::Creating => InstancePoolState::Creating,
        NodepoolState::Deleting => InstancePoolState::Destroying,
        NodepoolState::Scaling if (mine.len() as i64) > spec.size => InstancePoolState::ScalingDown,
        NodepoolState::Scaling => InstancePoolState::ScalingUp,
        NodepoolState::Updating => InstancePoolState::Updating,
        _ => InstancePoolState::Running,
    };
    InstancePool {
        id: Some(nodepool.instance_pool_id),
        name: Some(format!("nodepool-{}-{}", spec.name, nodepool.id.simple())),
        description: spec.description.clone().filter(|d| !d.is_empty()),
        anti_affinity_groups: Some(spec.anti_affinity_groups.clone()),
        public_ip_assignment: Some(spec.public_ip_assignment.clone()),
        labels: Some(spec.labels.clone()),
        security_groups: Some(spec.security_groups.clone()),
        instance_type: Some(Ref::from(spec.instance_type)),
        private_networks: Some(spec.private_networks.clone()),
        state: Some(state),
        size: Some(spec.size),
        instance_prefix: Some(spec.instance_prefix.clone()),
        manager: Some(Manager {
            id: Some(nodepool.id),
            kind: Some(ManagerType::SksNodepool),
        }),
        instances: Some(
            mine.iter()
                .map(|i| InstanceRef {
                    id: i.id,
                    name: Some(i.name.clone()),
                    state: Some(i.phase.wire()),
                    public_ip: (i.phase != InstancePhase::Destroying).then(|| i.public_ip.clone()),
                })
                .collect(),
        ),
        deploy_target: spec.deploy_target,
        disk_size: Some(spec.disk_size),
        ..InstancePool::default()
    }
}
