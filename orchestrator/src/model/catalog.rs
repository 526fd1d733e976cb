//! What the service offers, as data: zones, Kubernetes versions, instance types, templates and
//! the resources every organization starts with. Ids are derived from names, so they are the
//! same on every start and on every replica.

use sha2::{Digest, Sha256};
use sks_api::{InstanceType, InstanceTypeFamily, InstanceTypeSize, ZoneName};
use uuid::Uuid;

/// A stable id for a named catalogue entry.
pub fn stable_id(namespace: &str, name: &str) -> Uuid {
    let digest = Sha256::digest(format!("capstan/{namespace}/{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Mark it as a version 4 / RFC 4122 UUID so every client parses it as a plain UUID.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// Every zone, in the spec's order.
pub fn zones() -> &'static [ZoneName] {
    ZoneName::ALL
}

/// Parses a zone name; `None` for anything that is not a zone of the service.
pub fn zone(name: &str) -> Option<ZoneName> {
    let zone = ZoneName::from_wire(name);
    zone.is_known().then_some(zone)
}

/// Kubernetes versions the service knows, newest first. Only the latest patch of each supported
/// minor is offered; older patches and the oldest minor are deprecated.
const VERSIONS: &[(&str, bool)] = &[
    ("1.36.3", true),
    ("1.36.2", false),
    ("1.35.6", true),
    ("1.35.5", false),
    ("1.34.10", true),
    ("1.34.9", false),
    ("1.33.12", false),
];

/// Versions `list-sks-cluster-versions` returns, newest first.
pub fn versions(include_deprecated: bool) -> Vec<&'static str> {
    VERSIONS
        .iter()
        .filter(|(_, supported)| include_deprecated || *supported)
        .map(|(version, _)| *version)
        .collect()
}

/// `major.minor.patch` as numbers.
pub fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let parsed = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(parsed)
}

/// Why an upgrade from `from` to `to` is refused, if it is.
pub fn upgrade_refusal(from: &str, to: &str) -> Option<String> {
    let supported = versions(false);
    if !supported.contains(&to) {
        return Some(format!(
            "version {to:?} is not offered; upgrade to one of: {}",
            supported.join(", ")
        ));
    }
    let (Some(current), Some(target)) = (parse_version(from), parse_version(to)) else {
        return Some(format!("cannot compare {from:?} with {to:?}"));
    };
    if target <= current {
        return Some(format!(
            "version {to} is not newer than the current {from}; upgrades only go forward"
        ));
    }
    if target.0 != current.0 || target.1 > current.1 + 1 {
        return Some(format!(
            "version {to} skips a minor release; upgrade one minor at a time (from {from} to {}.{}.x)",
            current.0,
            current.1 + 1
        ));
    }
    None
}

/// The instance types: (family, size, cpus, memory GiB, gpus, needs authorization).
const INSTANCE_TYPES: &[(&str, &str, i64, i64, i64, bool)] = &[
    ("standard", "micro", 1, 1, 0, false),
    ("standard", "tiny", 1, 1, 0, false),
    ("standard", "small", 2, 2, 0, false),
    ("standard", "medium", 2, 4, 0, false),
    ("standard", "large", 4, 8, 0, false),
    ("standard", "extra-large", 4, 16, 0, false),
    ("standard", "huge", 8, 32, 0, false),
    ("standard", "mega", 12, 64, 0, false),
    ("standard", "titan", 16, 128, 0, false),
    ("standard", "jumbo", 24, 225, 0, false),
    ("cpu", "extra-large", 8, 16, 0, false),
    ("cpu", "huge", 16, 32, 0, false),
    ("cpu", "mega", 32, 64, 0, false),
    ("cpu", "titan", 40, 128, 0, false),
    ("memory", "extra-large", 2, 32, 0, false),
    ("memory", "huge", 4, 64, 0, false),
    ("memory", "mega", 8, 128, 0, false),
    ("memory", "titan", 12, 225, 0, false),
    ("storage", "extra-large", 4, 16, 0, false),
    ("storage", "huge", 8, 32, 0, false),
    ("gpua30", "small", 12, 56, 1, true),
    ("gpua30", "medium", 24, 120, 2, true),
    ("gpua30", "large", 48, 240, 4, true),
    ("gpu3", "small", 12, 56, 1, true),
    ("gpu3", "medium", 24, 120, 2, true),
    ("gpu3080ti", "small", 12, 56, 1, true),
    ("gpurtx6000pro", "small", 16, 96, 1, true),
    ("gpurtx6000pro", "large", 64, 384, 4, true),
];

