//! Compute resources behind nodepools: instance types, instance pools, instances, templates.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

use super::common::{Labels, Ref, ZoneName};
use super::nodepool::PublicIpAssignment;

wire_enum! {
    /// `instance-type.size`.
    pub enum InstanceTypeSize {
        Colossus = "colossus",
        ExtraLarge = "extra-large",
        Huge = "huge",
        Jumbo = "jumbo",
        Large = "large",
        Medium = "medium",
        Mega = "mega",
        Micro = "micro",
        Small = "small",
        Tiny = "tiny",
        Titan = "titan",
        Titan48c = "titan48c",
    }
}

wire_enum! {
    /// `instance-type.family`.
    pub enum InstanceTypeFamily {
        Colossus = "colossus",
        Cpu = "cpu",
        Gpu = "gpu",
        Gpu2 = "gpu2",
        Gpu3 = "gpu3",
        Gpu3080ti = "gpu3080ti",
        Gpua30 = "gpua30",
        Gpua5000 = "gpua5000",
        Gpub300 = "gpub300",
        Gpurtx6000pro = "gpurtx6000pro",
        Memory = "memory",
        Standard = "standard",
        Storage = "storage",
    }
}

/// `instance-type`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InstanceType {
    pub id: Option<Uuid>,
    pub size: Option<InstanceTypeSize>,
    pub family: Option<InstanceTypeFamily>,
    pub cpus: Option<i64>,
    pub gpus: Option<i64>,
    pub authorized: Option<bool>,
    /// Memory in bytes.
    pub memory: Option<i64>,
    pub zones: Option<Vec<ZoneName>>,
}

impl InstanceType {
    /// The name people and the CLI use: `family.size`, e.g. `standard.medium`.
    pub fn display_name(&self) -> Option<String> {
        Some(format!("{}.{}", self.family.as_ref()?, self.size.as_ref()?))
    }
}

/// Response of `list-instance-types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListInstanceTypesResponse {
    #[serde(rename = "instance-types", default)]
    pub instance_types: Vec<InstanceType>,
}

wire_enum! {
    /// `instance-state`.
    pub enum InstanceState {
        Destroyed = "destroyed",
        Destroying = "destroying",
        Error = "error",
        Expunging = "expunging",
        Migrating = "migrating",
        Running = "running",
        Starting = "starting",
        Stopped = "stopped",
        Stopping = "stopping",
    }
}

wire_enum! {
    /// `instance-pool.state`.
    pub enum InstancePoolState {
        Creating = "creating",
        Destroying = "destroying",
        Running = "running",
        ScalingDown = "scaling-down",
        ScalingUp = "scaling-up",
        Suspended = "suspended",
        Updating = "updating",
    }
}

wire_enum! {
    /// `manager.type`: what manages an instance or pool.
    pub enum ManagerType {
        InstancePool = "instance-pool",
        SksNodepool = "sks-nodepool",
    }
}

/// `manager`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Manager {
    pub id: Option<Uuid>,
    #[serde(rename = "type")]
    pub kind: Option<ManagerType>,
}

/// `instance-ref`. Exoscale sends the id only; the local orchestrator also sends the name,
/// state and public IP (extra fields any client ignores), which saves a call per instance.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct InstanceRef {
    pub id: Uuid,
    pub name: Option<String>,
    pub state: Option<InstanceState>,
    pub public_ip: Option<String>,
}

/// `ssh-key-ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshKeyRef {
    pub name: String,
}

/// `ssh-key`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SshKey {
    pub name: Option<String>,
    pub fingerprint: Option<String>,
}

/// `instance-pool`: the pool of instances behind a nodepool.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct InstancePool {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub application_consistent_snapshot_enabled: Option<bool>,
    pub anti_affinity_groups: Option<Vec<Ref>>,
    pub public_ip_assignment: Option<PublicIpAssignment>,
    pub labels: Option<Labels>,
    pub security_groups: Option<Vec<Ref>>,
    pub elastic_ips: Option<Vec<Ref>>,
    pub instance_type: Option<Ref>,
    pub min_available: Option<i64>,
    pub private_networks: Option<Vec<Ref>>,
    pub template: Option<Ref>,
    pub state: Option<InstancePoolState>,
    pub size: Option<i64>,
    pub ssh_key: Option<SshKeyRef>,
    pub instance_prefix: Option<String>,
    pub user_data: Option<String>,
    pub manager: Option<Manager>,
    pub instances: Option<Vec<InstanceRef>>,
    pub deploy_target: Option<Ref>,
    pub ipv6_enabled: Option<bool>,
    pub disk_size: Option<i64>,
    pub ssh_keys: Option<Vec<SshKeyRef>>,
}

wire_enum! {
    /// `template.boot-mode`.
    pub enum BootMode {
        Legacy = "legacy",
        Uefi = "uefi",
    }
}

wire_enum! {
    /// `template.visibility` and `security-group-resource.visibility`.
    pub enum Visibility {
        Private = "private",
        Public = "public",
    }
}

/// `template`: an instance image.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct Template {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub application_consistent_snapshot_enabled: Option<bool>,
    pub maintainer: Option<String>,
    pub ssh_key_enabled: Option<bool>,
    pub family: Option<String>,
    pub default_user: Option<String>,
    pub size: Option<i64>,
    pub password_enabled: Option<bool>,
    pub build: Option<String>,
    pub checksum: Option<String>,
    pub boot_mode: Option<BootMode>,
    pub zones: Option<Vec<ZoneName>>,
    pub url: Option<String>,
    pub version: Option<String>,
    pub created_at: Option<String>,
    pub visibility: Option<Visibility>,
}

/// A private network an instance is attached to, with its MAC address.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct InstancePrivateNetwork {
    pub id: Option<Uuid>,
    pub mac_address: Option<String>,
}

/// A VPC subnet an instance is attached to.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VpcSubnet {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub ipv4: Option<String>,
}

/// The VPC of an instance.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Vpc {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub subnets: Option<Vec<VpcSubnet>>,
}

/// `instance`: a virtual machine (here: a node of a nodepool).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct Instance {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub application_consistent_snapshot_enabled: Option<bool>,
    pub anti_affinity_groups: Option<Vec<Ref>>,
    pub public_ip_assignment: Option<PublicIpAssignment>,
    pub labels: Option<Labels>,
    pub security_groups: Option<Vec<Ref>>,
    pub elastic_ips: Option<Vec<Ref>>,
    pub instance_type: Option<InstanceType>,
    pub private_networks: Option<Vec<InstancePrivateNetwork>>,
    pub template: Option<Template>,
    pub state: Option<InstanceState>,
    pub secureboot_enabled: Option<bool>,
    pub ssh_key: Option<SshKey>,
    pub user_data: Option<String>,
    pub mac_address: Option<String>,
    pub manager: Option<Manager>,
    pub tpm_enabled: Option<bool>,
    pub deploy_target: Option<Ref>,
    pub ipv6_address: Option<String>,
    pub vpc: Option<Vpc>,
    pub snapshots: Option<Vec<Ref>>,
    pub disk_size: Option<i64>,
    pub disk_encrypted: Option<bool>,
    pub ssh_keys: Option<Vec<SshKey>>,
    pub created_at: Option<String>,
    pub public_ip: Option<String>,
}
