//! Clusters: `sks-cluster` and the bodies that create, update and upgrade one.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

use super::common::Labels;
use super::nodepool::SksNodepool;

wire_enum! {
    /// `sks-cluster.level`: the service level.
    pub enum Level {
        Pro = "pro",
        Starter = "starter",
    }
}

wire_enum! {
    /// `sks-cluster.cni`. Omitted for a cluster without a CNI.
    pub enum Cni {
        Calico = "calico",
        Cilium = "cilium",
    }
}

wire_enum! {
    /// `sks-cluster.addons`.
    pub enum ClusterAddon {
        ExoscaleCloudController = "exoscale-cloud-controller",
        ExoscaleContainerStorageInterface = "exoscale-container-storage-interface",
        Karpenter = "karpenter",
        MetricsServer = "metrics-server",
    }
}

wire_enum! {
    /// `sks-cluster.state`.
    pub enum ClusterState {
        Creating = "creating",
        Deleting = "deleting",
        Error = "error",
        Resuming = "resuming",
        RotatingCcmCredentials = "rotating-ccm-credentials",
        RotatingCsiCredentials = "rotating-csi-credentials",
        RotatingKarpenterCredentials = "rotating-karpenter-credentials",
        Running = "running",
        Suspending = "suspending",
        Updating = "updating",
        Upgrading = "upgrading",
    }
}

impl ClusterState {
    /// Whether the cluster is on its way somewhere (worth watching closely).
    pub fn is_transitional(&self) -> bool {
        !matches!(self, ClusterState::Running | ClusterState::Error)
    }
}

/// `sks-oidc`: OpenID Connect settings of the API server.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SksOidc {
    pub client_id: String,
    pub issuer_url: String,
    pub username_claim: Option<String>,
    pub username_prefix: Option<String>,
    pub groups_claim: Option<String>,
    pub groups_prefix: Option<String>,
    pub required_claim: Option<Labels>,
}

/// `networking` (experimental upstream): pod and service ranges.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct Networking {
    pub cluster_cidr: Option<String>,
    pub service_cluster_ip_range: Option<String>,
    pub node_cidr_mask_size_ipv4: Option<i64>,
    pub node_cidr_mask_size_ipv6: Option<i64>,
}

/// `sks-audit`: Kubernetes audit logging as the cluster reports it (no token).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SksAudit {
    pub endpoint: Option<String>,
    pub enabled: Option<bool>,
    pub initial_backoff: Option<String>,
}

/// `sks-audit-create`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SksAuditCreate {
    pub endpoint: String,
    pub bearer_token: String,
    pub initial_backoff: Option<String>,
}

/// `sks-audit-update`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SksAuditUpdate {
    pub endpoint: Option<String>,
    pub bearer_token: Option<String>,
    pub initial_backoff: Option<String>,
    pub enabled: Option<bool>,
}

/// `sks-cluster`, as `get-sks-cluster` and `list-sks-clusters` return it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SksCluster {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Labels>,
    pub cni: Option<Cni>,
    pub auto_upgrade: Option<bool>,
    pub oidc: Option<SksOidc>,
    pub enable_operators_ca: Option<bool>,
    pub default_security_group_id: Option<Uuid>,
    pub state: Option<ClusterState>,
    pub enable_kube_proxy: Option<bool>,
    pub nodepools: Option<Vec<SksNodepool>>,
    pub level: Option<Level>,
    pub feature_gates: Option<Vec<String>>,
    pub addons: Option<Vec<ClusterAddon>>,
    pub audit: Option<SksAudit>,
    pub version: Option<String>,
    pub created_at: Option<String>,
    pub endpoint: Option<String>,
}

/// Response of `list-sks-clusters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListSksClustersResponse {
    #[serde(rename = "sks-clusters", default)]
    pub sks_clusters: Vec<SksCluster>,
}

/// Body of `create-sks-cluster`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CreateSksClusterRequest {
    pub name: String,
    pub level: Level,
    pub version: String,
    pub description: Option<String>,
    pub labels: Option<Labels>,
    pub cni: Option<Cni>,
    pub auto_upgrade: Option<bool>,
    pub networking: Option<Networking>,
    pub oidc: Option<SksOidc>,
    pub create_default_security_group: Option<bool>,
    pub enable_kube_proxy: Option<bool>,
    pub feature_gates: Option<Vec<String>>,
    pub addons: Option<Vec<ClusterAddon>>,
    pub audit: Option<SksAuditCreate>,
}

impl CreateSksClusterRequest {
    /// A request with the required fields and nothing else.
    pub fn new(name: impl Into<String>, level: Level, version: impl Into<String>) -> Self {
        CreateSksClusterRequest {
            name: name.into(),
            level,
            version: version.into(),
            description: None,
            labels: None,
            cni: None,
            auto_upgrade: None,
            networking: None,
            oidc: None,
            create_default_security_group: None,
            enable_kube_proxy: None,
            feature_gates: None,
            addons: None,
            audit: None,
        }
    }
}

/// Body of `update-sks-cluster`: only the fields to change.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct UpdateSksClusterRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Labels>,
    pub auto_upgrade: Option<bool>,
    pub oidc: Option<SksOidc>,
    pub enable_operators_ca: Option<bool>,
    pub feature_gates: Option<Vec<String>>,
    pub addons: Option<Vec<ClusterAddon>>,
    pub audit: Option<SksAuditUpdate>,
}

/// Body of `upgrade-sks-cluster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeSksClusterRequest {
    pub version: String,
}

wire_enum! {
    /// Fields `reset-sks-cluster-field` can reset (legacy upstream).
    pub enum ClusterResetField {
        Description = "description",
        Labels = "labels",
    }
}
