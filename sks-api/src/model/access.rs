//! Getting into a cluster and knowing what it runs: kubeconfigs, authority certificates,
//! versions, deprecated resources, Karpenter manifests, nodepool templates.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use uuid::Uuid;

/// Body of `generate-sks-cluster-kubeconfig` (`sks-kubeconfig-request`).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SksKubeconfigRequest {
    /// The user name: the client certificate's common name (CN).
    pub user: String,
    /// The groups: one organization (O) each in the client certificate.
    pub groups: Vec<String>,
    /// Validity in seconds (upstream default: 30 days).
    pub ttl: Option<i64>,
}

/// Response of `generate-sks-cluster-kubeconfig`: the kubeconfig YAML, base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeconfigResponse {
    pub kubeconfig: String,
}

wire_enum! {
    /// The certificate authorities of a cluster (`get-sks-cluster-authority-cert`).
    pub enum Authority {
        Aggregation = "aggregation",
        ControlPlane = "control-plane",
        Kubelet = "kubelet",
    }
}

/// Response of `get-sks-cluster-authority-cert`: the PEM certificate, base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityCertResponse {
    pub cacert: String,
}

/// Response of `list-sks-cluster-versions`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListSksClusterVersionsResponse {
    #[serde(rename = "sks-cluster-versions", default)]
    pub sks_cluster_versions: Vec<String>,
}

/// `sks-cluster-deprecated-resource`: an API the cluster's workloads still use that a later
/// Kubernetes release removes.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct SksClusterDeprecatedResource {
    pub group: Option<String>,
    pub version: Option<String>,
    pub resource: Option<String>,
    pub subresource: Option<String>,
    pub removed_release: Option<String>,
}

/// Response of `generate-sks-karpenter-nodepool`: a Karpenter `NodePool` manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KarpenterNodepoolResponse {
    pub nodepool: String,
}

/// Response of `generate-sks-karpenter-exoscale-nodeclass`: an `ExoscaleNodeClass` manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KarpenterNodeclassResponse {
    #[serde(rename = "exoscale-nodeclass")]
    pub exoscale_nodeclass: String,
}

wire_enum! {
    /// Variants of the nodepool template (`get-active-nodepool-template`).
    pub enum TemplateVariant {
        Nvidia = "nvidia",
        Standard = "standard",
    }
}

/// Response of `get-active-nodepool-template`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveTemplateResponse {
    #[serde(rename = "active-template")]
    pub active_template: Uuid,
}
