//! The contract's validation rules, in one place: string lengths, integer ranges, enum values,
//! list sizes and uniqueness, and the few rules between fields the service enforces.
//!
//! Every rule names the field it checks with its wire name, as a path (`nodepools[0].size`,
//! `taints.gpu.value`), and says what is allowed. The local orchestrator answers a 400 with
//! these messages; the portal shows them next to the form fields.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::*;

/// One rejected field: where, and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's path with wire names, e.g. `name` or `taints.gpu.effect`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A rejected request: every field that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct Invalid(pub Vec<FieldError>);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl Invalid {
    /// The message for `field`, if it was rejected.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// Something the contract can check.
pub trait Validate {
    /// Checks every rule and reports every broken one.
    fn validate(&self) -> Result<(), Invalid> {
        let mut check = Check::default();
        self.check(&mut check, "");
        check.finish()
    }

    /// Adds this value's broken rules to `check`, with field paths under `prefix`.
    fn check(&self, check: &mut Check, prefix: &str);
}

/// Collects broken rules.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

/// `prefix.name`, or `name` at the top.
fn path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Check {
    /// Records a broken rule.
    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// The verdict.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.errors))
        }
    }

    /// A string of `min..=max` characters (Unicode scalar values, as the API counts).
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let count = value.chars().count();
        if count < min || count > max {
            let rule = match (min, max) {
                (0, max) => format!("must be at most {max} characters"),
                (1, max) => format!("must be 1 to {max} characters"),
                (min, max) => format!("must be {min} to {max} characters"),
            };
            let message = if count == 0 {
                format!("is required ({rule})")
            } else {
                format!("{rule}, not {count}")
            };
            self.fail(field, message);
        }
    }

    /// An optional string of `min..=max` characters when present.
    pub fn optional_length(&mut self, field: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(value) = value {
            self.length(field, value, min, max);
        }
    }

    /// An integer in `min..=max`.
    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            let message = if max == i64::MAX {
                format!("must be at least {min}, not {value}")
            } else {
                format!("must be between {min} and {max}, not {value}")
            };
            self.fail(field, message);
        }
    }

    /// An optional integer in `min..=max` when present.
    pub fn optional_range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(value) = value {
            self.range(field, value, min, max);
        }
    }

    /// A documented enum value.
    pub fn known(&mut self, field: &str, is_known: bool, value: &str, allowed: &str) {
        if !is_known {
            self.fail(field, format!("must be one of: {allowed}; not {value:?}"));
        }
    }

    /// A list of at most `max` distinct items.
    pub fn distinct<T: Ord>(&mut self, field: &str, items: &[T], max: usize) {
        if items.len() > max {
            self.fail(
                field,
                format!("may hold at most {max} items, not {}", items.len()),
            );
        }
        let unique: BTreeSet<&T> = items.iter().collect();
        if unique.len() != items.len() {
            self.fail(field, "must not list the same item twice");
        }
    }
}

/// Checks a list of documented enum values: each known, none twice.
macro_rules! check_enum_list {
    ($check:expr, $field:expr, $items:expr, $ty:ty) => {{
        let items = $items;
        for (i, item) in items.iter().enumerate() {
            $check.known(
                &format!("{}[{}]", $field, i),
                item.is_known(),
                item.as_str(),
                &<$ty>::allowed(),
            );
        }
        $check.distinct($field, items, usize::MAX);
    }};
}

/// Checks an optional documented enum value.
macro_rules! check_enum {
    ($check:expr, $field:expr, $value:expr, $ty:ty) => {{
        if let Some(value) = $value {
            $check.known($field, value.is_known(), value.as_str(), &<$ty>::allowed());
        }
    }};
}

