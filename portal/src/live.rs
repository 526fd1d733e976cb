//! The live hub: one watcher per watched resource (an organization's cluster list, one
//! cluster), fanning what it sees out to every subscriber.
//!
//! Invariants:
//! - At most one watcher runs per [`Topic`]: [`Hub::subscribe`] starts it under the same lock
//!   under which a watcher with no subscriber left removes itself, so a subscriber arriving
//!   while a watcher winds down either keeps it or starts a fresh one, never a second.
//! - Upstream calls depend on the number of topics, not of subscribers: subscribers only read
//!   the ring and the broadcast channel.
//! - Event ids come from one hub-wide counter seeded with the clock, so they increase within a
//!   topic and are not reused by a later watcher of the same topic (nor, in practice, after a
//!   restart): a `Last-Event-ID` the ring no longer covers is recognised and answered with a
//!   fresh snapshot instead of a silent gap.
//! - A subscriber first gets its replay (taken under the ring's lock together with its
//!   subscription to new events, so nothing falls between them), then live events.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, broadcast};

use super::Portal;
use portal_types::clusters::{ClusterDetail, ClusterRow};
use portal_types::error::AppError;
use portal_types::live::{
    CHANGE, ChangeLine, ClusterListSnapshot, ClusterSnapshot, GONE, Progress, SNAPSHOT, UPSTREAM,
    Upstream, row_in_transition, work,
};

/// Events kept per topic for replay.
const RING: usize = 256;
/// Change lines a new subscriber (without `Last-Event-ID`) gets as recent history.
const RECENT_CHANGES: usize = 50;
/// Typical durations of the simulated provider at speed 1 (the first estimate, before the
/// watcher has seen how fast this API really is).
const CONTROL_PLANE_MS: f64 = 100_000.0;
const NODE_MS: f64 = 120_000.0;
/// `Retry-After` for a stream refused by a cap: tabs close, streams end.
pub const RETRY_SECONDS: u64 = 30;

/// What can be watched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// The cluster list of an organization.
    Clusters { org: String },
    /// One cluster of an organization.
    Cluster {
        org: String,
        zone: String,
        id: String,
    },
}

/// How often watchers poll, and how long one outlives its last subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// While something is in transition.
    pub fast: Duration,
    /// While everything is stable.
    pub slow: Duration,
    /// How long a watcher waits for a new subscriber before it stops (a page reload comes
    /// back to a warm watcher).
    pub linger: Duration,
    /// How often an open stream checks again that its session lives and its person is still
    /// a member (the portal ends them at once itself; this catches the rest).
    pub recheck: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            fast: Duration::from_secs(1),
            slow: Duration::from_secs(15),
            linger: Duration::from_secs(10),
            recheck: Duration::from_secs(30),
        }
    }
}

/// The kind of an event (its SSE `event:` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    Change,
    Upstream,
    Gone,
}

impl Kind {
    /// The SSE event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Snapshot => SNAPSHOT,
            Kind::Change => CHANGE,
            Kind::Upstream => UPSTREAM,
            Kind::Gone => GONE,
        }
    }
}

/// One event of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: u64,
    pub kind: Kind,
    /// JSON.
    pub data: Arc<str>,
}

/// The recent events of a topic, for replay.
#[derive(Debug)]
pub struct Ring {
    events: VecDeque<Event>,
    /// Every event of the topic with an id above this one is retained.
    floor: u64,
    capacity: usize,
}

impl Ring {
    /// An empty ring for a topic whose events will have ids above `floor`.
    pub fn new(floor: u64, capacity: usize) -> Ring {
        Ring {
            events: VecDeque::with_capacity(capacity),
            floor,
            capacity: capacity.max(1),
        }
    }

    /// Keeps `event`, forgetting the oldest one when full.
    pub fn push(&mut self, event: Event) {
        if self.events.len() == self.capacity
            && let Some(old) = self.events.pop_front()
        {
            self.floor = old.id;
        }
        self.events.push_back(event);
    }

    fn newest(&self) -> u64 {
        self.events.back().map_or(self.floor, |e| e.id)
    }

