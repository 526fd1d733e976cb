//! The watcher of one cluster: its state, nodepools and instances per look, a log line per
//! change, "gone" once it is deleted, and the progress of the operation under way with an
//! estimate of its end that learns how fast this API works.

use portal_types::clusters::ClusterDetail;
use portal_types::error::AppError;
use portal_types::live::{ChangeLine, ClusterSnapshot, Progress, work};
use portal_types::upgrades::UpgradePlan;

use super::driver::{Health, Watcher, failure_message};
use super::{Kind, json, log_changes};
use crate::Portal;

/// Typical durations of the simulated provider at speed 1 (the first estimate, before the
/// watcher has seen how fast this API really is).
const CONTROL_PLANE_MS: f64 = 100_000.0;
const NODE_MS: f64 = 120_000.0;

/// How long a finished plan stays on the cluster's pages.
const PLAN_SHOWN_AFTER_MS: i64 = 15 * 60 * 1000;

/// One look at a cluster: the cluster as the orchestration API shows it, and its plan as the
/// portal's store has it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSeen {
    pub cluster: ClusterDetail,
    pub plan: Option<UpgradePlan>,
}

impl From<ClusterDetail> for ClusterSeen {
    fn from(cluster: ClusterDetail) -> ClusterSeen {
        ClusterSeen {
            cluster,
            plan: None,
        }
    }
}

/// Whether the cluster's pages show `plan` at `now_ms`: while it runs, when it failed (it can
/// be resumed), and for a while after it finished.
pub fn plan_shown(plan: &UpgradePlan, now_ms: i64) -> bool {
    plan.state != "done" || now_ms - plan.updated_at < PLAN_SHOWN_AFTER_MS
}

/// The cluster's plan if its pages show it now ([`plan_shown`]): what the live stream and the
/// Nodepools tab's first render both carry.
pub async fn plan_to_show(
    portal: &Portal,
    org: &str,
    zone: &str,
    id: &str,
) -> Result<Option<UpgradePlan>, AppError> {
    let now = crate::now_ms();
    Ok(crate::upgrades::latest(portal, org, zone, id)
        .await?
        .filter(|p| plan_shown(p, now)))
}

/// An operation being timed by a watcher.
#[derive(Debug, Clone)]
struct Track {
    started_ms: i64,
    /// Whether `started_ms` is the operation's real beginning (the cluster's creation time),
    /// so its observed length can teach the watcher how fast this API is.
    started_exactly: bool,
    phase: (bool, bool),
    phase_started_ms: i64,
    ends_ms: Option<i64>,
}

/// Watches one cluster of an organization.
#[derive(Debug)]
pub struct ClusterWatcher {
    org: String,
    zone: String,
    id: String,
    /// The last state published.
    cluster: Option<ClusterDetail>,
    /// The last plan published.
    plan: Option<UpgradePlan>,
    track: Option<Track>,
    /// How much slower (>1) or faster (<1) than the typical durations this API works.
    scale: Option<f64>,
    gone: bool,
    health: Health,
}

impl ClusterWatcher {
    pub fn new(org: &str, zone: &str, id: &str) -> ClusterWatcher {
        ClusterWatcher {
            org: org.to_owned(),
            zone: zone.to_owned(),
            id: id.to_owned(),
            cluster: None,
            plan: None,
            track: None,
            scale: None,
            gone: false,
            health: Health::default(),
        }
    }

    /// The operation under way on `cluster`, timed from when it began (the creation time for a
    /// creation, otherwise when this watcher first saw it) with an estimate of its end: the
    /// typical durations of what is left, scaled by how fast this API turned out to be.
    fn progress(&mut self, cluster: &ClusterDetail, now_ms: i64) -> Option<Progress> {
        let Some(work) = work(cluster) else {
            self.track = None;
            return None;
        };
        let phase = (work.control_plane_pending, work.nodes_pending);
        let created = (cluster.state == "creating")
            .then(|| unix_ms(&cluster.created_at))
            .flatten();
        let track = self.track.get_or_insert_with(|| Track {
            started_ms: created.unwrap_or(now_ms),
            started_exactly: created.is_some(),
            phase: (false, false),
            phase_started_ms: created.unwrap_or(now_ms),
            ends_ms: None,
        });
        if track.phase != phase {
            // The control plane just finished: its real length says how fast this API is.
            if track.phase.0 && !phase.0 && track.started_exactly {
                let took = (now_ms - track.phase_started_ms) as f64;
                self.scale = Some((took / CONTROL_PLANE_MS).clamp(0.001, 100.0));
            }
            if track.phase != (false, false) {
                track.phase_started_ms = now_ms;
            }
            track.phase = phase;
            let scale = self.scale.unwrap_or(1.0);
            let left = (if phase.0 { CONTROL_PLANE_MS } else { 0.0 }
                + if phase.1 { NODE_MS } else { 0.0 })
                * scale;
            track.ends_ms = Some(track.phase_started_ms + left as i64);
        }
        Some(Progress {
            operation: work.operation,
            state: work.state,
            done: work.done,
            total: work.total,
            started_ms: Some(track.started_ms),
            ends_ms: track.ends_ms,
        })
    }
}

