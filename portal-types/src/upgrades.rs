//! Upgrading a cluster's Kubernetes version, as the portal shows it: the versions allowed next
//! (one minor at a time), the pre-flight check (deprecated APIs still in use), and the plan —
//! the control plane, then each nodepool cycled — with each step's status.

use serde::{Deserialize, Serialize};

/// Where a step of a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    /// Nothing to do (an empty nodepool, or one deleted meanwhile).
    Skipped,
    Failed,
}

impl StepStatus {
    /// The word the status badge shows.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }
}

/// One step: the control plane (no nodepool) or one nodepool's nodes replaced. How the
/// engine gets there (the pool's size when it began, the nodes still to replace, the round under
/// way) is the portal's own business and is not sent to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub title: String,
    /// The nodepool this step cycles; none for the control plane.
    pub nodepool: Option<String>,
    pub status: StepStatus,
    /// Progress in words, e.g. "2 of 3 nodes replaced".
    pub detail: String,
}

impl PlanStep {
    /// The control plane's step.
    pub fn control_plane(to: &str) -> PlanStep {
        PlanStep {
            title: format!("Control plane to Kubernetes {to}"),
            nodepool: None,
            status: StepStatus::Pending,
            detail: String::new(),
        }
    }

    /// A nodepool's cycle.
    pub fn nodepool(id: &str, name: &str) -> PlanStep {
        PlanStep {
            title: format!("Nodepool {name}: replace every node"),
            nodepool: Some(id.to_owned()),
            ..PlanStep::control_plane("")
        }
    }
}

/// What a plan does: upgrade the cluster, or replace nodes of one nodepool without changing
/// its version (a recycle). Both run on one engine and exclude each other on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    #[default]
    Upgrade,
    Recycle,
}

impl PlanKind {
    /// The word stored and audited.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Upgrade => "upgrade",
            PlanKind::Recycle => "recycle",
        }
    }

    /// The stored word read back (anything unknown is an upgrade, the older kind).
    pub fn from_stored(word: &str) -> PlanKind {
        match word {
            "recycle" => PlanKind::Recycle,
            _ => PlanKind::Upgrade,
        }
    }
}

/// An upgrade or recycle plan and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradePlan {
    pub id: String,
    #[serde(default)]
    pub kind: PlanKind,
    pub zone: String,
    pub cluster_id: String,
    /// The version before; for a recycle, the version the nodes keep.
    pub from_version: String,
    pub to_version: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub message: Option<String>,
    pub steps: Vec<PlanStep>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UpgradePlan {
    /// What the plan does, as a heading: "Upgrade 1.35.6 → 1.36.3", "Recycle nodepool workers".
    pub fn title(&self) -> String {
        match self.kind {
            PlanKind::Upgrade => format!("Upgrade {} → {}", self.from_version, self.to_version),
            PlanKind::Recycle => self
                .steps
                .first()
                .map(|s| s.title.clone())
                .unwrap_or_else(|| "Recycle".into()),
        }
    }

    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// "an upgrade to 1.36.3" / "a recycle of nodepool workers", for "… is already running".
    pub fn described(&self) -> String {
        match self.kind {
            PlanKind::Upgrade => format!("an upgrade to {}", self.to_version),
            PlanKind::Recycle => {
                let what = self.steps.first().map(|s| s.title.as_str()).unwrap_or("");
                format!("a recycle ({})", what.trim_start_matches("Recycle "))
            }
        }
    }

    /// [`described`](Self::described) opening a sentence: "An upgrade to 1.36.3".
    pub fn described_first(&self) -> String {
        let words = self.described();
        let mut chars = words.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// Whether the plan replaces nodes of `nodepool` (an upgrade replaces every pool's).
    pub fn touches(&self, nodepool: &str) -> bool {
        match self.kind {
            PlanKind::Upgrade => true,
            PlanKind::Recycle => self
                .steps
                .iter()
                .any(|s| s.nodepool.as_deref() == Some(nodepool)),
        }
    }
}

/// An API the cluster's workloads still use that a later release removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeprecatedApi {
    /// `group/version resource`, e.g. `policy/v1beta1 podsecuritypolicies`.
    pub api: String,
    /// The Kubernetes release that removes it.
    pub removed_in: String,
}

/// What the upgrade page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeOptions {
    pub name: String,
    pub state: String,
    pub current: String,
    /// Versions allowed from here, newest first.
    pub allowed: Vec<String>,
    /// Why nothing is allowed, when that is the case.
    pub none_because: Option<String>,
    pub deprecated: Vec<DeprecatedApi>,
    pub nodepools: Vec<(String, i64)>,
    pub may_upgrade: bool,
}

fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().ok());
    let parsed = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(parsed)
}

/// The versions `current` may go to among `offered`: a newer patch of its own minor; once on
/// the newest patch offered for it, the next minor. Newest first.
pub fn allowed_upgrades(current: &str, offered: &[String]) -> Vec<String> {
    let Some((major, minor, patch)) = parse_version(current) else {
        return vec![];
    };
    let mut versions: Vec<((u32, u32, u32), &String)> = offered
        .iter()
        .filter_map(|v| parse_version(v).map(|p| (p, v)))
        .collect();
    versions.sort_by_key(|(parsed, _)| std::cmp::Reverse(*parsed));
    let patches: Vec<String> = versions
        .iter()
        .filter(|((ma, mi, pa), _)| *ma == major && *mi == minor && *pa > patch)
        .map(|(_, v)| (*v).clone())
        .collect();
    if !patches.is_empty() {
        return patches;
    }
    versions
        .iter()
        .filter(|((ma, mi, _), _)| *ma == major && *mi == minor + 1)
        .map(|(_, v)| (*v).clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Vec<String> {
        ["1.36.3", "1.35.6", "1.34.10"].map(String::from).to_vec()
    }

    #[test]
    fn a_newer_patch_comes_before_the_next_minor() {
        let mut with_patches = offered();
        with_patches.push("1.35.5".into());
        assert_eq!(
            allowed_upgrades("1.35.4", &with_patches),
            ["1.35.6", "1.35.5"]
        );
        assert_eq!(allowed_upgrades("1.35.5", &offered()), ["1.35.6"]);
    }

    #[test]
    fn the_next_minor_once_on_its_latest_patch_and_never_two_minors() {
        assert_eq!(allowed_upgrades("1.35.6", &offered()), ["1.36.3"]);
        assert_eq!(allowed_upgrades("1.34.10", &offered()), ["1.35.6"]);
        assert_eq!(
            allowed_upgrades("1.33.12", &offered()),
            ["1.34.10"],
            "an unsupported minor may still move up one"
        );
        assert!(allowed_upgrades("1.36.3", &offered()).is_empty());
        assert!(allowed_upgrades("not a version", &offered()).is_empty());
    }
}