    /// What a subscriber gets first: with `last` (its `Last-Event-ID`) still covered, every
    /// event after it; otherwise the current state ([`Ring::fresh`]).
    pub fn replay(&self, last: Option<u64>) -> Vec<Event> {
        match last {
            Some(last) if (self.floor..=self.newest()).contains(&last) => self
                .events
                .iter()
                .filter(|e| e.id > last)
                .cloned()
                .collect(),
            _ => self.fresh(),
        }
    }

    /// The recent change log, the latest snapshot, the latest upstream condition and whether
    /// the resource is gone, in id order.
    pub fn fresh(&self) -> Vec<Event> {
        let mut out: Vec<Event> = self
            .events
            .iter()
            .filter(|e| e.kind == Kind::Change)
            .rev()
            .take(RECENT_CHANGES)
            .cloned()
            .collect();
        for kind in [Kind::Snapshot, Kind::Upstream, Kind::Gone] {
            if let Some(event) = self.events.iter().rev().find(|e| e.kind == kind) {
                out.push(event.clone());
            }
        }
        out.sort_by_key(|e| e.id);
        out
    }
}

/// What one poll of the orchestration API gave.
#[derive(Debug, Clone)]
pub enum Polled {
    List(ClusterListSnapshot),
    Cluster(Box<ClusterDetail>),
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

/// A watcher's memory: the last data it published, the operation it is timing, the upstream
/// condition. Pure: [`Watch::observe`] turns a poll's outcome into events, the clock injected.
#[derive(Debug, Default)]
pub struct Watch {
    list: Option<ClusterListSnapshot>,
    cluster: Option<ClusterDetail>,
    track: Option<Track>,
    /// How much slower (>1) or faster (<1) than the typical durations this API works.
    scale: Option<f64>,
    degraded_since: Option<i64>,
    gone: bool,
}

impl Watch {
    /// Events for a poll's outcome (kind and JSON data), and whether to poll fast next.
    pub fn observe(
        &mut self,
        polled: Result<Polled, AppError>,
        now_ms: i64,
    ) -> (Vec<(Kind, String)>, bool) {
        let mut events = Vec::new();
        match polled {
            Err(AppError::NotFound(what)) => {
                self.recovered(now_ms, &mut events);
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
            Err(error) => {
                if self.degraded_since.is_none() {
                    self.degraded_since = Some(now_ms);
                    let message = match &error {
                        AppError::Unavailable { message, .. } => message.clone(),
                        other => other.to_string(),
                    };
                    events.push((
                        Kind::Upstream,
                        json(&Upstream {
                            degraded: true,
                            message,
                            since_ms: now_ms,
                        }),
                    ));
                }
            }
            Ok(Polled::List(mut list)) => {
                if list.failures.is_empty() {
                    self.recovered(now_ms, &mut events);
                } else {
                    // Zones that did not answer keep their last known clusters.
                    if let Some(previous) = &self.list {
                        keep_failed_zones(&mut list, &previous.rows);
                    }
                    if self.degraded_since.is_none() {
                        self.degraded_since = Some(now_ms);
                        let message = list
                            .failures
                            .iter()
                            .map(|f| format!("{}: {}", f.zone, f.message))
                            .collect::<Vec<_>>()
                            .join("; ");
                        events.push((
                            Kind::Upstream,
                            json(&Upstream {
                                degraded: true,
                                message,
                                since_ms: now_ms,
                            }),
                        ));
                    }
                }
                list.rows.sort_by(|a, b| a.id.cmp(&b.id));
                if self.list.as_ref() != Some(&list) {
                    if let Some(previous) = &self.list {
                        for text in list_changes(&previous.rows, &list.rows) {
                            events.push((
                                Kind::Change,
                                json(&ChangeLine {
                                    at_ms: now_ms,
                                    text,
                                }),
                            ));
                        }
                    }
                    events.push((Kind::Snapshot, json(&list)));
                    self.list = Some(list);
                }
            }
            Ok(Polled::Cluster(cluster)) => {
                let cluster = *cluster;
                self.recovered(now_ms, &mut events);
                self.gone = false;
                let changed = self.cluster.as_ref() != Some(&cluster);
                if changed {
                    if let Some(previous) = &self.cluster {
                        for text in cluster_changes(previous, &cluster) {
                            events.push((
                                Kind::Change,
                                json(&ChangeLine {
                                    at_ms: now_ms,
                                    text,
                                }),
                            ));
                        }
                    }
                    let progress = self.progress(&cluster, now_ms);
                    events.push((
                        Kind::Snapshot,
                        json(&ClusterSnapshot {
                            cluster: cluster.clone(),
                            progress,
                        }),
                    ));
                    self.cluster = Some(cluster);
                }
            }
        }
        (events, self.in_transition())
    }

    fn recovered(&mut self, now_ms: i64, events: &mut Vec<(Kind, String)>) {
        if self.degraded_since.take().is_some() {
            events.push((
                Kind::Upstream,
                json(&Upstream {
                    degraded: false,
                    message: String::new(),
                    since_ms: now_ms,
                }),
            ));
        }
    }

    /// Whether the last known data is in transition (poll fast).
    pub fn in_transition(&self) -> bool {
        match (&self.list, &self.cluster) {
            (Some(list), _) => list.rows.iter().any(row_in_transition),
            (_, Some(cluster)) => !self.gone && work(cluster).is_some(),
            _ => false,
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

/// JSON of a payload (they all serialize; a failure would be a bug, logged here).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        tracing::error!(%error, "cannot serialize a live event");
        "null".into()
    })
}

/// Unix ms of an RFC 3339 time.
fn unix_ms(rfc3339: &str) -> Option<i64> {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
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

/// The live hub (one per portal process, in [`Portal`]).
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    cadence: Cadence,
    topics: Mutex<HashMap<Topic, Arc<Channel>>>,
    ids: AtomicU64,
    polls: AtomicU64,
    /// Set at shutdown: every subscription ends.
    closed: tokio::sync::watch::Sender<bool>,
    limits: Limits,
    /// The open streams, by number: whose they are, and how to end them.
    streams: Mutex<HashMap<u64, Stream>>,
    next_stream: AtomicU64,
}

/// Caps on what live streams may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open streams of one session (a few tabs).
    pub per_session: usize,
    /// Open streams of one person, all sessions together.
    pub per_user: usize,
    /// Topics watched at once, all organizations together (each polls the API).
    pub watchers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_session: 8,
            per_user: 20,
            watchers: 1000,
        }
    }
}