/// Longest name or description the API accepts.
const NAME_MAX: usize = 255;
/// Longest audit endpoint or bearer token.
const AUDIT_MAX: usize = 2000;
/// Most security groups and private networks per nodepool.
const NETWORKS_MAX: usize = 16;
/// Most anti-affinity groups per nodepool.
const ANTI_AFFINITY_MAX: usize = 8;
/// Disk size range of a node, GiB.
pub const DISK_SIZE_MIN: i64 = 20;
/// Disk size range of a node, GiB.
pub const DISK_SIZE_MAX: i64 = 51200;
/// Longest instance name prefix.
const PREFIX_MAX: usize = 30;
/// Most instances in one nodepool: the size quota. Beyond it a request is refused rather than
/// planned, so one typo (or a hostile number) cannot ask for billions of instances at once.
pub const MAX_NODEPOOL_SIZE: i64 = 1000;

/// MIG profiles accepted per GPU model.
const MIG_A30: &[&str] = &["1g.6gb", "1g.6gb+me", "2g.12gb", "2g.12gb+me", "4g.24gb"];
const MIG_RTXPRO6000: &[&str] = &[
    "1g.24gb",
    "1g.24gb+gfx",
    "1g.24gb+me",
    "1g.24gb+me.all",
    "1g.24gb-me",
    "2g.48gb",
    "2g.48gb+gfx",
    "2g.48gb+me.all",
    "2g.48gb-me",
    "4g.96gb",
    "4g.96gb+gfx",
];
const MIG_B300: &[&str] = &[
    "1g.34gb",
    "1g.34gb+me",
    "1g.67gb",
    "2g.67gb",
    "3g.135gb",
    "4g.135gb",
    "7g.269gb",
];

fn check_oidc(check: &mut Check, prefix: &str, oidc: &SksOidc) {
    check.length(&path(prefix, "client-id"), &oidc.client_id, 1, NAME_MAX);
    check.length(&path(prefix, "issuer-url"), &oidc.issuer_url, 1, NAME_MAX);
    for (name, value) in [
        ("username-claim", &oidc.username_claim),
        ("username-prefix", &oidc.username_prefix),
        ("groups-claim", &oidc.groups_claim),
        ("groups-prefix", &oidc.groups_prefix),
    ] {
        check.optional_length(&path(prefix, name), value.as_deref(), 1, NAME_MAX);
    }
}

fn check_cluster_addons(check: &mut Check, field: &str, addons: &[ClusterAddon]) {
    check_enum_list!(check, field, addons, ClusterAddon);
}

/// Karpenter needs the pro level and the cloud controller (service rules, not schema rules).
fn check_karpenter(check: &mut Check, field: &str, level: &Level, addons: &[ClusterAddon]) {
    if addons.contains(&ClusterAddon::Karpenter) {
        if *level != Level::Pro {
            check.fail(field, "karpenter requires the pro level");
        }
        if !addons.contains(&ClusterAddon::ExoscaleCloudController) {
            check.fail(field, "karpenter requires exoscale-cloud-controller");
        }
    }
}

impl Validate for CreateSksClusterRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.length(&path(prefix, "name"), &self.name, 1, NAME_MAX);
        check.optional_length(
            &path(prefix, "description"),
            self.description.as_deref(),
            0,
            NAME_MAX,
        );
        check.known(
            &path(prefix, "level"),
            self.level.is_known(),
            self.level.as_str(),
            &Level::allowed(),
        );
        if self.version.trim().is_empty() {
            check.fail(path(prefix, "version"), "is required");
        }
        check_enum!(check, &path(prefix, "cni"), &self.cni, Cni);
        if let Some(addons) = &self.addons {
            check_cluster_addons(check, &path(prefix, "addons"), addons);
            check_karpenter(check, &path(prefix, "addons"), &self.level, addons);
        }
        if let Some(oidc) = &self.oidc {
            check_oidc(check, &path(prefix, "oidc"), oidc);
        }
        if let Some(audit) = &self.audit {
            let audit_prefix = path(prefix, "audit");
            check.length(
                &path(&audit_prefix, "endpoint"),
                &audit.endpoint,
                1,
                AUDIT_MAX,
            );
            check.length(
                &path(&audit_prefix, "bearer-token"),
                &audit.bearer_token,
                1,
                AUDIT_MAX,
            );
            check.optional_length(
                &path(&audit_prefix, "initial-backoff"),
                audit.initial_backoff.as_deref(),
                1,
                10,
            );
        }
        if let Some(networking) = &self.networking {
            let net = path(prefix, "networking");
            check.optional_range(
                &path(&net, "node-cidr-mask-size-ipv4"),
                networking.node_cidr_mask_size_ipv4,
                1,
                i64::MAX,
            );
            check.optional_range(
                &path(&net, "node-cidr-mask-size-ipv6"),
                networking.node_cidr_mask_size_ipv6,
                1,
                i64::MAX,
            );
        }
    }
}

