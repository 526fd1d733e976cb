//! Nodepools: `sks-nodepool` and the bodies that create, update, scale and evict.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

use super::common::{Labels, Ref};

wire_enum! {
    /// `sks-nodepool.state`.
    pub enum NodepoolState {
        Creating = "creating",
        Degraded = "degraded",
        Deleting = "deleting",
        Error = "error",
        RenewingToken = "renewing-token",
        Running = "running",
        Scaling = "scaling",
        Updating = "updating",
    }
}

impl NodepoolState {
    /// Whether the nodepool is on its way somewhere (worth watching closely).
    pub fn is_transitional(&self) -> bool {
        !matches!(
            self,
            NodepoolState::Running | NodepoolState::Error | NodepoolState::Degraded
        )
    }
}

wire_enum! {
    /// `public-ip-assignment`. Nodepools accept `inet4` and `dual` only.
    pub enum PublicIpAssignment {
        Dual = "dual",
        Inet4 = "inet4",
        None = "none",
    }
}

wire_enum! {
    /// `sks-nodepool-taint.effect`.
    pub enum TaintEffect {
        NoExecute = "NoExecute",
        NoSchedule = "NoSchedule",
        PreferNoSchedule = "PreferNoSchedule",
    }
}

wire_enum! {
    /// `sks-nodepool.addons`.
    pub enum NodepoolAddon {
        StorageLvm = "storage-lvm",
    }
}

wire_enum! {
    /// Fields `reset-sks-nodepool-field` can reset (legacy upstream).
    pub enum NodepoolResetField {
        AntiAffinityGroups = "anti-affinity-groups",
        DeployTarget = "deploy-target",
        Description = "description",
        Labels = "labels",
        PrivateNetworks = "private-networks",
        SecurityGroups = "security-groups",
    }
}

/// `sks-nodepool-taint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SksNodepoolTaint {
    pub value: String,
    pub effect: TaintEffect,
}

/// `sks-nodepool-taints`: taint key → value and effect.
pub type SksNodepoolTaints = BTreeMap<String, SksNodepoolTaint>;

/// `kubelet-image-gc`: when the kubelet removes unused images.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct KubeletImageGc {
    pub high_threshold: Option<i64>,
    pub low_threshold: Option<i64>,
    pub min_age: Option<String>,
}

/// `nvidia-mig-profiles`: the MIG profile per GPU model (values checked by validation).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NvidiaMigProfiles {
    #[serde(rename = "a30.24gb")]
    pub a30_24gb: Option<String>,
    #[serde(rename = "rtxpro6000.96gb")]
    pub rtxpro6000_96gb: Option<String>,
    #[serde(rename = "b300.269gb")]
    pub b300_269gb: Option<String>,
}

/// `sks-nodepool`, as the cluster and `get-sks-nodepool` return it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SksNodepool {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub anti_affinity_groups: Option<Vec<Ref>>,
    pub public_ip_assignment: Option<PublicIpAssignment>,
    pub labels: Option<Labels>,
    pub taints: Option<SksNodepoolTaints>,
    pub security_groups: Option<Vec<Ref>>,
    pub instance_type: Option<Ref>,
    pub private_networks: Option<Vec<Ref>>,
    pub template: Option<Ref>,
    pub state: Option<NodepoolState>,
    pub size: Option<i64>,
    pub kubelet_image_gc: Option<KubeletImageGc>,
    pub instance_pool: Option<Ref>,
    pub instance_prefix: Option<String>,
    pub deploy_target: Option<Ref>,
    pub kubelet_max_pods: Option<i64>,
    pub addons: Option<Vec<NodepoolAddon>>,
    pub disk_size: Option<i64>,
    pub version: Option<String>,
    pub nvidia_mig_profiles: Option<NvidiaMigProfiles>,
    pub created_at: Option<String>,
}

/// Body of `create-sks-nodepool`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CreateSksNodepoolRequest {
    pub name: String,
    pub size: i64,
    pub disk_size: i64,
    pub instance_type: Ref,
    pub description: Option<String>,
    pub anti_affinity_groups: Option<Vec<Ref>>,
    pub public_ip_assignment: Option<PublicIpAssignment>,
    pub labels: Option<Labels>,
    pub taints: Option<SksNodepoolTaints>,
    pub security_groups: Option<Vec<Ref>>,
    pub private_networks: Option<Vec<Ref>>,
    pub kubelet_image_gc: Option<KubeletImageGc>,
    pub instance_prefix: Option<String>,
    pub deploy_target: Option<Ref>,
    pub kubelet_max_pods: Option<i64>,
    pub addons: Option<Vec<NodepoolAddon>>,
    pub nvidia_mig_profiles: Option<NvidiaMigProfiles>,
}

impl CreateSksNodepoolRequest {
    /// A request with the required fields and nothing else.
    pub fn new(name: impl Into<String>, size: i64, disk_size: i64, instance_type: Uuid) -> Self {
        CreateSksNodepoolRequest {
            name: name.into(),
            size,
            disk_size,
            instance_type: Ref::from(instance_type),
            description: None,
            anti_affinity_groups: None,
            public_ip_assignment: None,
            labels: None,
            taints: None,
            security_groups: None,
            private_networks: None,
            kubelet_image_gc: None,
            instance_prefix: None,
            deploy_target: None,
            kubelet_max_pods: None,
            addons: None,
            nvidia_mig_profiles: None,
        }
    }
}

/// Body of `update-sks-nodepool`: only the fields to change.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct UpdateSksNodepoolRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub anti_affinity_groups: Option<Vec<Ref>>,
    pub public_ip_assignment: Option<PublicIpAssignment>,
    pub labels: Option<Labels>,
    pub taints: Option<SksNodepoolTaints>,
    pub security_groups: Option<Vec<Ref>>,
    pub instance_type: Option<Ref>,
    pub private_networks: Option<Vec<Ref>>,
    pub kubelet_image_gc: Option<KubeletImageGc>,
    pub instance_prefix: Option<String>,
    pub deploy_target: Option<Ref>,
    pub kubelet_max_pods: Option<i64>,
    pub disk_size: Option<i64>,
    pub nvidia_mig_profiles: Option<NvidiaMigProfiles>,
}

/// Body of `scale-sks-nodepool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleSksNodepoolRequest {
    pub size: i64,
}

/// Body of `evict-sks-nodepool-members`: the instances to remove; the pool shrinks by as many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EvictSksNodepoolMembersRequest {
    #[serde(default)]
    pub instances: Vec<Uuid>,
}
