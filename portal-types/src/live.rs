//! What the live streams carry, shared by the server (which publishes it) and the browser
//! (which reads it): the event kinds, their payloads, and the pure reading of a cluster's state
//! as work in progress.
//!
//! A stream sends `snapshot` events with the whole current data (so no browser ever refetches:
//! upstream load stays the same whatever the number of viewers), `change` events with one line
//! of the operation log, `upstream` events when the orchestration API fails or recovers, and
//! `gone` when the watched cluster no longer exists.

use serde::{Deserialize, Serialize};

use crate::clusters::{ClusterDetail, ClusterRow, NodepoolDetail, ZoneFailure};
use crate::state::is_transitional;

/// Event name of a whole snapshot.
pub const SNAPSHOT: &str = "snapshot";
/// Event name of one operation-log line ([`ChangeLine`]).
pub const CHANGE: &str = "change";
/// Event name of the orchestration API's health ([`Upstream`]).
pub const UPSTREAM: &str = "upstream";
/// Event name of "the watched cluster no longer exists" (a message).
pub const GONE: &str = "gone";

/// The organization's clusters, as `GET /live/clusters` sends them: every cluster (the page
/// filters), and the zones that did not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterListSnapshot {
    pub rows: Vec<ClusterRow>,
    pub failures: Vec<ZoneFailure>,
}

/// One cluster, as `GET /live/clusters/{zone}/{id}` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSnapshot {
    pub cluster: ClusterDetail,
    /// The operation under way, if any.
    pub progress: Option<Progress>,
    /// The cluster's upgrade or recycle plan: while it runs, and for a while after it ended
    /// (a failed one until the next begins: it can be resumed).
    #[serde(default)]
    pub plan: Option<crate::upgrades::UpgradePlan>,
}

/// An operation under way on a cluster, as far as it can be seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// What is happening, in words: "cluster creating", "nodepool web scaling".
    pub operation: String,
    /// The state to show as a badge.
    pub state: String,
    /// Steps done (the control plane, then each instance running) out of `total`.
    pub done: u32,
    pub total: u32,
    /// When it began (Unix ms), when known.
    pub started_ms: Option<i64>,
    /// When it should end (Unix ms), when an estimate exists.
    pub ends_ms: Option<i64>,
}

/// One line of the operation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    /// When the change was seen (Unix ms).
    pub at_ms: i64,
    pub text: String,
}

/// The orchestration API's health as the watcher sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// `false`: it answers again.
    pub degraded: bool,
    /// Why it is degraded (empty when recovered).
    pub message: String,
    /// Since when (Unix ms) it is in this condition.
    pub since_ms: i64,
}

/// Whether a list row is in transition (its state, or nodes running short of desired).
pub fn row_in_transition(row: &ClusterRow) -> bool {
    is_transitional(&row.state) || row.nodes_running != row.nodes_desired
}

/// The work a cluster has left, read from its state alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub operation: String,
    pub state: String,
    pub done: u32,
    pub total: u32,
    /// The control plane is not yet where it is going.
    pub control_plane_pending: bool,
    /// Some nodepool or instance is not yet where it is going.
    pub nodes_pending: bool,
}

/// The work under way on `cluster`, or `None` when everything is where it should be.
pub fn work(cluster: &ClusterDetail) -> Option<Work> {
    let running = |pool: &NodepoolDetail| {
        pool.instances
            .iter()
            .filter(|i| i.state == "running")
            .count() as i64
    };
    let control_plane_pending = is_transitional(&cluster.state);
    let busy_pool = cluster.nodepools.iter().find(|p| {
        is_transitional(&p.state)
            || running(p) != p.size
            || p.instances.iter().any(|i| is_transitional(&i.state))
    });
    let nodes_pending = busy_pool.is_some();
    if !control_plane_pending && !nodes_pending {
        return None;
    }
    let (operation, state) = match busy_pool {
        _ if control_plane_pending => (format!("cluster {}", cluster.state), cluster.state.clone()),
        Some(pool) if is_transitional(&pool.state) => (
            format!("nodepool {} {}", pool.name, pool.state),
            pool.state.clone(),
        ),
        Some(pool) => (
            format!("nodepool {}: instances starting", pool.name),
            "starting".to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let total = 1 + cluster
        .nodepools
        .iter()
        .map(|p| p.size.max(0) as u32)
        .sum::<u32>();
    let done = u32::from(!control_plane_pending)
        + cluster
            .nodepools
            .iter()
            .map(|p| running(p).min(p.size).max(0) as u32)
            .sum::<u32>();
    Some(Work {
        operation,
        state,
        done,
        total,
        control_plane_pending,
        nodes_pending,
    })
}

/// A duration for people: `42 s`, `3 min 05 s`, `1 h 02 min`.
pub fn duration_text(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clusters::fixtures::{cluster, pool};

    #[test]
    fn stable_clusters_have_no_work() {
        assert_eq!(
            work(&cluster("running", vec![pool("a", "running", 2, 2)])),
            None
        );
        assert_eq!(
            work(&cluster("error", vec![])),
            None,
            "error is where it stays"
        );
    }

    #[test]
    fn work_counts_the_control_plane_then_each_instance() {
        let creating = work(&cluster("creating", vec![pool("web", "creating", 3, 0)])).unwrap();
        assert_eq!(
            (creating.operation.as_str(), creating.done, creating.total),
            ("cluster creating", 0, 4)
        );
        assert!(creating.control_plane_pending && creating.nodes_pending);
        let booting = work(&cluster("running", vec![pool("web", "creating", 3, 1)])).unwrap();
        assert_eq!(
            (booting.operation.as_str(), booting.done, booting.total),
            ("nodepool web creating", 2, 4)
        );
        assert!(!booting.control_plane_pending);
        // A running nodepool whose instances are still short counts as work too.
        let short = work(&cluster("running", vec![pool("web", "running", 3, 2)])).unwrap();
        assert_eq!(short.state, "starting");
    }

    #[test]
    fn rows_in_transition() {
        let mut row = ClusterRow {
            id: "c".into(),
            name: "c".into(),
            zone: "ch-gva-2".into(),
            version: "1".into(),
            level: "pro".into(),
            state: "running".into(),
            nodepools: 1,
            nodes_running: 2,
            nodes_desired: 2,
            created_at: String::new(),
            labels: Default::default(),
        };
        assert!(!row_in_transition(&row));
        row.nodes_running = 1;
        assert!(row_in_transition(&row), "nodes short of desired");
        row.nodes_running = 2;
        row.state = "upgrading".into();
        assert!(row_in_transition(&row));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(42_400), "42 s");
        assert_eq!(duration_text(185_000), "3 min 05 s");
        assert_eq!(duration_text(3_720_000), "1 h 02 min");
        assert_eq!(duration_text(-5), "0 s");
    }
}