impl Validate for UpdateSksClusterRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.optional_length(&path(prefix, "name"), self.name.as_deref(), 1, NAME_MAX);
        check.optional_length(
            &path(prefix, "description"),
            self.description.as_deref(),
            0,
            NAME_MAX,
        );
        if let Some(addons) = &self.addons {
            check_cluster_addons(check, &path(prefix, "addons"), addons);
        }
        if let Some(oidc) = &self.oidc {
            check_oidc(check, &path(prefix, "oidc"), oidc);
        }
        if let Some(audit) = &self.audit {
            let audit_prefix = path(prefix, "audit");
            check.optional_length(
                &path(&audit_prefix, "endpoint"),
                audit.endpoint.as_deref(),
                1,
                AUDIT_MAX,
            );
            check.optional_length(
                &path(&audit_prefix, "bearer-token"),
                audit.bearer_token.as_deref(),
                1,
                AUDIT_MAX,
            );
            check.optional_length(
                &path(&audit_prefix, "initial-backoff"),
                audit.initial_backoff.as_deref(),
                1,
                10,
            );
        }
    }
}

impl Validate for UpgradeSksClusterRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        if self.version.trim().is_empty() {
            check.fail(path(prefix, "version"), "is required");
        }
    }
}

/// The nodepool fields shared by create and update.
struct NodepoolFields<'a> {
    description: Option<&'a str>,
    anti_affinity_groups: Option<&'a [Ref]>,
    public_ip_assignment: Option<&'a PublicIpAssignment>,
    taints: Option<&'a SksNodepoolTaints>,
    security_groups: Option<&'a [Ref]>,
    private_networks: Option<&'a [Ref]>,
    kubelet_image_gc: Option<&'a KubeletImageGc>,
    instance_prefix: Option<&'a str>,
    kubelet_max_pods: Option<i64>,
    disk_size: Option<i64>,
    nvidia_mig_profiles: Option<&'a NvidiaMigProfiles>,
}

impl NodepoolFields<'_> {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.optional_length(&path(prefix, "description"), self.description, 0, NAME_MAX);
        if let Some(groups) = self.anti_affinity_groups {
            check.distinct(
                &path(prefix, "anti-affinity-groups"),
                groups,
                ANTI_AFFINITY_MAX,
            );
        }
        if let Some(groups) = self.security_groups {
            check.distinct(&path(prefix, "security-groups"), groups, NETWORKS_MAX);
        }
        if let Some(networks) = self.private_networks {
            check.distinct(&path(prefix, "private-networks"), networks, NETWORKS_MAX);
        }
        if let Some(assignment) = self.public_ip_assignment
            && !matches!(
                assignment,
                PublicIpAssignment::Inet4 | PublicIpAssignment::Dual
            )
        {
            check.fail(
                path(prefix, "public-ip-assignment"),
                format!("must be one of: inet4, dual; not {:?}", assignment.as_str()),
            );
        }
        if let Some(taints) = self.taints {
            for (key, taint) in taints {
                let taint_prefix = path(&path(prefix, "taints"), key);
                check_taint_key(check, &taint_prefix, key);
                check.length(&path(&taint_prefix, "value"), &taint.value, 1, NAME_MAX);
                check.known(
                    &path(&taint_prefix, "effect"),
                    taint.effect.is_known(),
                    taint.effect.as_str(),
                    &TaintEffect::allowed(),
                );
            }
        }
        if let Some(gc) = self.kubelet_image_gc {
            let gc_prefix = path(prefix, "kubelet-image-gc");
            check.optional_range(
                &path(&gc_prefix, "high-threshold"),
                gc.high_threshold,
                0,
                i64::MAX,
            );
            check.optional_range(
                &path(&gc_prefix, "low-threshold"),
                gc.low_threshold,
                0,
                i64::MAX,
            );
        }
        check.optional_length(
            &path(prefix, "instance-prefix"),
            self.instance_prefix,
            1,
            PREFIX_MAX,
        );
        check.optional_range(
            &path(prefix, "kubelet-max-pods"),
            self.kubelet_max_pods,
            1,
            65535,
        );
        check.optional_range(
            &path(prefix, "disk-size"),
            self.disk_size,
            DISK_SIZE_MIN,
            DISK_SIZE_MAX,
        );
        if let Some(profiles) = self.nvidia_mig_profiles {
            let mig = path(prefix, "nvidia-mig-profiles");
            for (name, value, allowed) in [
                ("a30.24gb", &profiles.a30_24gb, MIG_A30),
                ("rtxpro6000.96gb", &profiles.rtxpro6000_96gb, MIG_RTXPRO6000),
                ("b300.269gb", &profiles.b300_269gb, MIG_B300),
            ] {
                if let Some(value) = value {
                    check.known(
                        &path(&mig, name),
                        allowed.contains(&value.as_str()),
                        value,
                        &allowed.join(", "),
                    );
                }
            }
        }
    }
}

