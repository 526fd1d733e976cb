//! Access to a cluster, as the portal shows it: the Access tab (authorities, rotations, what the
//! caller may do), an issued kubeconfig, the lifetimes offered, and the pure rules for groups,
//! file names and rotations.

use serde::{Deserialize, Serialize};

/// Kubernetes' group with full control, which RBAC cannot restrict.
pub const MASTERS: &str = "system:masters";

/// `7 days`, `1 year`: a lifetime in hours as the form offers it.
pub fn hours_in_words(hours: i64) -> String {
    TTL_CHOICES.iter().find(|(h, _)| *h == hours).map_or_else(
        || format!("{hours} hours"),
        |(_, label)| (*label).to_owned(),
    )
}

/// Lifetimes offered for a kubeconfig, in hours (the service's default is 30 days); each role
/// is offered those up to [`crate::roles::Role::kubeconfig_max_hours`].
pub const TTL_CHOICES: [(i64, &str); 5] = [
    (1, "1 hour"),
    (24, "1 day"),
    (24 * 7, "7 days"),
    (24 * 30, "30 days"),
    (24 * 365, "1 year"),
];

/// A freshly issued kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedKubeconfig {
    /// A file name for the download, e.g. `web-prod-admin.kubeconfig`.
    pub file_name: String,
    /// The kubeconfig YAML.
    pub content: String,
    pub user: String,
    pub groups: Vec<String>,
    pub ttl_hours: i64,
}

/// One certificate authority of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityCert {
    /// `control-plane`, `aggregation` or `kubelet`.
    pub authority: String,
    /// What it signs, in a sentence.
    pub purpose: String,
    /// The PEM certificate (empty when it could not be fetched).
    pub pem: String,
}

/// What the Access tab shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterAccess {
    pub name: String,
    pub state: String,
    pub endpoint: Option<String>,
    pub authorities: Vec<AuthorityCert>,
    /// Rotations this cluster supports: (`which` for `rotate_credentials`, label).
    pub rotations: Vec<(String, String)>,
    pub may_issue: bool,
    pub may_rotate: bool,
    /// The caller's role: the lifetimes and groups the form offers follow it.
    pub role: crate::roles::Role,
}

/// Splits the groups field: commas or white space separate groups.
pub fn parse_groups(value: &str) -> Vec<String> {
    value
        .split([',', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A file name made of the cluster and user names, safe on every system.
pub fn kubeconfig_file_name(cluster: &str, user: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("{}-{}.kubeconfig", safe(cluster), safe(user))
}

/// Rotations by the add-ons they need: (`which`, label, add-on required).
pub const ROTATIONS: [(&str, &str, Option<&str>); 4] = [
    ("operators-ca", "Operators certificate authority", None),
    (
        "ccm",
        "Cloud controller credentials",
        Some("exoscale-cloud-controller"),
    ),
    (
        "csi",
        "Storage (CSI) credentials",
        Some("exoscale-container-storage-interface"),
    ),
    ("karpenter", "Karpenter credentials", Some("karpenter")),
];

/// The audit target prefix of a cluster (its own entries and its nodepools').
pub fn audit_target(zone: &str, id: &str) -> String {
    format!("cluster/{zone}/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_split_on_commas_and_spaces() {
        assert_eq!(
            parse_groups("system:masters, devs  ops\n"),
            ["system:masters", "devs", "ops"]
        );
        assert!(parse_groups(" , ").is_empty());
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            kubeconfig_file_name("web prod", "ann@example.com"),
            "web-prod-ann-example-com.kubeconfig"
        );
    }
}
