//! Network resources nodepools attach to: security groups, private networks, anti-affinity
//! groups, deploy targets.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

use super::common::Labels;
use super::compute::{Instance, Visibility};

wire_enum! {
    /// `security-group-rule.flow-direction`.
    pub enum FlowDirection {
        Egress = "egress",
        Ingress = "ingress",
    }
}

wire_enum! {
    /// `security-group-rule.protocol`.
    pub enum Protocol {
        Ah = "ah",
        All = "all",
        Esp = "esp",
        Gre = "gre",
        Icmp = "icmp",
        Icmpv6 = "icmpv6",
        Ipip = "ipip",
        Tcp = "tcp",
        Udp = "udp",
    }
}

/// `security-group-resource`: another security group a rule refers to.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SecurityGroupResource {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub visibility: Option<Visibility>,
}

/// ICMP code and type of a rule (-1 means any).
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Icmp {
    pub code: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<i64>,
}

/// `security-group-rule`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SecurityGroupRule {
    pub id: Option<Uuid>,
    pub description: Option<String>,
    pub start_port: Option<i64>,
    pub end_port: Option<i64>,
    pub protocol: Option<Protocol>,
    pub icmp: Option<Icmp>,
    pub security_group: Option<SecurityGroupResource>,
    pub network: Option<String>,
    pub flow_direction: Option<FlowDirection>,
}

/// `security-group`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SecurityGroup {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub external_sources: Option<Vec<String>>,
    pub rules: Option<Vec<SecurityGroupRule>>,
}

/// Response of `list-security-groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListSecurityGroupsResponse {
    #[serde(rename = "security-groups", default)]
    pub security_groups: Vec<SecurityGroup>,
}

/// Body of `create-security-group` and of `create-anti-affinity-group`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateNamedRequest {
    pub name: String,
    pub description: Option<String>,
}

/// Body of `add-rule-to-security-group`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AddRuleToSecurityGroupRequest {
    pub flow_direction: FlowDirection,
    pub protocol: Protocol,
    pub description: Option<String>,
    pub network: Option<String>,
    pub security_group: Option<SecurityGroupResource>,
    pub icmp: Option<Icmp>,
    pub start_port: Option<i64>,
    pub end_port: Option<i64>,
}

/// `anti-affinity-group`: instances in one group run on different hypervisors.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AntiAffinityGroup {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub instances: Option<Vec<Instance>>,
}

/// Response of `list-anti-affinity-groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListAntiAffinityGroupsResponse {
    #[serde(rename = "anti-affinity-groups", default)]
    pub anti_affinity_groups: Vec<AntiAffinityGroup>,
}

/// `private-network-options`: DHCP options of a managed private network.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct PrivateNetworkOptions {
    pub routers: Option<Vec<String>>,
    pub dns_servers: Option<Vec<String>>,
    pub ntp_servers: Option<Vec<String>>,
    pub domain_search: Option<Vec<String>>,
}

/// `private-network-lease`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct PrivateNetworkLease {
    pub ip: Option<String>,
    pub instance_id: Option<Uuid>,
}

/// `private-network`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct PrivateNetwork {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub labels: Option<Labels>,
    pub start_ip: Option<String>,
    pub end_ip: Option<String>,
    pub netmask: Option<String>,
    pub leases: Option<Vec<PrivateNetworkLease>>,
    pub vni: Option<i64>,
    pub options: Option<PrivateNetworkOptions>,
}

/// Response of `list-private-networks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListPrivateNetworksResponse {
    #[serde(rename = "private-networks", default)]
    pub private_networks: Vec<PrivateNetwork>,
}

/// Body of `create-private-network`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CreatePrivateNetworkRequest {
    pub name: String,
    pub description: Option<String>,
    pub netmask: Option<String>,
    pub start_ip: Option<String>,
    pub end_ip: Option<String>,
    pub labels: Option<Labels>,
    pub options: Option<PrivateNetworkOptions>,
}

/// Body of `update-private-network`: only the fields to change.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct UpdatePrivateNetworkRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub netmask: Option<String>,
    pub start_ip: Option<String>,
    pub end_ip: Option<String>,
    pub labels: Option<Labels>,
    pub options: Option<PrivateNetworkOptions>,
}

wire_enum! {
    /// `deploy-target.type`.
    pub enum DeployTargetType {
        Dedicated = "dedicated",
        Edge = "edge",
    }
}

/// `deploy-target`: where instances are placed (dedicated hypervisors, edge sites).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployTarget {
    pub id: Uuid,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<DeployTargetType>,
    pub description: Option<String>,
}

/// Response of `list-deploy-targets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListDeployTargetsResponse {
    #[serde(rename = "deploy-targets", default)]
    pub deploy_targets: Vec<DeployTarget>,
}
