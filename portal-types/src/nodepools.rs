//! Nodepools as the Nodepools tab shows them (every setting, groups and networks by name), and
//! scaling one, as the scale page shows it: the pool and its instances, the largest size
//! allowed, and the pure check of a scale request (a new size, or which instances leave).

use serde::{Deserialize, Serialize};

use crate::clusters::ClusterDetail;
use crate::error::FieldError;
use crate::wizard::form::{parse_labels, parse_taints, plan_nodepool};
use crate::wizard::{ClusterForm, NamedChoice, NodepoolForm, WizardChoices};
use sks_api::{NodepoolResetField, UpdateSksNodepoolRequest};

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
    /// The cluster's upgrade or recycle plan, as the live stream shows it.
    pub plan: Option<crate::upgrades::UpgradePlan>,
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

/// What the edit page needs: the pool as a form (what the fields start from, and what an edit
/// is compared with), the names of the cluster's other pools, and the zone's choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodepoolEditOptions {
    pub cluster_name: String,
    pub state: String,
    pub nodepool_name: String,
    pub current: NodepoolForm,
    pub other_names: Vec<String>,
    pub choices: WizardChoices,
}

/// One change of an edit, as the review shows it before saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The form field (`nodepools[0].labels`).
    pub field: String,
    /// `Labels`.
    pub label: String,
    pub before: String,
    pub after: String,
    /// Whether only nodes created from now on get it (the pool's nodes are made from a
    /// template; running nodes keep theirs until they are replaced).
    pub new_nodes_only: bool,
}

/// What saving an edit sends: `update-sks-nodepool` with the changed fields only, the fields
/// emptied (sent as `reset-sks-nodepool-field`, which puts the service's default back), and the
/// changes in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditPlan {
    pub update: UpdateSksNodepoolRequest,
    pub resets: Vec<NodepoolResetField>,
    pub changes: Vec<FieldChange>,
}