/// Whose a stream is: it ends when this session ends or this person leaves this organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The session's token hash (never the token).
    pub session: String,
    pub user: String,
    pub org: String,
}

/// An open stream as the hub knows it.
struct Stream {
    holder: Holder,
    end: tokio::sync::watch::Sender<bool>,
}

/// A topic's fan-out: the ring, the broadcast of new events, its subscribers.
struct Channel {
    ring: Mutex<Ring>,
    sender: broadcast::Sender<Event>,
    /// Changed only under the hub's topics lock (see the module invariants).
    subscribers: AtomicUsize,
    /// Wakes the watcher when its subscribers change.
    wake: Notify,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("cadence", &self.inner.cadence)
            .finish_non_exhaustive()
    }
}

/// Counts for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubStats {
    /// Topics with a running watcher.
    pub watchers: usize,
    /// Open subscriptions, all topics together.
    pub subscribers: usize,
    /// Polls of the orchestration API since start.
    pub polls: u64,
}

impl Hub {
    /// A hub whose watchers poll at `cadence`.
    pub fn new(cadence: Cadence) -> Hub {
        // Seeded with the clock (µs) so ids are not reused after a restart.
        let seed = u64::try_from(super::now_ms()).unwrap_or_default() * 1000;
        Hub {
            inner: Arc::new(Inner {
                cadence,
                topics: Mutex::new(HashMap::new()),
                ids: AtomicU64::new(seed),
                polls: AtomicU64::new(0),
                closed: tokio::sync::watch::channel(false).0,
                limits: Limits::default(),
                streams: Mutex::new(HashMap::new()),
                next_stream: AtomicU64::new(0),
            }),
        }
    }

    /// A hub like [`Hub::new`] with other caps.
    pub fn with_limits(cadence: Cadence, limits: Limits) -> Hub {
        let hub = Hub::new(cadence);
        let inner = Arc::into_inner(hub.inner).expect("a new hub is not shared");
        Hub {
            inner: Arc::new(Inner { limits, ..inner }),
        }
    }