/// A taint key as Kubernetes accepts it: an optional DNS-subdomain prefix and `/`, then a name
/// of 1–63 characters of letters, digits, `-`, `_`, `.`, starting and ending alphanumeric.
fn check_taint_key(check: &mut Check, field: &str, key: &str) {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    if !name_ok || !prefix_ok {
        check.fail(
            field,
            "taint key must be a Kubernetes label key: [prefix/]name, the name 1 to 63 letters, \
             digits, '-', '_' or '.', starting and ending with a letter or digit",
        );
    }
}

impl Validate for CreateSksNodepoolRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.length(&path(prefix, "name"), &self.name, 1, NAME_MAX);
        // Creating needs at least one instance; scaling later may go to zero.
        check.range(&path(prefix, "size"), self.size, 1, i64::MAX);
        check_quota(check, &path(prefix, "size"), self.size);
        check.range(
            &path(prefix, "disk-size"),
            self.disk_size,
            DISK_SIZE_MIN,
            DISK_SIZE_MAX,
        );
        if let Some(addons) = &self.addons {
            check_enum_list!(check, &path(prefix, "addons"), addons, NodepoolAddon);
        }
        NodepoolFields {
            description: self.description.as_deref(),
            anti_affinity_groups: self.anti_affinity_groups.as_deref(),
            public_ip_assignment: self.public_ip_assignment.as_ref(),
            taints: self.taints.as_ref(),
            security_groups: self.security_groups.as_deref(),
            private_networks: self.private_networks.as_deref(),
            kubelet_image_gc: self.kubelet_image_gc.as_ref(),
            instance_prefix: self.instance_prefix.as_deref(),
            kubelet_max_pods: self.kubelet_max_pods,
            disk_size: None,
            nvidia_mig_profiles: self.nvidia_mig_profiles.as_ref(),
        }
        .check(check, prefix);
    }
}

impl Validate for UpdateSksNodepoolRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.optional_length(&path(prefix, "name"), self.name.as_deref(), 1, NAME_MAX);
        NodepoolFields {
            description: self.description.as_deref(),
            anti_affinity_groups: self.anti_affinity_groups.as_deref(),
            public_ip_assignment: self.public_ip_assignment.as_ref(),
            taints: self.taints.as_ref(),
            security_groups: self.security_groups.as_deref(),
            private_networks: self.private_networks.as_deref(),
            kubelet_image_gc: self.kubelet_image_gc.as_ref(),
            instance_prefix: self.instance_prefix.as_deref(),
            kubelet_max_pods: self.kubelet_max_pods,
            disk_size: self.disk_size,
            nvidia_mig_profiles: self.nvidia_mig_profiles.as_ref(),
        }
        .check(check, prefix);
    }
}

