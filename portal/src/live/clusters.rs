//! The watcher of an organization's cluster list: one list per zone per look, the zones that
//! did not answer keeping their last known clusters, and a log line per change.

use std::collections::BTreeMap;

use portal_types::clusters::ClusterRow;
use portal_types::error::AppError;
use portal_types::live::{ClusterListSnapshot, row_in_transition};

use super::driver::{Health, Watcher, failure_message};
use super::{Kind, json, log_changes};
use crate::Portal;

/// Watches the cluster list of one organization.
#[derive(Debug)]
pub struct ClusterListWatcher {
    org: String,
    /// The last list published.
    list: Option<ClusterListSnapshot>,
    health: Health,
}

impl ClusterListWatcher {
    pub fn new(org: &str) -> ClusterListWatcher {
        ClusterListWatcher {
            org: org.to_owned(),
            list: None,
            health: Health::default(),
        }
    }
}

impl Watcher for ClusterListWatcher {
    type Seen = ClusterListSnapshot;

    async fn look(&self, portal: &Portal) -> Result<ClusterListSnapshot, AppError> {
        let (client, zones) = crate::orchestration::client_for(portal, &self.org).await?;
        let (rows, failures) = crate::clusters::list_answered(&client, &zones).await?;
        Ok(ClusterListSnapshot { rows, failures })
    }

    fn observe(
        &mut self,
        seen: Result<ClusterListSnapshot, AppError>,
        now_ms: i64,
    ) -> (Vec<(Kind, String)>, bool) {
        let mut events = Vec::new();
        match seen {
            Err(error) => self
                .health
                .failed(|| failure_message(&error), now_ms, &mut events),
            Ok(mut list) => {
                if list.failures.is_empty() {
                    self.health.recovered(now_ms, &mut events);
                } else {
                    // Zones that did not answer keep their last known clusters.
                    if let Some(previous) = &self.list {
                        keep_failed_zones(&mut list, &previous.rows);
                    }
                    let failures = &list.failures;
                    let message = || {
                        failures
                            .iter()
                            .map(|f| format!("{}: {}", f.zone, f.message))
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    self.health.failed(message, now_ms, &mut events);
                }
                list.rows.sort_by(|a, b| a.id.cmp(&b.id));
                if self.list.as_ref() != Some(&list) {
                    if let Some(previous) = &self.list {
                        log_changes(
                            list_changes(&previous.rows, &list.rows),
                            now_ms,
                            &mut events,
                        );
                    }
                    events.push((Kind::Snapshot, json(&list)));
                    self.list = Some(list);
                }
            }
        }
        let fast = self
            .list
            .as_ref()
            .is_some_and(|list| list.rows.iter().any(row_in_transition));
        (events, fast)
    }
}

/// Puts back the last known rows of the zones that failed this time.
fn keep_failed_zones(list: &mut ClusterListSnapshot, previous: &[ClusterRow]) {
    for failure in &list.failures {
        list.rows
            .extend(previous.iter().filter(|r| r.zone == failure.zone).cloned());
    }
}

/// Operation-log lines for the differences between two list snapshots.
pub fn list_changes(old: &[ClusterRow], new: &[ClusterRow]) -> Vec<String> {
    let old_by_id: BTreeMap<&str, &ClusterRow> = old.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_by_id: BTreeMap<&str, &ClusterRow> = new.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut lines = Vec::new();
    for (id, row) in &new_by_id {
        let Some(before) = old_by_id.get(id) else {
            lines.push(format!(
                "cluster {} ({}) appeared: {}",
                row.name, row.zone, row.state
            ));
            continue;
        };
        if before.state != row.state {
            lines.push(format!(
                "cluster {}: state {} → {}",
                row.name, before.state, row.state
            ));
        }
        if before.version != row.version {
            lines.push(format!(
                "cluster {}: Kubernetes {} → {}",
                row.name, before.version, row.version
            ));
        }
        if (before.nodes_running, before.nodes_desired) != (row.nodes_running, row.nodes_desired) {
            lines.push(format!(
                "cluster {}: {} of {} nodes running",
                row.name, row.nodes_running, row.nodes_desired
            ));
        }
    }
    for (id, row) in &old_by_id {
        if !new_by_id.contains_key(id) {
            lines.push(format!("cluster {} ({}) is gone", row.name, row.zone));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, state: &str, running: i64, desired: i64) -> ClusterRow {
        ClusterRow {
            id: id.into(),
            name: format!("n-{id}"),
            zone: "ch-gva-2".into(),
            version: "1.36.3".into(),
            level: "pro".into(),
            state: state.into(),
            nodepools: 1,
            nodes_running: running,
            nodes_desired: desired,
            created_at: String::new(),
            labels: Default::default(),
        }
    }

    #[test]
    fn list_diffs_read_as_an_operation_log() {
        let before = [row("a", "creating", 0, 2), row("b", "running", 1, 1)];
        let after = [row("a", "running", 1, 2), row("c", "creating", 0, 0)];
        assert_eq!(
            list_changes(&before, &after),
            [
                "cluster n-a: state creating → running",
                "cluster n-a: 1 of 2 nodes running",
                "cluster n-c (ch-gva-2) appeared: creating",
                "cluster n-b (ch-gva-2) is gone",
            ]
        );
    }

    fn kinds(events: &[(Kind, String)]) -> Vec<Kind> {
        events.iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn a_zone_that_fails_keeps_its_last_known_clusters() {
        let mut watch = ClusterListWatcher::new("org");
        let mut other = row("b", "running", 1, 1);
        other.zone = "de-fra-1".into();
        let both = ClusterListSnapshot {
            rows: vec![row("a", "running", 1, 1), other.clone()],
            failures: vec![],
        };
        watch.observe(Ok(both), 1_000);
        let partial = ClusterListSnapshot {
            rows: vec![row("a", "running", 1, 1)],
            failures: vec![portal_types::clusters::ZoneFailure {
                zone: "de-fra-1".into(),
                message: "timeout".into(),
            }],
        };
        let (events, _) = watch.observe(Ok(partial), 2_000);
        assert_eq!(kinds(&events), [Kind::Upstream, Kind::Snapshot]);
        let snapshot: ClusterListSnapshot = serde_json::from_str(&events[1].1).unwrap();
        assert!(snapshot.rows.contains(&other), "still shown, not gone");
        assert!(!events.iter().any(|(k, _)| *k == Kind::Change));
    }
}
