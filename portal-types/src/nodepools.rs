//! Nodepools as the Nodepools tab shows them (every setting, groups and networks by name), and
//! scaling one, as the scale page shows it: the pool and its instances, the largest size
//! allowed, and the pure check of a scale request (a new size, or which instances leave).

use serde::{Deserialize, Serialize};

use crate::clusters::ClusterDetail;
use crate::error::FieldError;
use crate::wizard::{NamedChoice, WizardChoices};

/// A nodepool's settings beyond what the cluster's live stream carries (state, size, type,
/// disk, version, labels, taints and instances come with [`ClusterDetail`]): what is read once
/// when the tab is opened. Groups and networks are named (their id when the zone does not say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodepoolSettings {
    pub id: String,
    pub description: Option<String>,
    pub security_groups: Vec<NamedChoice>,
    pub anti_affinity_groups: Vec<NamedChoice>,
    pub private_networks: Vec<NamedChoice>,
    /// Dedicated hypervisors the nodes run on, when the pool has one.
    pub deploy_target: Option<NamedChoice>,
    /// The template (disk image) its nodes boot from.
    pub template: Option<String>,
    /// The first part of its nodes' names (`pool` by default).
    pub instance_prefix: Option<String>,
    /// `inet4` (the default) or `dual`.
    pub public_ip_assignment: String,
    /// When the kubelet removes unused images, in words; `None` for the service's default.
    pub image_gc: Option<String>,
    /// Pods per node, when set (the service's default otherwise).
    pub max_pods: Option<i64>,
    /// NVIDIA MIG profile per GPU model (GPU pools only).
    pub mig_profiles: Vec<(String, String)>,
    /// RFC 3339.
    pub created_at: String,
}

/// What the Nodepools tab shows: the cluster (kept current by its live stream) and the
/// settings of each of its pools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterNodepools {
    pub cluster: ClusterDetail,
    pub settings: Vec<NodepoolSettings>,
    /// Whether the caller may scale pools (operators and up).
    pub may_scale: bool,
    /// Whether the caller may add and change pools (admins and owners).
    pub may_change: bool,
    /// Whether the caller may remove pools (admins and owners).
    pub may_delete: bool,
}

/// What the add-a-nodepool page needs: the cluster it adds to (its level prices the control
/// plane, which the new pool does not change), the names its pools already have, and the
/// wizard's choices for the cluster's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNodepoolOptions {
    pub cluster_name: String,
    pub state: String,
    pub level: String,
    /// The Kubernetes version the new pool's nodes run (the cluster's).
    pub version: String,
    pub existing: Vec<String>,
    pub choices: WizardChoices,
}