    /// How its watchers poll and its streams check.
    pub fn cadence(&self) -> Cadence {
        self.inner.cadence
    }

    /// The current counts.
    pub fn stats(&self) -> HubStats {
        let topics = lock(&self.inner.topics);
        HubStats {
            watchers: topics.len(),
            subscribers: topics
                .values()
                .map(|c| c.subscribers.load(Ordering::SeqCst))
                .sum(),
            polls: self.inner.polls.load(Ordering::Relaxed),
        }
    }

    /// Subscribes to `topic`, starting its watcher if none runs. `last_event_id` is the
    /// browser's `Last-Event-ID` when it reconnects.
    pub fn subscribe(
        &self,
        portal: &Portal,
        topic: Topic,
        last_event_id: Option<u64>,
    ) -> Subscription {
        let channel = {
            let mut topics = lock(&self.inner.topics);
            let channel = topics.entry(topic.clone()).or_insert_with(|| {
                let floor = self.inner.ids.load(Ordering::SeqCst);
                let channel = Arc::new(Channel {
                    ring: Mutex::new(Ring::new(floor, RING)),
                    sender: broadcast::channel(RING).0,
                    subscribers: AtomicUsize::new(0),
                    wake: Notify::new(),
                });
                tokio::spawn(watch(
                    self.clone(),
                    portal.clone(),
                    topic.clone(),
                    Arc::clone(&channel),
                ));
                channel
            });
            // Only a watcher at rest is woken: a subscriber joining a polling watcher must not
            // cause an extra poll (upstream calls would grow with arrivals).
            if channel.subscribers.fetch_add(1, Ordering::SeqCst) == 0 {
                channel.wake.notify_one();
            }
            Arc::clone(channel)
        };
        let (replay, receiver) = {
            let ring = lock(&channel.ring);
            (ring.replay(last_event_id), channel.sender.subscribe())
        };
        Subscription {
            closed: self.inner.closed.subscribe(),
            ended: None,
            last: replay.last().map_or(0, |e| e.id),
            replay: replay.into(),
            receiver,
            _guard: Guard {
                hub: self.clone(),
                channel,
            },
        }
    }