/// Compares the edited pool (the first of `edited`) with the pool as it is (`current`): checked
/// by the wizard's own rules (`plan_nodepool`, the name kept apart from `other_names`), then
/// each field that differs becomes part of the update, or a reset when it was emptied. Its
/// size is not edited here (scaling changes it). Refused with the field named when the edit is
/// invalid, or with `request` when nothing changed.
pub fn plan_edit(
    current: &NodepoolForm,
    edited: &ClusterForm,
    choices: &WizardChoices,
    other_names: &[String],
) -> Result<EditPlan, Vec<FieldError>> {
    let Some(pool) = edited.nodepools.first() else {
        return Err(vec![FieldError::new(
            "nodepools[0].name",
            "describe the nodepool as it should be",
        )]);
    };
    let mut pool = pool.clone();
    pool.size = current.size.clone();
    let checked = ClusterForm {
        nodepools: vec![pool.clone()],
        ..ClusterForm::default()
    };
    let want = plan_nodepool(&checked, choices, other_names)?;

    let mut plan = EditPlan {
        update: UpdateSksNodepoolRequest::default(),
        resets: vec![],
        changes: vec![],
    };
    let mut change = |name: &str, label: &str, before: String, after: String, later: bool| {
        plan.changes.push(FieldChange {
            field: format!("nodepools[0].{name}"),
            label: label.to_owned(),
            before,
            after,
            new_nodes_only: later,
        });
    };
    let or_none = |text: String| {
        if text.is_empty() {
            "none".to_owned()
        } else {
            text
        }
    };

    if pool.name.trim() != current.name.trim() {
        change(
            "name",
            "Name",
            current.name.clone(),
            want.name.clone(),
            false,
        );
        plan.update.name = Some(want.name.clone());
    }
    if pool.description.trim() != current.description.trim() {
        change(
            "description",
            "Description",
            or_none(current.description.trim().to_owned()),
            or_none(pool.description.trim().to_owned()),
            false,
        );
        match &want.description {
            Some(text) => plan.update.description = Some(text.clone()),
            None => plan.resets.push(NodepoolResetField::Description),
        }
    }
    if pool.instance_type.trim() != current.instance_type.trim() {
        let name = |id: &str| choices.instance_type_name(id).unwrap_or(id).to_owned();
        change(
            "instance_type",
            "Instance type",
            name(current.instance_type.trim()),
            name(pool.instance_type.trim()),
            true,
        );
        plan.update.instance_type = Some(want.instance_type);
    }
    if current.disk_size.trim().parse::<i64>().ok() != Some(want.disk_size) {
        change(
            "disk_size",
            "Disk size",
            format!("{} GiB", current.disk_size.trim()),
            format!("{} GiB", want.disk_size),
            true,
        );
        plan.update.disk_size = Some(want.disk_size);
    }
    let mut scratch = Vec::new();
    let labels_before = parse_labels(&current.labels, "", &mut scratch);
    let labels_after = want.labels.clone().unwrap_or_default();
    if labels_before != labels_after {
        let text = |l: &sks_api::Labels| {
            l.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        change(
            "labels",
            "Labels",
            or_none(text(&labels_before)),
            or_none(text(&labels_after)),
            true,
        );
        if labels_after.is_empty() {
            plan.resets.push(NodepoolResetField::Labels);
        } else {
            plan.update.labels = Some(labels_after);
        }
    }
    let taints_before = parse_taints(&current.taints, "", &mut scratch);
    let taints_after = want.taints.clone().unwrap_or_default();
    if taints_before != taints_after {
        let text = |t: &sks_api::SksNodepoolTaints| {
            t.iter()
                .map(|(k, t)| format!("{k}={}:{}", t.value, t.effect))
                .collect::<Vec<_>>()
                .join(", ")
        };
        change(
            "taints",
            "Taints",
            or_none(text(&taints_before)),
            or_none(text(&taints_after)),
            true,
        );
        // There is no reset for taints: an empty set is sent.
        plan.update.taints = Some(taints_after);
    }
    type Refs = fn(&NodepoolForm) -> &Vec<String>;
    let lists: [(&str, &str, Refs, &[NamedChoice], NodepoolResetField); 3] = [
        (
            "security_groups",
            "Security groups",
            |p| &p.security_groups,
            &choices.security_groups,
            NodepoolResetField::SecurityGroups,
        ),
        (
            "anti_affinity_groups",
            "Anti-affinity groups",
            |p| &p.anti_affinity_groups,
            &choices.anti_affinity_groups,
            NodepoolResetField::AntiAffinityGroups,
        ),
        (
            "private_networks",
            "Private networks",
            |p| &p.private_networks,
            &choices.private_networks,
            NodepoolResetField::PrivateNetworks,
        ),
    ];
    for (name, label, of, offered, reset) in lists {
        let set = |p: &NodepoolForm| -> std::collections::BTreeSet<String> {
            of(p)
                .iter()
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty())
                .collect()
        };
        let (before, after) = (set(current), set(&pool));
        if before == after {
            continue;
        }
        let names = |ids: &std::collections::BTreeSet<String>| {
            or_none(
                ids.iter()
                    .map(|id| {
                        offered
                            .iter()
                            .find(|c| &c.id == id)
                            .map_or(id.clone(), |c| c.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        change(name, label, names(&before), names(&after), true);
        let refs = match name {
            "security_groups" => want.security_groups.clone(),
            "anti_affinity_groups" => want.anti_affinity_groups.clone(),
            _ => want.private_networks.clone(),
        };
        match refs {
            Some(refs) => match name {
                "security_groups" => plan.update.security_groups = Some(refs),
                "anti_affinity_groups" => plan.update.anti_affinity_groups = Some(refs),
                _ => plan.update.private_networks = Some(refs),
            },
            None => plan.resets.push(reset),
        }
    }
    if pool.instance_prefix.trim() != current.instance_prefix.trim() {
        let shown = |p: &str| {
            if p.is_empty() {
                "pool (the default)".to_owned()
            } else {
                p.to_owned()
            }
        };
        change(
            "instance_prefix",
            "Node name prefix",
            shown(current.instance_prefix.trim()),
            shown(pool.instance_prefix.trim()),
            true,
        );
        // There is no reset for the prefix: emptied, it is set to the service's default.
        plan.update.instance_prefix = Some(
            want.instance_prefix
                .clone()
                .unwrap_or_else(|| "pool".into()),
        );
    }
    let ip = |p: &NodepoolForm| match p.public_ip_assignment.trim() {
        "" | "inet4" => "inet4".to_owned(),
        other => other.to_owned(),
    };
    if ip(&pool) != ip(current) {
        let words = |a: String| match a.as_str() {
            "dual" => "IPv4 and IPv6".to_owned(),
            "inet4" => "IPv4".to_owned(),
            other => other.to_owned(),
        };
        change(
            "public_ip_assignment",
            "Public IP",
            words(ip(current)),
            words(ip(&pool)),
            true,
        );
        plan.update.public_ip_assignment = Some(
            want.public_ip_assignment
                .clone()
                .unwrap_or(sks_api::PublicIpAssignment::Inet4),
        );
    }
    let targets = |id: &str| {
        if id.is_empty() {
            "none (shared hypervisors)".to_owned()
        } else {
            choices
                .deploy_targets
                .iter()
                .find(|t| t.id == id)
                .map_or(id.to_owned(), |t| t.name.clone())
        }
    };
    if pool.deploy_target.trim() != current.deploy_target.trim() {
        change(
            "deploy_target",
            "Deploy target",
            targets(current.deploy_target.trim()),
            targets(pool.deploy_target.trim()),
            true,
        );
        match &want.deploy_target {
            Some(target) => plan.update.deploy_target = Some(*target),
            None => plan.resets.push(NodepoolResetField::DeployTarget),
        }
    }
    kubelet_changes(current, &pool, &want, &mut plan)?;
    if plan.changes.is_empty() {
        return Err(vec![FieldError::new(
            "request",
            "nothing to save: the nodepool is already like this",
        )]);
    }
    Ok(plan)
}

/// The kubelet's settings of an edit: pods per node and image clean-up. The API has no reset
/// for them, so once set they can be changed but not emptied (the error says what the defaults
/// are, to enter them instead).
fn kubelet_changes(
    current: &NodepoolForm,
    pool: &NodepoolForm,
    want: &sks_api::CreateSksNodepoolRequest,
    plan: &mut EditPlan,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let change = |plan: &mut EditPlan, name: &str, label: &str, before: String, after: String| {
        plan.changes.push(FieldChange {
            field: format!("nodepools[0].{name}"),
            label: label.to_owned(),
            before,
            after,
            new_nodes_only: true,
        });
    };
    let emptied = |name: &str,
                   before: &str,
                   after: &str,
                   default: &str,
                   errors: &mut Vec<FieldError>| {
        let emptied = !before.trim().is_empty() && after.trim().is_empty();
        if emptied {
            errors.push(FieldError::new(
                format!("nodepools[0].{name}"),
                format!("cannot be emptied once set (the API has no way back to its default): enter {default} instead"),
            ));
        }
        emptied
    };
    let default = |text: &str| {
        if text.trim().is_empty() {
            "the service's default".to_owned()
        } else {
            text.trim().to_owned()
        }
    };
    if pool.max_pods.trim() != current.max_pods.trim()
        && !emptied(
            "max_pods",
            &current.max_pods,
            &pool.max_pods,
            "110 (Kubernetes' default)",
            &mut errors,
        )
    {
        change(
            plan,
            "max_pods",
            "Pods per node",
            default(&current.max_pods),
            default(&pool.max_pods),
        );
        plan.update.kubelet_max_pods = want.kubelet_max_pods;
    }
    let gc = |p: &NodepoolForm| {
        [
            p.image_gc_high.trim().to_owned(),
            p.image_gc_low.trim().to_owned(),
            p.image_gc_min_age.trim().to_owned(),
        ]
    };
    let (before, after) = (gc(current), gc(pool));
    if before != after {
        let names = ["image_gc_high", "image_gc_low", "image_gc_min_age"];
        let defaults = ["85", "80", "2m"];
        let mut refused = false;
        for i in 0..3 {
            refused |= emptied(names[i], &before[i], &after[i], defaults[i], &mut errors);
        }
        if !refused {
            let words = |gc: &Option<sks_api::KubeletImageGc>| {
                gc.as_ref()
                    .and_then(image_gc_words)
                    .unwrap_or_else(|| "the service's default".into())
            };
            let was = current_gc(current);
            change(
                plan,
                "image_gc_high",
                "Image clean-up",
                words(&was),
                words(&want.kubelet_image_gc),
            );
            plan.update.kubelet_image_gc = want.kubelet_image_gc.clone();
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The image clean-up a pool's form stands for (fields as typed; unparsable ones left out).
fn current_gc(pool: &NodepoolForm) -> Option<sks_api::KubeletImageGc> {
    let number = |t: &str| t.trim().parse::<i64>().ok();
    let age = pool.image_gc_min_age.trim();
    let gc = sks_api::KubeletImageGc {
        high_threshold: number(&pool.image_gc_high),
        low_threshold: number(&pool.image_gc_low),
        min_age: (!age.is_empty()).then(|| age.to_owned()),
    };
    (gc != sks_api::KubeletImageGc::default()).then_some(gc)
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

/// What a recycle request means, once checked against the pool as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecyclePlan {
    /// Replace every node, `surge` new ones at a time (capacity never drops).
    Pool { surge: usize },
    /// Replace this one node: a new node joins, then it leaves.
    Node { id: String, name: String },
}

/// Checks a recycle request (`which` is `pool` or `node`) against the pool's nodes: a surge of
/// 1 up to the pool's size, or one of its nodes.
pub fn plan_recycle(
    which: &str,
    surge: &str,
    node: &str,
    instances: &[ScaleInstance],
) -> Result<RecyclePlan, Vec<FieldError>> {
    if instances.is_empty() {
        return Err(vec![FieldError::new(
            "which",
            "The nodepool has no nodes to replace: scale it up first.",
        )]);
    }
    match which.trim() {
        "pool" => {
            let most = instances.len();
            match surge.trim().parse::<usize>() {
                Ok(n) if (1..=most).contains(&n) => Ok(RecyclePlan::Pool { surge: n }),
                _ => Err(vec![FieldError::new(
                    "surge",
                    format!(
                        "Enter how many extra nodes may run at once: a whole number from 1 to {most} (the pool's size)."
                    ),
                )]),
            }
        }
        "node" => match instances.iter().find(|i| i.id == node.trim()) {
            Some(found) => Ok(RecyclePlan::Node {
                id: found.id.clone(),
                name: found.name.clone(),
            }),
            None if node.trim().is_empty() => {
                Err(vec![FieldError::new("node", "Choose the node to replace.")])
            }
            None => Err(vec![FieldError::new(
                "node",
                format!(
                    "Node {} is not in this nodepool (any more): reload the page.",
                    node.trim()
                ),
            )]),
        },
        _ => Err(vec![FieldError::new(
            "which",
            "Choose what to replace: every node, or one node.",
        )]),
    }
}

/// The rounds a rolling recycle of `nodes` takes with `surge` extra nodes at a time.
pub fn recycle_rounds(nodes: usize, surge: usize) -> usize {
    if surge == 0 { 0 } else { nodes.div_ceil(surge) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::form::tests::{GPU, MEDIUM, SG, TARGET, choices};

    /// A pool as the edit page starts from it: `workers`, medium, 3 nodes, a label, the group.
    fn workers() -> NodepoolForm {
        NodepoolForm {
            name: "workers".into(),
            instance_type: MEDIUM.into(),
            size: "3".into(),
            disk_size: "50".into(),
            labels: "team=web".into(),
            security_groups: vec![SG.into()],
            ..NodepoolForm::default()
        }
    }

    fn edited(change: impl Fn(&mut NodepoolForm)) -> ClusterForm {
        let mut pool = workers();
        change(&mut pool);
        ClusterForm {
            nodepools: vec![pool],
            ..ClusterForm::default()
        }
    }

    #[test]
    fn an_edit_sends_only_what_changed_and_says_what_waits_for_new_nodes() {
        let form = edited(|p| {
            p.labels = "team=web\ntier=front".into();
            p.instance_type = GPU.into();
            p.description = "web tier".into();
        });
        let plan = plan_edit(&workers(), &form, &choices(), &["batch".into()]).expect("valid");
        assert_eq!(plan.update.name, None, "the name did not change");
        assert_eq!(plan.update.description.as_deref(), Some("web tier"));
        assert_eq!(
            plan.update
                .instance_type
                .map(|r| r.id.to_string())
                .as_deref(),
            Some(GPU)
        );
        assert_eq!(plan.update.labels.as_ref().map(|l| l.len()), Some(2));
        assert_eq!(plan.update.security_groups, None);
        assert!(plan.resets.is_empty());
        let said: Vec<(&str, &str, &str, bool)> = plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.label.as_str(),
                    c.before.as_str(),
                    c.after.as_str(),
                    c.new_nodes_only,
                )
            })
            .collect();
        assert_eq!(
            said,
            [
                ("Description", "none", "web tier", false),
                ("Instance type", "standard.medium", "gpua30.small", true),
                ("Labels", "team=web", "team=web, tier=front", true),
            ]
        );
    }

    #[test]
    fn emptied_lists_are_reset_to_the_services_default() {
        let form = edited(|p| {
            p.labels.clear();
            p.security_groups.clear();
        });
        let plan = plan_edit(&workers(), &form, &choices(), &[]).expect("valid");
        assert_eq!(
            plan.resets,
            [
                NodepoolResetField::Labels,
                NodepoolResetField::SecurityGroups
            ]
        );
        assert_eq!(plan.update, UpdateSksNodepoolRequest::default());
        assert_eq!(plan.changes[1].before, "web", "groups by name");
    }

    #[test]
    fn an_edit_that_changes_nothing_or_breaks_a_rule_is_refused_by_field() {
        let nothing = plan_edit(&workers(), &edited(|_| {}), &choices(), &[]).unwrap_err();
        assert_eq!(nothing[0].field, "request");
        let clash = plan_edit(
            &workers(),
            &edited(|p| p.name = "batch".into()),
            &choices(),
            &["batch".into()],
        )
        .unwrap_err();
        assert_eq!(clash[0].field, "nodepools[0].name");
        let fields: Vec<String> = plan_edit(
            &workers(),
            &edited(|p| {
                p.disk_size = "5".into();
                p.public_ip_assignment = "none".into();
            }),
            &choices(),
            &[],
        )
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(
            fields,
            [
                "nodepools[0].disk_size",
                "nodepools[0].public_ip_assignment"
            ]
        );
    }

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

    #[test]
    fn deploy_target_and_kubelet_settings_are_edited_and_a_set_one_cannot_be_emptied() {
        let placed = |p: &mut NodepoolForm| {
            p.deploy_target = TARGET.into();
            p.max_pods = "60".into();
            p.image_gc_min_age = "5m".into();
        };
        let plan = plan_edit(&workers(), &edited(placed), &choices(), &[]).expect("valid");
        assert_eq!(
            plan.update
                .deploy_target
                .map(|t| t.id.to_string())
                .as_deref(),
            Some(TARGET)
        );
        assert_eq!(plan.update.kubelet_max_pods, Some(60));
        assert_eq!(
            plan.update
                .kubelet_image_gc
                .and_then(|g| g.min_age)
                .as_deref(),
            Some("5m")
        );
        let said: Vec<(&str, &str, &str, bool)> = plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.label.as_str(),
                    c.before.as_str(),
                    c.after.as_str(),
                    c.new_nodes_only,
                )
            })
            .collect();
        assert_eq!(
            said,
            [
                (
                    "Deploy target",
                    "none (shared hypervisors)",
                    "dedicated-1",
                    true
                ),
                ("Pods per node", "the service's default", "60", true),
                (
                    "Image clean-up",
                    "the service's default",
                    "images unused for 5m or more",
                    true
                ),
            ]
        );

        // From a placed pool: the target emptied is a reset; the kubelet's settings cannot be.
        let mut current = workers();
        placed(&mut current);
        let form = ClusterForm {
            nodepools: vec![workers()],
            ..ClusterForm::default()
        };
        let errors = plan_edit(&current, &form, &choices(), &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["nodepools[0].max_pods", "nodepools[0].image_gc_min_age"]
        );
        assert!(errors[0].message.contains("enter 110"), "{errors:?}");
        let mut kept = workers();
        kept.max_pods = "60".into();
        kept.image_gc_min_age = "5m".into();
        let plan = plan_edit(
            &current,
            &ClusterForm {
                nodepools: vec![kept],
                ..ClusterForm::default()
            },
            &choices(),
            &[],
        )
        .expect("valid");
        assert_eq!(plan.resets, [NodepoolResetField::DeployTarget]);
    }

    fn nodes(n: usize) -> Vec<ScaleInstance> {
        (0..n)
            .map(|i| ScaleInstance {
                id: format!("id-{i}"),
                name: format!("pool-{i}"),
                state: "running".into(),
            })
            .collect()
    }

    #[test]
    fn a_rolling_recycle_takes_a_surge_from_one_to_the_pools_size() {
        assert_eq!(
            plan_recycle("pool", " 2 ", "", &nodes(3)),
            Ok(RecyclePlan::Pool { surge: 2 })
        );
        for bad in ["0", "4", "-1", "two", ""] {
            let fields = plan_recycle("pool", bad, "", &nodes(3)).unwrap_err();
            assert_eq!(fields[0].field, "surge", "{bad}");
            assert!(fields[0].message.contains("from 1 to 3"), "{bad}");
        }
        assert_eq!(recycle_rounds(3, 2), 2);
        assert_eq!(recycle_rounds(3, 1), 3);
        assert_eq!(recycle_rounds(3, 3), 1);
    }

    #[test]
    fn a_single_node_must_be_one_of_the_pools() {
        assert_eq!(
            plan_recycle("node", "", "id-1", &nodes(2)),
            Ok(RecyclePlan::Node {
                id: "id-1".into(),
                name: "pool-1".into()
            })
        );
        let gone = plan_recycle("node", "", "id-7", &nodes(2)).unwrap_err();
        assert_eq!(gone[0].field, "node");
        assert!(gone[0].message.contains("reload"));
        assert_eq!(
            plan_recycle("node", "", "", &nodes(2)).unwrap_err()[0].field,
            "node"
        );
        assert_eq!(
            plan_recycle("all", "1", "", &nodes(2)).unwrap_err()[0].field,
            "which"
        );
        let empty = plan_recycle("pool", "1", "", &[]).unwrap_err();
        assert!(empty[0].message.contains("no nodes"));
    }
}