const GIB: i64 = 1024 * 1024 * 1024;

/// The instance type catalogue, as the API lists it.
pub fn instance_types() -> Vec<InstanceType> {
    INSTANCE_TYPES
        .iter()
        .map(|&(family, size, cpus, memory_gib, gpus, restricted)| {
            let name = format!("{family}.{size}");
            // GPU types are offered in the zones with GPU hosts; the rest everywhere.
            let zones = if gpus > 0 {
                vec![ZoneName::ChGva2, ZoneName::DeFra1, ZoneName::AtVie2]
            } else {
                ZoneName::ALL.to_vec()
            };
            InstanceType {
                id: Some(stable_id("instance-type", &name)),
                size: Some(InstanceTypeSize::from_wire(size)),
                family: Some(InstanceTypeFamily::from_wire(family)),
                cpus: Some(cpus),
                gpus: (gpus > 0).then_some(gpus),
                authorized: Some(!restricted),
                memory: Some(memory_gib * GIB),
                zones: Some(zones),
            }
        })
        .collect()
}

/// One instance type by id.
pub fn instance_type(id: Uuid) -> Option<InstanceType> {
    instance_types().into_iter().find(|t| t.id == Some(id))
}

/// The active nodepool template for a Kubernetes minor and variant.
pub fn template_id(kube_version: &str, variant: &str) -> Option<Uuid> {
    let (major, minor, _) =
        parse_version(kube_version).or_else(|| parse_version(&format!("{kube_version}.0")))?;
    let known = VERSIONS
        .iter()
        .any(|(v, _)| parse_version(v).is_some_and(|(ma, mi, _)| ma == major && mi == minor));
    known.then(|| stable_id("template", &format!("{major}.{minor}/{variant}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_versions_are_the_latest_patch_of_each_supported_minor_newest_first() {
        assert_eq!(versions(false), ["1.36.3", "1.35.6", "1.34.10"]);
        let all = versions(true);
        assert_eq!(all.first(), Some(&"1.36.3"));
        assert!(all.contains(&"1.33.12") && all.contains(&"1.35.5"));
        let mut sorted = all.clone();
        sorted.sort_by_key(|v| std::cmp::Reverse(parse_version(v).unwrap()));
        assert_eq!(sorted, all);
    }

    #[test]
    fn upgrades_go_forward_one_minor_at_a_time_to_offered_versions() {
        assert_eq!(upgrade_refusal("1.35.5", "1.35.6"), None);
        assert_eq!(upgrade_refusal("1.35.6", "1.36.3"), None);
        assert_eq!(upgrade_refusal("1.34.9", "1.35.6"), None);
        let refusals = [
            ("1.34.10", "1.36.3", "skips a minor"),
            ("1.36.3", "1.35.6", "not newer"),
            ("1.36.3", "1.36.3", "not newer"),
            ("1.35.5", "1.36.2", "not offered"),
            ("1.35.6", "2.0.0", "not offered"),
        ];
        for (from, to, reason) in refusals {
            let refusal = upgrade_refusal(from, to).unwrap_or_default();
            assert!(refusal.contains(reason), "{from} → {to}: {refusal}");
        }
    }

    #[test]
    fn instance_types_are_stable_and_include_gpus() {
        let types = instance_types();
        let medium = types
            .iter()
            .find(|t| t.display_name().as_deref() == Some("standard.medium"))
            .unwrap();
        assert_eq!(
            medium.id,
            Some(stable_id("instance-type", "standard.medium"))
        );
        assert_eq!(medium.memory, Some(4 * GIB));
        assert!(types.iter().any(|t| t.gpus.unwrap_or(0) > 0));
        let ids: std::collections::BTreeSet<_> = types.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), types.len(), "ids are unique");
    }

    #[test]
    fn templates_exist_for_known_minors_only() {
        assert!(template_id("1.35.6", "standard").is_some());
        assert_eq!(
            template_id("1.35", "nvidia"),
            template_id("1.35.1", "nvidia")
        );
        assert_ne!(
            template_id("1.35", "nvidia"),
            template_id("1.35", "standard")
        );
        assert_eq!(template_id("1.20.0", "standard"), None);
    }
}