    /// Subscribes as an SSE endpoint does, for `holder`: like [`Hub::subscribe`], within the
    /// caps of [`Limits`] (`RateLimited` beyond those of a session or a person, `Unavailable`
    /// when the hub watches all it may), and when the topic has no data yet, waits for its
    /// first poll, so that a cluster that does not exist, was deleted, or belongs to another
    /// organization is `NotFound` rather than an empty stream, whatever `last_event_id` says.
    /// The stream ends when [`Hub::revoke_session`], [`Hub::revoke_user`] or
    /// [`Hub::revoke_member`] names its holder.
    pub async fn open(
        &self,
        portal: &Portal,
        topic: Topic,
        last_event_id: Option<u64>,
        holder: Holder,
    ) -> Result<Subscription, AppError> {
        let limits = self.inner.limits;
        let (ended, ticket) = {
            let mut streams = lock(&self.inner.streams);
            let of_session = streams
                .values()
                .filter(|s| s.holder.session == holder.session)
                .count();
            let of_user = streams
                .values()
                .filter(|s| s.holder.user == holder.user)
                .count();
            if of_session >= limits.per_session || of_user >= limits.per_user {
                return Err(AppError::RateLimited(RETRY_SECONDS));
            }
            let watched = lock(&self.inner.topics);
            if !watched.contains_key(&topic) && watched.len() >= limits.watchers {
                return Err(AppError::Unavailable {
                    service: "Live updates".into(),
                    message: "they are at capacity; the page shows what it loaded".into(),
                });
            }
            drop(watched);
            let number = self.inner.next_stream.fetch_add(1, Ordering::Relaxed);
            let (end, ended) = tokio::sync::watch::channel(false);
            streams.insert(number, Stream { holder, end });
            (
                ended,
                Ticket {
                    hub: self.clone(),
                    number,
                },
            )
        };
        let mut subscription = self.subscribe(portal, topic, last_event_id);
        subscription.ended = Some((ended, ticket));
        if subscription.replay.is_empty() {
            // Change lines may come first; what decides is the first snapshot, upstream
            // failure or "gone".
            let first_answer = async {
                while let Some(event) = subscription.recv().await {
                    let decisive = event.kind != Kind::Change;
                    subscription.replay.push_back(event);
                    if decisive {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(30), first_answer).await;
        }
        // What the topic says now, not what the replay holds after `last_event_id`.
        let gone = {
            let ring = lock(&subscription._guard.channel.ring);
            ring.events
                .iter()
                .rev()
                .find(|e| matches!(e.kind, Kind::Snapshot | Kind::Gone))
                .is_some_and(|e| e.kind == Kind::Gone)
        };
        if gone {
            return Err(AppError::NotFound("this cluster".into()));
        }
        Ok(subscription)
    }

    /// Ends the open streams of one session (signed out), at once.
    pub fn revoke_session(&self, token_hash: &str) {
        self.revoke(|h| h.session == token_hash);
    }

    /// Ends the open streams of one person in every organization (signed out everywhere, a
    /// new password).
    pub fn revoke_user(&self, user: &str) {
        self.revoke(|h| h.user == user);
    }

    /// Ends one person's open streams of one organization (removed from it).
    pub fn revoke_member(&self, org: &str, user: &str) {
        self.revoke(|h| h.org == org && h.user == user);
    }

    fn revoke(&self, matches: impl Fn(&Holder) -> bool) {
        let streams = lock(&self.inner.streams);
        for stream in streams.values().filter(|s| matches(&s.holder)) {
            stream.end.send_replace(true);
        }
    }

    /// Ends every subscription (at shutdown, so open streams do not hold the server up).
    pub fn close(&self) {
        self.inner.closed.send_replace(true);
    }

    /// Makes the watchers of this cluster and of its organization's list poll now, if they
    /// run (after the portal itself changed the cluster, so viewers see it at once rather
    /// than at the next slow poll).
    pub fn poke(&self, org: &str, zone: &str, id: &str) {
        let topics = lock(&self.inner.topics);
        let cluster = Topic::Cluster {
            org: org.to_owned(),
            zone: zone.to_owned(),
            id: id.to_owned(),
        };
        let list = Topic::Clusters {
            org: org.to_owned(),
        };
        for topic in [cluster, list] {
            if let Some(channel) = topics.get(&topic) {
                channel.wake.notify_one();
            }
        }
    }

    fn next_id(&self) -> u64 {
        self.inner.ids.fetch_add(1, Ordering::SeqCst) + 1
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One subscriber's view of a topic: its replay, then live events.
pub struct Subscription {
    closed: tokio::sync::watch::Receiver<bool>,
    /// For a stream opened with [`Hub::open`]: set when its holder's access ends.
    ended: Option<(tokio::sync::watch::Receiver<bool>, Ticket)>,
    replay: VecDeque<Event>,
    receiver: broadcast::Receiver<Event>,
    /// The id of the last event handed out.
    last: u64,
    _guard: Guard,
}

impl Subscription {
    /// The next event; `None` when the hub is gone or the holder's access ended.
    pub async fn next(&mut self) -> Option<Event> {
        let mut ended = self.ended.as_ref().map(|(ended, _)| ended.clone());
        if ended.as_ref().is_some_and(|ended| *ended.borrow()) {
            return None;
        }
        match self.replay.pop_front() {
            Some(event) => {
                self.last = self.last.max(event.id);
                Some(event)
            }
            None => {
                let mut closed = self.closed.clone();
                let revoked = async {
                    match ended.as_mut() {
                        Some(ended) => {
                            let _ = ended.wait_for(|ended| *ended).await;
                        }
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    event = self.recv() => event,
                    _ = closed.wait_for(|closed| *closed) => None,
                    () = revoked => None,
                }
            }
        }
    }

    /// The next live event after the replay.
    async fn recv(&mut self) -> Option<Event> {
        loop {
            match self.receiver.recv().await {
                Ok(event) if event.id <= self.last => continue,
                Ok(event) => {
                    self.last = event.id;
                    return Some(event);
                }
                // A slow reader missed events: take them from the ring instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let ring = lock(&self._guard.channel.ring);
                    self.replay = ring.replay(Some(self.last)).into();
                    drop(ring);
                    if let Some(event) = self.replay.pop_front() {
                        self.last = event.id;
                        return Some(event);
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Counts a subscriber while it lives.
struct Guard {
    hub: Hub,
    channel: Arc<Channel>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _topics = lock(&self.hub.inner.topics);
        if self.channel.subscribers.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.channel.wake.notify_one();
        }
    }
}

/// An open stream's place in [`Hub`]'s list, given back when the stream ends.
struct Ticket {
    hub: Hub,
    number: u64,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        lock(&self.hub.inner.streams).remove(&self.number);
    }
}

/// A topic's watcher: polls while it has subscribers (fast while something is in transition),
/// publishes what changed, and removes its topic once nobody has listened for `linger`.
async fn watch(hub: Hub, portal: Portal, topic: Topic, channel: Arc<Channel>) {
    let cadence = hub.inner.cadence;
    let mut memory = Watch::default();
    let mut idle_since: Option<Instant> = None;
    tracing::debug!(?topic, "watcher started");
    loop {
        {
            let mut topics = lock(&hub.inner.topics);
            if channel.subscribers.load(Ordering::SeqCst) == 0 {
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= cadence.linger {
                    topics.remove(&topic);
                    tracing::debug!(?topic, "watcher stopped");
                    return;
                }
            } else {
                idle_since = None;
            }
        }
        if let Some(since) = idle_since {
            // Nobody watches: no polling; wait for a subscriber or the end of the linger.
            let left = cadence.linger.saturating_sub(since.elapsed());
            tokio::select! {
                () = tokio::time::sleep(left) => {}
                () = channel.wake.notified() => {}
            }
            continue;
        }
        hub.inner.polls.fetch_add(1, Ordering::Relaxed);
        let polled = poll(&portal, &topic).await;
        let (events, fast) = memory.observe(polled, super::now_ms());
        if !events.is_empty() {
            let mut ring = lock(&channel.ring);
            for (kind, data) in events {
                let event = Event {
                    id: hub.next_id(),
                    kind,
                    data: data.into(),
                };
                ring.push(event.clone());
                // No receiver is fine: the ring keeps it for the next subscriber.
                let _ = channel.sender.send(event);
            }
        }
        let pause = if fast { cadence.fast } else { cadence.slow };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = channel.wake.notified() => {}
        }
    }
}

/// One look at the orchestration API for `topic`, with the organization's own credentials.
async fn poll(portal: &Portal, topic: &Topic) -> Result<Polled, AppError> {
    match topic {
        Topic::Clusters { org } => {
            let (client, zones) = super::orchestration::client_for(portal, org).await?;
            let (rows, failures) = super::clusters::list_answered(&client, &zones).await?;
            Ok(Polled::List(ClusterListSnapshot { rows, failures }))
        }
        Topic::Cluster { org, zone, id } => {
            let (client, zones) = super::orchestration::client_for(portal, org).await?;
            super::clusters::cluster_detail(&client, &zones, zone, id)
                .await
                .map(|c| Polled::Cluster(Box::new(c)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_types::clusters::fixtures::{cluster, pool};

    fn event(id: u64, kind: Kind) -> Event {
        Event {
            id,
            kind,
            data: "{}".into(),
        }
    }

    fn ids(events: &[Event]) -> Vec<u64> {
        events.iter().map(|e| e.id).collect()
    }

    #[test]
    fn a_reconnect_gets_every_event_after_its_id() {
        let mut ring = Ring::new(100, 10);
        for (id, kind) in [
            (101, Kind::Snapshot),
            (102, Kind::Change),
            (103, Kind::Snapshot),
            (104, Kind::Upstream),
        ] {
            ring.push(event(id, kind));
        }
        assert_eq!(ids(&ring.replay(Some(102))), [103, 104]);
        assert_eq!(
            ids(&ring.replay(Some(100))),
            [101, 102, 103, 104],
            "from the start"
        );
        assert!(ring.replay(Some(104)).is_empty(), "up to date");
    }

    #[test]
    fn an_unknown_or_forgotten_id_gets_the_current_state() {
        let mut ring = Ring::new(0, 3);
        for (id, kind) in [
            (1, Kind::Snapshot),
            (2, Kind::Change),
            (3, Kind::Snapshot),
            (4, Kind::Change),
            (5, Kind::Snapshot),
        ] {
            ring.push(event(id, kind));
        }
        // 1 and 2 were forgotten: 1 can no longer be answered exactly.
        let fresh = [4, 5];
        assert_eq!(ids(&ring.replay(Some(1))), fresh);
        assert_eq!(
            ids(&ring.replay(Some(2))),
            [3, 4, 5],
            "2 is the floor: everything after it is kept"
        );
        assert_eq!(ids(&ring.replay(Some(99))), fresh, "an id from the future");
        assert_eq!(ids(&ring.replay(None)), fresh);
    }

    #[test]
    fn a_fresh_subscriber_gets_the_log_and_only_the_latest_state() {
        let mut ring = Ring::new(0, 10);
        for (id, kind) in [
            (1, Kind::Snapshot),
            (2, Kind::Upstream),
            (3, Kind::Change),
            (4, Kind::Snapshot),
            (5, Kind::Upstream),
            (6, Kind::Change),
        ] {
            ring.push(event(id, kind));
        }
        assert_eq!(ids(&ring.fresh()), [3, 4, 5, 6]);
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
    fn a_watch_publishes_changes_only_and_polls_fast_in_transition() {
        let mut watch = Watch::default();
        let creating = cluster("creating", vec![pool("web", "creating", 2, 0)]);
        let (events, fast) = watch.observe(Ok(Polled::Cluster(Box::new(creating.clone()))), 1_000);
        assert_eq!(
            kinds(&events),
            [Kind::Snapshot],
            "the first look: a snapshot"
        );
        assert!(fast);
        let (events, _) = watch.observe(Ok(Polled::Cluster(Box::new(creating))), 2_000);
        assert!(events.is_empty(), "nothing changed, nothing sent");
        let running = cluster("running", vec![pool("web", "running", 2, 2)]);
        let (events, fast) = watch.observe(Ok(Polled::Cluster(Box::new(running))), 3_000);
        assert_eq!(
            kinds(&events),
            [Kind::Change, Kind::Change, Kind::Change, Kind::Snapshot]
        );
        assert!(!fast, "stable: poll slowly");
    }

    #[test]
    fn upstream_failures_are_announced_once_and_so_is_recovery() {
        let mut watch = Watch::default();
        let running = cluster("running", vec![]);
        watch.observe(Ok(Polled::Cluster(Box::new(running.clone()))), 1_000);
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
        let (events, _) = watch.observe(Ok(Polled::Cluster(Box::new(running))), 4_000);
        assert_eq!(
            kinds(&events),
            [Kind::Upstream],
            "recovered; data unchanged"
        );
        let (events, _) = watch.observe(Err(AppError::NotFound("cluster c1".into())), 5_000);
        assert_eq!(kinds(&events), [Kind::Change, Kind::Gone]);
    }

    #[test]
    fn a_zone_that_fails_keeps_its_last_known_clusters() {
        let mut watch = Watch::default();
        let mut other = row("b", "running", 1, 1);
        other.zone = "de-fra-1".into();
        let both = ClusterListSnapshot {
            rows: vec![row("a", "running", 1, 1), other.clone()],
            failures: vec![],
        };
        watch.observe(Ok(Polled::List(both)), 1_000);
        let partial = ClusterListSnapshot {
            rows: vec![row("a", "running", 1, 1)],
            failures: vec![portal_types::clusters::ZoneFailure {
                zone: "de-fra-1".into(),
                message: "timeout".into(),
            }],
        };
        let (events, _) = watch.observe(Ok(Polled::List(partial)), 2_000);
        assert_eq!(kinds(&events), [Kind::Upstream, Kind::Snapshot]);
        let snapshot: ClusterListSnapshot = serde_json::from_str(&events[1].1).unwrap();
        assert!(snapshot.rows.contains(&other), "still shown, not gone");
        assert!(!events.iter().any(|(k, _)| *k == Kind::Change));
    }

    #[test]
    fn progress_is_timed_from_creation_and_learns_the_speed() {
        let mut watch = Watch::default();
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
}