impl Watcher for ClusterWatcher {
    type Seen = ClusterSeen;

    async fn look(&self, portal: &Portal) -> Result<ClusterSeen, AppError> {
        let (client, zones) = crate::orchestration::client_for(portal, &self.org).await?;
        let cluster =
            crate::clusters::cluster_detail(&client, &zones, &self.zone, &self.id).await?;
        let plan = plan_to_show(portal, &self.org, &self.zone, &self.id).await?;
        Ok(ClusterSeen { cluster, plan })
    }

    fn observe(
        &mut self,
        seen: Result<ClusterSeen, AppError>,
        now_ms: i64,
    ) -> (Vec<(Kind, String)>, bool) {
        let mut events = Vec::new();
        match seen {
            Err(AppError::NotFound(what)) => {
                self.health.recovered(now_ms, &mut events);
                if !self.gone {
                    self.gone = true;
                    let message = format!("{what}: it no longer exists");
                    events.push((
                        Kind::Change,
                        json(&ChangeLine {
                            at_ms: now_ms,
                            text: "the cluster is gone (deleted)".into(),
                        }),
                    ));
                    events.push((Kind::Gone, json(&message)));
                }
            }
            Err(error) => self
                .health
                .failed(|| failure_message(&error), now_ms, &mut events),
            Ok(ClusterSeen { cluster, plan }) => {
                self.health.recovered(now_ms, &mut events);
                self.gone = false;
                if self.cluster.as_ref() != Some(&cluster) || self.plan != plan {
                    if let Some(previous) = &self.cluster {
                        let mut lines = cluster_changes(previous, &cluster);
                        lines.extend(plan_changes(self.plan.as_ref(), plan.as_ref()));
                        log_changes(lines, now_ms, &mut events);
                    }
                    let progress = self.progress(&cluster, now_ms);
                    events.push((
                        Kind::Snapshot,
                        json(&ClusterSnapshot {
                            cluster: cluster.clone(),
                            progress,
                            plan: plan.clone(),
                        }),
                    ));
                    self.cluster = Some(cluster);
                    self.plan = plan;
                }
            }
        }
        let planning = self.plan.as_ref().is_some_and(UpgradePlan::running);
        let fast = !self.gone && (planning || self.cluster.as_ref().and_then(work).is_some());
        (events, fast)
    }
}