impl Validate for ScaleSksNodepoolRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.range(&path(prefix, "size"), self.size, 0, i64::MAX);
        check_quota(check, &path(prefix, "size"), self.size);
    }
}

/// A nodepool size within [`MAX_NODEPOOL_SIZE`].
fn check_quota(check: &mut Check, field: &str, size: i64) {
    if size > MAX_NODEPOOL_SIZE {
        check.fail(
            field,
            format!("must be at most {MAX_NODEPOOL_SIZE} (the nodepool size quota), not {size}"),
        );
    }
}

impl Validate for EvictSksNodepoolMembersRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        let field = path(prefix, "instances");
        if self.instances.is_empty() {
            check.fail(field, "must name at least one instance");
        } else {
            check.distinct(&field, &self.instances, usize::MAX);
        }
    }
}

impl Validate for SksKubeconfigRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.length(&path(prefix, "user"), &self.user, 1, NAME_MAX);
        for (i, group) in self.groups.iter().enumerate() {
            check.length(
                &format!("{}[{i}]", path(prefix, "groups")),
                group,
                1,
                NAME_MAX,
            );
        }
        check.optional_range(&path(prefix, "ttl"), self.ttl, 1, i64::MAX);
    }
}

impl Validate for CreateNamedRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.length(&path(prefix, "name"), &self.name, 1, NAME_MAX);
        check.optional_length(
            &path(prefix, "description"),
            self.description.as_deref(),
            0,
            NAME_MAX,
        );
    }
}

impl Validate for AddRuleToSecurityGroupRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.known(
            &path(prefix, "flow-direction"),
            self.flow_direction.is_known(),
            self.flow_direction.as_str(),
            &FlowDirection::allowed(),
        );
        check.known(
            &path(prefix, "protocol"),
            self.protocol.is_known(),
            self.protocol.as_str(),
            &Protocol::allowed(),
        );
        check.optional_length(
            &path(prefix, "description"),
            self.description.as_deref(),
            0,
            NAME_MAX,
        );
        check.optional_range(&path(prefix, "start-port"), self.start_port, 1, 65535);
        check.optional_range(&path(prefix, "end-port"), self.end_port, 1, 65535);
        if let (Some(start), Some(end)) = (self.start_port, self.end_port)
            && start > end
        {
            check.fail(path(prefix, "end-port"), "must not be below start-port");
        }
        if let Some(icmp) = &self.icmp {
            let icmp_prefix = path(prefix, "icmp");
            check.optional_range(&path(&icmp_prefix, "code"), icmp.code, -1, 254);
            check.optional_range(&path(&icmp_prefix, "type"), icmp.kind, -1, 254);
        }
        if self.network.is_some() == self.security_group.is_some() {
            check.fail(
                path(prefix, "network"),
                "give either network (a CIDR) or security-group, not both or neither",
            );
        }
    }
}

/// An IPv4 address in dotted form.
fn check_ipv4(check: &mut Check, field: &str, value: Option<&str>) {
    if let Some(value) = value
        && value.parse::<std::net::Ipv4Addr>().is_err()
    {
        check.fail(field, format!("must be an IPv4 address, not {value:?}"));
    }
}

fn check_private_network(
    check: &mut Check,
    prefix: &str,
    description: Option<&str>,
    addresses: [(&str, Option<&str>); 3],
) {
    check.optional_length(&path(prefix, "description"), description, 0, NAME_MAX);
    for (name, value) in addresses {
        check_ipv4(check, &path(prefix, name), value);
    }
}

impl Validate for CreatePrivateNetworkRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.length(&path(prefix, "name"), &self.name, 1, NAME_MAX);
        check_private_network(
            check,
            prefix,
            self.description.as_deref(),
            [
                ("netmask", self.netmask.as_deref()),
                ("start-ip", self.start_ip.as_deref()),
                ("end-ip", self.end_ip.as_deref()),
            ],
        );
    }
}