/// The kubelet's image garbage collection in words: `above 85% disk use, down to 80%, images
/// unused for 2m or more`. `None` when nothing is set (the service's defaults apply).
pub fn image_gc_words(gc: &sks_api::KubeletImageGc) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(high) = gc.high_threshold {
        parts.push(format!("above {high}% disk use"));
    }
    if let Some(low) = gc.low_threshold {
        parts.push(format!("down to {low}%"));
    }
    if let Some(age) = gc.min_age.as_deref().filter(|a| !a.is_empty()) {
        parts.push(format!("images unused for {age} or more"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Largest nodepool size the portal asks for: the same quota the wizard and the API apply.
pub const MAX_SIZE: i64 = sks_api::validate::MAX_NODEPOOL_SIZE;

/// One instance, as the scale page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleInstance {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// What the scale page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodepoolScaleInfo {
    pub cluster_name: String,
    pub nodepool_name: String,
    pub state: String,
    pub size: i64,
    /// `family.size` of the instance type.
    pub instance_type: String,
    /// GiB per node (it counts in the cost).
    pub disk_size: i64,
    pub instances: Vec<ScaleInstance>,
    /// The cluster's other nodepools (none: this is the last one that runs workloads).
    pub other_pools: usize,
    pub may_scale: bool,
    pub may_delete: bool,
}

/// What a scale request means, once checked against the pool as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScalePlan {
    /// Set the size; the service adds instances, or removes the ones it chooses.
    Resize(i64),
    /// Remove exactly these instances; the pool shrinks by as many.
    Evict(Vec<String>),
}

/// Checks a scale request against the pool: the new size, and the instances chosen to leave
/// (only when scaling down, and then exactly as many as the size drops).
pub fn plan_scale(
    size: &str,
    evict: &[String],
    current: i64,
    instances: &[ScaleInstance],
) -> Result<ScalePlan, Vec<FieldError>> {
    let size = match size.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_SIZE).contains(&n) => n,
        _ => {
            return Err(vec![FieldError::new(
                "size",
                format!("Enter a whole number of nodes from 0 to {MAX_SIZE}."),
            )]);
        }
    };
    if size == current {
        return Err(vec![FieldError::new(
            "size",
            format!("The nodepool already has {current} nodes: enter a different size."),
        )]);
    }
    if evict.is_empty() {
        return Ok(ScalePlan::Resize(size));
    }
    if size > current {
        return Err(vec![FieldError::new(
            "evict",
            "Instances can only be chosen to leave when scaling down; clear the selection.",
        )]);
    }
    if let Some(unknown) = evict
        .iter()
        .find(|id| !instances.iter().any(|i| &i.id == *id))
    {
        return Err(vec![FieldError::new(
            "evict",
            format!("Instance {unknown} is not in this nodepool (any more): reload the page."),
        )]);
    }
    let leaving = (current - size) as usize;
    let mut chosen = evict.to_vec();
    chosen.sort();
    chosen.dedup();
    if chosen.len() != leaving {
        return Err(vec![FieldError::new(
            "evict",
            format!(
                "Going from {current} to {size} nodes removes {leaving}: choose exactly {leaving}, or none to let the service choose ({} chosen).",
                chosen.len()
            ),
        )]);
    }
    Ok(ScalePlan::Evict(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_gc_reads_as_words_and_nothing_set_is_the_default() {
        let gc = sks_api::KubeletImageGc {
            high_threshold: Some(85),
            low_threshold: Some(80),
            min_age: Some("2m".into()),
        };
        assert_eq!(
            image_gc_words(&gc).as_deref(),
            Some("above 85% disk use, down to 80%, images unused for 2m or more")
        );
        assert_eq!(image_gc_words(&sks_api::KubeletImageGc::default()), None);
    }

    fn instances() -> Vec<ScaleInstance> {
        ["a", "b", "c"]
            .into_iter()
            .map(|id| ScaleInstance {
                id: id.into(),
                name: format!("node-{id}"),
                state: "running".into(),
            })
            .collect()
    }

    fn field(result: Result<ScalePlan, Vec<FieldError>>) -> String {
        let errors = result.expect_err("refused");
        assert_eq!(errors.len(), 1);
        errors[0].field.clone()
    }

    #[test]
    fn a_new_size_without_a_choice_lets_the_service_choose() {
        assert_eq!(
            plan_scale("5", &[], 3, &instances()),
            Ok(ScalePlan::Resize(5))
        );
        assert_eq!(
            plan_scale(" 1 ", &[], 3, &instances()),
            Ok(ScalePlan::Resize(1))
        );
    }

    #[test]
    fn scaling_down_evicts_exactly_the_chosen_instances() {
        let chosen = vec!["c".to_owned(), "a".to_owned()];
        assert_eq!(
            plan_scale("1", &chosen, 3, &instances()),
            Ok(ScalePlan::Evict(vec!["a".into(), "c".into()]))
        );
        let one = vec!["a".to_owned()];
        let errors = plan_scale("1", &one, 3, &instances()).unwrap_err();
        assert!(
            errors[0].message.contains("choose exactly 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn sizes_and_choices_that_cannot_work_name_their_field() {
        assert_eq!(field(plan_scale("three", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("-1", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("3", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("1001", &[], 3, &instances())), "size");
        let one = vec!["a".to_owned()];
        assert_eq!(field(plan_scale("4", &one, 3, &instances())), "evict");
        let stranger = vec!["z".to_owned()];
        assert_eq!(field(plan_scale("2", &stranger, 3, &instances())), "evict");
    }
}