/// Unix ms of an RFC 3339 time.
fn unix_ms(rfc3339: &str) -> Option<i64> {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Operation-log lines for a plan's progress: a step's new detail or status, the plan's end.
pub fn plan_changes(old: Option<&UpgradePlan>, new: Option<&UpgradePlan>) -> Vec<String> {
    let Some(new) = new else {
        return vec![];
    };
    let same = old.filter(|o| o.id == new.id);
    let mut lines = Vec::new();
    for (index, step) in new.steps.iter().enumerate() {
        let before = same.and_then(|o| o.steps.get(index));
        let moved = before.is_none_or(|b| b.detail != step.detail || b.status != step.status);
        if moved && step.status.as_str() != "pending" {
            let detail = if step.detail.is_empty() {
                step.status.as_str().to_owned()
            } else {
                step.detail.clone()
            };
            lines.push(format!("{}: {detail}", step.title));
        }
    }
    if same.is_none_or(|o| o.state != new.state) && !new.running() {
        lines.push(format!("{}: {}", new.title(), new.state));
    }
    lines
}

/// Operation-log lines for the differences between two states of a cluster.
pub fn cluster_changes(old: &ClusterDetail, new: &ClusterDetail) -> Vec<String> {
    let mut lines = Vec::new();
    if old.state != new.state {
        lines.push(format!("cluster state {} → {}", old.state, new.state));
    }
    if old.version != new.version {
        lines.push(format!(
            "Kubernetes version {} → {}",
            old.version, new.version
        ));
    }
    if old.endpoint.is_none()
        && let Some(endpoint) = &new.endpoint
    {
        lines.push(format!("API server reachable at {endpoint}"));
    }
    let running = |p: &portal_types::clusters::NodepoolDetail| {
        p.instances.iter().filter(|i| i.state == "running").count()
    };
    for pool in &new.nodepools {
        let Some(before) = old.nodepools.iter().find(|p| p.id == pool.id) else {
            lines.push(format!(
                "nodepool {} added: {} × {}",
                pool.name, pool.size, pool.instance_type
            ));
            continue;
        };
        if before.state != pool.state {
            lines.push(format!(
                "nodepool {}: state {} → {}",
                pool.name, before.state, pool.state
            ));
        }
        if before.size != pool.size {
            lines.push(format!(
                "nodepool {}: size {} → {}",
                pool.name, before.size, pool.size
            ));
        }
        if (running(before), before.size) != (running(pool), pool.size) {
            lines.push(format!(
                "nodepool {}: {} of {} instances running",
                pool.name,
                running(pool),
                pool.size
            ));
        }
    }
    for pool in &old.nodepools {
        if !new.nodepools.iter().any(|p| p.id == pool.id) {
            lines.push(format!("nodepool {} removed", pool.name));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_types::clusters::fixtures::{cluster, pool};
    use portal_types::live::Upstream;

    fn watcher() -> ClusterWatcher {
        ClusterWatcher::new("org", "ch-gva-2", "c1")
    }

    fn kinds(events: &[(Kind, String)]) -> Vec<Kind> {
        events.iter().map(|(k, _)| *k).collect()
    }

    #[test]
    fn cluster_diffs_read_as_an_operation_log() {
        let before = cluster("creating", vec![pool("web", "creating", 3, 0)]);
        let mut after = cluster("running", vec![pool("web", "creating", 3, 1)]);
        after.endpoint = Some("https://c1.example:6443".into());
        assert_eq!(
            cluster_changes(&before, &after),
            [
                "cluster state creating → running",
                "API server reachable at https://c1.example:6443",
                "nodepool web: 1 of 3 instances running",
            ]
        );
        let mut scaled = after.clone();
        scaled.nodepools[0] = pool("web", "scaling", 5, 1);
        scaled.nodepools.push(pool("db", "creating", 2, 0));
        assert_eq!(
            cluster_changes(&after, &scaled),
            [
                "nodepool web: state creating → scaling",
                "nodepool web: size 3 → 5",
                "nodepool web: 1 of 5 instances running",
                "nodepool db added: 2 × standard.small",
            ]
        );
        assert_eq!(
            cluster_changes(&scaled, &cluster("running", vec![])),
            ["nodepool web removed", "nodepool db removed"]
        );
        assert!(cluster_changes(&after, &after).is_empty());
    }

    #[test]
    fn a_watch_publishes_changes_only_and_polls_fast_in_transition() {
        let mut watch = watcher();
        let creating = cluster("creating", vec![pool("web", "creating", 2, 0)]);
        let (events, fast) = watch.observe(Ok(creating.clone().into()), 1_000);
        assert_eq!(
            kinds(&events),
            [Kind::Snapshot],
            "the first look: a snapshot"
        );
        assert!(fast);
        let (events, _) = watch.observe(Ok(creating.into()), 2_000);
        assert!(events.is_empty(), "nothing changed, nothing sent");
        let running = cluster("running", vec![pool("web", "running", 2, 2)]);
        let (events, fast) = watch.observe(Ok(running.into()), 3_000);
        assert_eq!(
            kinds(&events),
            [Kind::Change, Kind::Change, Kind::Change, Kind::Snapshot]
        );
        assert!(!fast, "stable: poll slowly");
    }

    #[test]
    fn upstream_failures_are_announced_once_and_so_is_recovery() {
        let mut watch = watcher();
        let running = cluster("running", vec![]);
        watch.observe(Ok(running.clone().into()), 1_000);
        let down = || AppError::Unavailable {
            service: "The orchestration API".into(),
            message: "connection refused".into(),
        };
        let (events, _) = watch.observe(Err(down()), 2_000);
        assert_eq!(kinds(&events), [Kind::Upstream]);
        let upstream: Upstream = serde_json::from_str(&events[0].1).unwrap();
        assert_eq!(
            upstream,
            Upstream {
                degraded: true,
                message: "connection refused".into(),
                since_ms: 2_000
            }
        );
        assert!(watch.observe(Err(down()), 3_000).0.is_empty(), "said once");
        let (events, _) = watch.observe(Ok(running.into()), 4_000);
        assert_eq!(
            kinds(&events),
            [Kind::Upstream],
            "recovered; data unchanged"
        );
        let (events, _) = watch.observe(Err(AppError::NotFound("cluster c1".into())), 5_000);
        assert_eq!(kinds(&events), [Kind::Change, Kind::Gone]);
    }

    #[test]
    fn progress_is_timed_from_creation_and_learns_the_speed() {
        let mut watch = watcher();
        let created = unix_ms("2026-01-01T00:00:00Z").unwrap();
        let creating = cluster("creating", vec![pool("web", "creating", 2, 0)]);
        let progress = watch.progress(&creating, created + 5_000).unwrap();
        assert_eq!(progress.started_ms, Some(created));
        assert_eq!(
            progress.ends_ms,
            Some(created + 220_000),
            "typical: control plane then nodes"
        );
        // The control plane took 10 s, a tenth of the typical: nodes should take ~12 s.
        let booting = cluster("running", vec![pool("web", "creating", 2, 0)]);
        let progress = watch.progress(&booting, created + 10_000).unwrap();
        assert_eq!(progress.ends_ms, Some(created + 10_000 + 12_000));
        assert_eq!(progress.started_ms, Some(created), "one operation");
        assert_eq!(
            watch.progress(
                &cluster("running", vec![pool("web", "running", 2, 2)]),
                created + 30_000
            ),
            None
        );
    }

    #[test]
    fn a_plans_progress_reads_as_log_lines_and_keeps_the_watch_fast() {
        use portal_types::upgrades::{PlanKind, PlanStep, StepStatus};
        let step = |status, detail: &str| PlanStep {
            status,
            detail: detail.into(),
            title: "Recycle nodepool web, 1 node(s) at a time".into(),
            ..PlanStep::nodepool("p1", "web")
        };
        let plan = |state: &str, steps| UpgradePlan {
            id: "plan-1".into(),
            kind: PlanKind::Recycle,
            zone: "ch-gva-2".into(),
            cluster_id: "c1".into(),
            from_version: "1.36.3".into(),
            to_version: "1.36.3".into(),
            state: state.into(),
            message: None,
            steps,
            created_at: 0,
            updated_at: 0,
        };
        let started = plan(
            "running",
            vec![step(StepStatus::Running, "0 of 2 nodes replaced")],
        );
        let halfway = plan(
            "running",
            vec![step(StepStatus::Running, "1 of 2 nodes replaced")],
        );
        let done = plan(
            "done",
            vec![step(StepStatus::Done, "2 of 2 nodes replaced")],
        );
        assert_eq!(
            plan_changes(Some(&started), Some(&halfway)),
            ["Recycle nodepool web, 1 node(s) at a time: 1 of 2 nodes replaced"]
        );
        assert_eq!(
            plan_changes(Some(&halfway), Some(&done)),
            [
                "Recycle nodepool web, 1 node(s) at a time: 2 of 2 nodes replaced",
                "Recycle nodepool web, 1 node(s) at a time: done"
            ]
        );
        assert!(plan_changes(Some(&done), Some(&done)).is_empty());

        let mut watch = watcher();
        let running = cluster("running", vec![pool("web", "running", 2, 2)]);
        let seen = |plan| ClusterSeen {
            cluster: running.clone(),
            plan,
        };
        let (_, fast) = watch.observe(Ok(seen(Some(started.clone()))), 1_000);
        assert!(fast, "a running plan: look often");
        let (events, _) = watch.observe(Ok(seen(Some(halfway))), 2_000);
        assert_eq!(
            kinds(&events),
            [Kind::Change, Kind::Snapshot],
            "the cluster is the same; the plan moved"
        );
        let (_, fast) = watch.observe(Ok(seen(Some(done.clone()))), 3_000);
        assert!(!fast, "the plan ended and the cluster is stable");
        assert!(plan_shown(&done, PLAN_SHOWN_AFTER_MS - 1));
        assert!(!plan_shown(&done, PLAN_SHOWN_AFTER_MS));
    }
}