impl Validate for UpdatePrivateNetworkRequest {
    fn check(&self, check: &mut Check, prefix: &str) {
        check.optional_length(&path(prefix, "name"), self.name.as_deref(), 1, NAME_MAX);
        check_private_network(
            check,
            prefix,
            self.description.as_deref(),
            [
                ("netmask", self.netmask.as_deref()),
                ("start-ip", self.start_ip.as_deref()),
                ("end-ip", self.end_ip.as_deref()),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn cluster() -> CreateSksClusterRequest {
        CreateSksClusterRequest::new("demo", Level::Starter, "1.34.3")
    }

    fn nodepool() -> CreateSksNodepoolRequest {
        CreateSksNodepoolRequest::new("workers", 3, 50, Uuid::nil())
    }

    fn errors<T: Validate>(value: &T) -> Invalid {
        value.validate().expect_err("should be refused")
    }

    #[test]
    fn a_minimal_cluster_is_valid() {
        cluster().validate().unwrap();
    }

    #[test]
    fn cluster_rules_name_their_field() {
        let cases: Vec<(CreateSksClusterRequest, &str, &str)> = vec![
            (
                CreateSksClusterRequest {
                    name: String::new(),
                    ..cluster()
                },
                "name",
                "is required (must be 1 to 255 characters)",
            ),
            (
                CreateSksClusterRequest {
                    name: "x".repeat(256),
                    ..cluster()
                },
                "name",
                "must be 1 to 255 characters, not 256",
            ),
            (
                CreateSksClusterRequest {
                    description: Some("d".repeat(300)),
                    ..cluster()
                },
                "description",
                "must be at most 255 characters, not 300",
            ),
            (
                CreateSksClusterRequest {
                    level: Level::from_wire("gold"),
                    ..cluster()
                },
                "level",
                "must be one of: pro, starter; not \"gold\"",
            ),
            (
                CreateSksClusterRequest {
                    version: " ".into(),
                    ..cluster()
                },
                "version",
                "is required",
            ),
            (
                CreateSksClusterRequest {
                    cni: Some(Cni::from_wire("flannel")),
                    ..cluster()
                },
                "cni",
                "must be one of: calico, cilium; not \"flannel\"",
            ),
        ];
        for (request, field, message) in cases {
            let invalid = errors(&request);
            assert_eq!(invalid.field(field), Some(message), "{invalid}");
        }
    }

    #[test]
    fn names_count_characters_not_bytes() {
        CreateSksClusterRequest {
            name: "é".repeat(255),
            ..cluster()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn addons_must_be_known_distinct_and_karpenter_needs_pro_and_ccm() {
        let invalid = errors(&CreateSksClusterRequest {
            addons: Some(vec![
                ClusterAddon::MetricsServer,
                ClusterAddon::MetricsServer,
                ClusterAddon::from_wire("dashboard"),
            ]),
            ..cluster()
        });
        assert!(
            invalid
                .field("addons[2]")
                .unwrap()
                .contains("metrics-server")
        );
        assert_eq!(
            invalid.field("addons"),
            Some("must not list the same item twice")
        );

        let invalid = errors(&CreateSksClusterRequest {
            addons: Some(vec![ClusterAddon::Karpenter]),
            ..cluster()
        });
        let messages: Vec<&str> = invalid.0.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"karpenter requires the pro level"));
        assert!(messages.contains(&"karpenter requires exoscale-cloud-controller"));

        CreateSksClusterRequest {
            level: Level::Pro,
            addons: Some(vec![
                ClusterAddon::ExoscaleCloudController,
                ClusterAddon::Karpenter,
            ]),
            ..cluster()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn nested_fields_have_paths() {
        let invalid = errors(&CreateSksClusterRequest {
            oidc: Some(SksOidc {
                client_id: String::new(),
                issuer_url: "https://id.example".into(),
                username_claim: Some(String::new()),
                username_prefix: None,
                groups_claim: None,
                groups_prefix: None,
                required_claim: None,
            }),
            audit: Some(SksAuditCreate {
                endpoint: "https://audit.example".into(),
                bearer_token: "t".repeat(2001),
                initial_backoff: Some("10 seconds!".into()),
            }),
            ..cluster()
        });
        assert!(invalid.field("oidc.client-id").is_some(), "{invalid}");
        assert!(invalid.field("oidc.username-claim").is_some(), "{invalid}");
        assert!(invalid.field("audit.bearer-token").is_some(), "{invalid}");
        assert!(
            invalid.field("audit.initial-backoff").is_some(),
            "{invalid}"
        );
        assert_eq!(invalid.0.len(), 4, "{invalid}");
    }

    #[test]
    fn a_minimal_nodepool_is_valid_and_sizes_have_bounds() {
        nodepool().validate().unwrap();
        let cases = [
            (0, 50, "size", "must be at least 1, not 0"),
            (3, 19, "disk-size", "must be between 20 and 51200, not 19"),
            (
                3,
                51201,
                "disk-size",
                "must be between 20 and 51200, not 51201",
            ),
        ];
        for (size, disk, field, message) in cases {
            let invalid = errors(&CreateSksNodepoolRequest {
                size,
                disk_size: disk,
                ..nodepool()
            });
            assert_eq!(invalid.field(field), Some(message), "{invalid}");
        }
        CreateSksNodepoolRequest {
            disk_size: 20,
            ..nodepool()
        }
        .validate()
        .unwrap();
        CreateSksNodepoolRequest {
            disk_size: 51200,
            ..nodepool()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn nodepool_sizes_stop_at_the_quota() {
        CreateSksNodepoolRequest {
            size: MAX_NODEPOOL_SIZE,
            ..nodepool()
        }
        .validate()
        .unwrap();
        ScaleSksNodepoolRequest {
            size: MAX_NODEPOOL_SIZE,
        }
        .validate()
        .unwrap();
        let invalid = errors(&CreateSksNodepoolRequest {
            size: i64::MAX,
            ..nodepool()
        });
        assert_eq!(
            invalid.field("size"),
            Some("must be at most 1000 (the nodepool size quota), not 9223372036854775807")
        );
        let invalid = errors(&ScaleSksNodepoolRequest {
            size: MAX_NODEPOOL_SIZE + 1,
        });
        assert_eq!(
            invalid.field("size"),
            Some("must be at most 1000 (the nodepool size quota), not 1001")
        );
    }

    #[test]
    fn scaling_to_zero_is_allowed_but_not_below() {
        ScaleSksNodepoolRequest { size: 0 }.validate().unwrap();
        let invalid = errors(&ScaleSksNodepoolRequest { size: -1 });
        assert_eq!(invalid.field("size"), Some("must be at least 0, not -1"));
    }

    #[test]
    fn nodepool_lists_have_limits() {
        let refs =
            |n: u128| -> Vec<Ref> { (0..n).map(|i| Ref::from(Uuid::from_u128(i))).collect() };
        let invalid = errors(&CreateSksNodepoolRequest {
            security_groups: Some(refs(17)),
            private_networks: Some(refs(17)),
            anti_affinity_groups: Some(refs(9)),
            ..nodepool()
        });
        assert_eq!(
            invalid.field("security-groups"),
            Some("may hold at most 16 items, not 17")
        );
        assert!(invalid.field("private-networks").is_some());
        assert_eq!(
            invalid.field("anti-affinity-groups"),
            Some("may hold at most 8 items, not 9")
        );
        let twice = vec![Ref::from(Uuid::nil()), Ref::from(Uuid::nil())];
        let invalid = errors(&CreateSksNodepoolRequest {
            security_groups: Some(twice),
            ..nodepool()
        });
        assert_eq!(
            invalid.field("security-groups"),
            Some("must not list the same item twice")
        );
    }

    #[test]
    fn taints_are_checked_by_key() {
        let mut taints = SksNodepoolTaints::new();
        taints.insert(
            "nvidia.com/gpu".into(),
            SksNodepoolTaint {
                value: "present".into(),
                effect: TaintEffect::NoSchedule,
            },
        );
        taints.insert(
            "bad key".into(),
            SksNodepoolTaint {
                value: String::new(),
                effect: TaintEffect::from_wire("Sometimes"),
            },
        );
        let invalid = errors(&CreateSksNodepoolRequest {
            taints: Some(taints),
            ..nodepool()
        });
        assert!(invalid.field("taints.bad key").is_some(), "{invalid}");
        assert!(invalid.field("taints.bad key.value").is_some(), "{invalid}");
        assert!(
            invalid
                .field("taints.bad key.effect")
                .unwrap()
                .contains("NoSchedule"),
            "{invalid}"
        );
        assert!(invalid.field("taints.nvidia.com/gpu").is_none());
        assert_eq!(invalid.0.len(), 3, "{invalid}");
    }

    #[test]
    fn other_nodepool_fields() {
        let invalid = errors(&CreateSksNodepoolRequest {
            public_ip_assignment: Some(PublicIpAssignment::None),
            instance_prefix: Some("p".repeat(31)),
            kubelet_max_pods: Some(0),
            nvidia_mig_profiles: Some(NvidiaMigProfiles {
                a30_24gb: Some("9g.99gb".into()),
                ..NvidiaMigProfiles::default()
            }),
            addons: Some(vec![NodepoolAddon::from_wire("storage-zfs")]),
            ..nodepool()
        });
        for field in [
            "public-ip-assignment",
            "instance-prefix",
            "kubelet-max-pods",
            "nvidia-mig-profiles.a30.24gb",
            "addons[0]",
        ] {
            assert!(invalid.field(field).is_some(), "{field}: {invalid}");
        }
    }

    #[test]
    fn kubeconfig_requests_need_a_user_and_a_positive_ttl() {
        SksKubeconfigRequest {
            user: "alice".into(),
            groups: vec!["system:masters".into()],
            ttl: Some(3600),
        }
        .validate()
        .unwrap();
        let invalid = errors(&SksKubeconfigRequest {
            user: String::new(),
            groups: vec![String::new()],
            ttl: Some(0),
        });
        assert!(invalid.field("user").is_some());
        assert!(invalid.field("groups[0]").is_some());
        assert_eq!(invalid.field("ttl"), Some("must be at least 1, not 0"));
    }

    #[test]
    fn evictions_name_distinct_instances() {
        let invalid = errors(&EvictSksNodepoolMembersRequest { instances: vec![] });
        assert!(invalid.field("instances").is_some());
        let id = Uuid::from_u128(7);
        let invalid = errors(&EvictSksNodepoolMembersRequest {
            instances: vec![id, id],
        });
        assert!(invalid.field("instances").is_some());
    }

    #[test]
    fn security_group_rules() {
        let rule = AddRuleToSecurityGroupRequest {
            flow_direction: FlowDirection::Ingress,
            protocol: Protocol::Tcp,
            description: None,
            network: Some("0.0.0.0/0".into()),
            security_group: None,
            icmp: None,
            start_port: Some(30000),
            end_port: Some(32767),
        };
        rule.validate().unwrap();
        let invalid = errors(&AddRuleToSecurityGroupRequest {
            start_port: Some(0),
            end_port: Some(70000),
            network: None,
            ..rule.clone()
        });
        assert!(invalid.field("start-port").is_some());
        assert!(invalid.field("end-port").is_some());
        assert!(invalid.field("network").is_some());
    }

    #[test]
    fn private_network_addresses_must_be_ipv4() {
        let invalid = errors(&CreatePrivateNetworkRequest {
            name: "lan".into(),
            description: None,
            netmask: Some("255.255.255.0".into()),
            start_ip: Some("10.0.0.300".into()),
            end_ip: Some("10.0.0.20".into()),
            labels: None,
            options: None,
        });
        assert_eq!(invalid.0.len(), 1, "{invalid}");
        assert!(invalid.field("start-ip").is_some());
    }

    #[test]
    fn the_summary_lists_every_field() {
        let invalid = errors(&CreateSksNodepoolRequest {
            name: String::new(),
            size: 0,
            ..nodepool()
        });
        let text = invalid.to_string();
        assert!(text.contains("name: is required"), "{text}");
        assert!(text.contains("size: must be at least 1"), "{text}");
    }
}
