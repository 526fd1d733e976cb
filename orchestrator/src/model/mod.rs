//! The orchestrator's own view of resources: desired state (`*Spec`, written by the API) kept
//! apart from observed state (`*Status`, written only by the reconciler), each with the
//! generation it belongs to. Wire shapes are built from these in `api`.

pub mod catalog;

use serde::{Deserialize, Serialize};
use sks_api::{
    ClusterAddon, ClusterState, Cni, KubeletImageGc, Labels, Level, Networking, NodepoolAddon,
    NodepoolState, NvidiaMigProfiles, PublicIpAssignment, Ref, SksAudit, SksNodepoolTaints,
    SksOidc,
};
use uuid::Uuid;

/// The credential rotations a cluster offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rotation {
    CcmCredentials,
    CsiCredentials,
    KarpenterCredentials,
    OperatorsCa,
}

impl Rotation {
    /// The cluster state while this rotation runs (the operators CA has none upstream).
    pub fn state(self) -> ClusterState {
        match self {
            Rotation::CcmCredentials => ClusterState::RotatingCcmCredentials,
            Rotation::CsiCredentials => ClusterState::RotatingCsiCredentials,
            Rotation::KarpenterCredentials => ClusterState::RotatingKarpenterCredentials,
            Rotation::OperatorsCa => ClusterState::Updating,
        }
    }
}

/// Desired state of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub name: String,
    pub description: Option<String>,
    pub labels: Labels,
    pub cni: Option<Cni>,
    pub auto_upgrade: bool,
    pub oidc: Option<SksOidc>,
    pub enable_operators_ca: bool,
    pub enable_kube_proxy: bool,
    pub level: Level,
    pub feature_gates: Vec<String>,
    pub addons: Vec<ClusterAddon>,
    pub audit: Option<SksAudit>,
    pub networking: Option<Networking>,
    pub version: String,
    pub default_security_group_id: Option<Uuid>,
    /// Rotations asked for, in order; the reconciler runs those it has not run yet.
    pub rotations: Vec<Rotation>,
    pub deleting: bool,
}

/// What the control plane is doing; it ends at `due_at` (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Task {
    Create { version: String },
    Upgrade { version: String },
    Level { level: Level },
    Rotate { rotation: Rotation },
    Update,
    Delete,
}

/// A task with its timing and the generation it brings the cluster to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningTask {
    pub task: Task,
    pub generation: i64,
    pub started_at: i64,
    pub due_at: i64,
}

/// Observed state of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterStatus {
    pub state: ClusterState,
    /// The version the control plane runs (none until it exists).
    pub version: Option<String>,
    pub level: Level,
    pub endpoint: Option<String>,
    /// How many of `spec.rotations` have run.
    pub rotations_done: usize,
    pub task: Option<RunningTask>,
}

/// A cluster as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub zone: String,
    pub spec: ClusterSpec,
    pub generation: i64,
    pub status: ClusterStatus,
    pub observed_generation: i64,
    pub revision: i64,
    pub created_at: i64,
}

/// Desired state of a nodepool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodepoolSpec {
    pub name: String,
    pub description: Option<String>,
    pub size: i64,
    pub disk_size: i64,
    pub instance_type: Uuid,
    pub instance_prefix: String,
    pub labels: Labels,
    pub taints: SksNodepoolTaints,
    pub security_groups: Vec<Ref>,
    pub private_networks: Vec<Ref>,
    pub anti_affinity_groups: Vec<Ref>,
    pub deploy_target: Option<Ref>,
    pub kubelet_image_gc: Option<KubeletImageGc>,
    pub kubelet_max_pods: Option<i64>,
    pub public_ip_assignment: PublicIpAssignment,
    pub addons: Vec<NodepoolAddon>,
    pub nvidia_mig_profiles: Option<NvidiaMigProfiles>,
    /// Instances to remove first (named by `:evict`); the size already excludes them.
    pub evict: Vec<Uuid>,
    pub deleting: bool,
}

/// Observed state of a nodepool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodepoolStatus {
    pub state: NodepoolState,
}

/// A nodepool as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NodepoolRecord {
    pub id: Uuid,
    pub cluster_id: Uuid,
    pub org_id: Uuid,
    pub zone: String,
    pub instance_pool_id: Uuid,
    pub spec: NodepoolSpec,
    pub generation: i64,
    pub status: NodepoolStatus,
    pub observed_generation: i64,
    pub revision: i64,
    pub next_index: i64,
    pub created_at: i64,
}

impl NodepoolRecord {
    /// A nodepool just asked for: generation 1, nothing observed, creating.
    pub fn new(cluster: &ClusterRecord, spec: NodepoolSpec, now: i64) -> NodepoolRecord {
        NodepoolRecord {
            id: Uuid::new_v4(),
            cluster_id: cluster.id,
            org_id: cluster.org_id,
            zone: cluster.zone.clone(),
            instance_pool_id: Uuid::new_v4(),
            spec,
            generation: 1,
            status: NodepoolStatus {
                state: NodepoolState::Creating,
            },
            observed_generation: 0,
            revision: 1,
            next_index: 0,
            created_at: now,
        }
    }
}

/// Lifecycle of an instance in the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstancePhase {
    /// Booting until `due_at`; then running, or failed when `fails`.
    Starting,
    Running,
    /// Its boot failed; it is replaced.
    Failed,
    /// Being torn down until `due_at`, then removed.
    Destroying,
}

impl InstancePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            InstancePhase::Starting => "starting",
            InstancePhase::Running => "running",
            InstancePhase::Failed => "error",
            InstancePhase::Destroying => "destroying",
        }
    }

    pub fn parse(value: &str) -> Option<InstancePhase> {
        [
            InstancePhase::Starting,
            InstancePhase::Running,
            InstancePhase::Failed,
            InstancePhase::Destroying,
        ]
        .into_iter()
        .find(|p| p.as_str() == value)
    }

    /// The instance state on the wire.
    pub fn wire(self) -> sks_api::InstanceState {
        match self {
            InstancePhase::Starting => sks_api::InstanceState::Starting,
            InstancePhase::Running => sks_api::InstanceState::Running,
            InstancePhase::Failed => sks_api::InstanceState::Error,
            InstancePhase::Destroying => sks_api::InstanceState::Destroying,
        }
    }
}

/// An instance as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRecord {
    pub id: Uuid,
    pub nodepool_id: Uuid,
    pub name: String,
    pub phase: InstancePhase,
    pub public_ip: String,
    pub version: String,
    pub fails: bool,
    pub due_at: i64,
    pub created_at: i64,
}

/// What an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Cluster,
    Nodepool,
    /// Security groups, anti-affinity groups, private networks: done at once.
    Other,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Cluster => "sks-cluster",
            ResourceKind::Nodepool => "sks-nodepool",
            ResourceKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> ResourceKind {
        match value {
            "sks-cluster" => ResourceKind::Cluster,
            "sks-nodepool" => ResourceKind::Nodepool,
            _ => ResourceKind::Other,
        }
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Unix milliseconds as RFC 3339 (the wire's `date-time`).
pub fn rfc3339(ms: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
