//! Live updates: what the orchestration API shows of a watched resource (an organization's
//! cluster list, one cluster) reaches every open page at once, from one poll per resource.
//!
//! - [`Hub`] (`hub.rs`) is the registry: the watched topics with their rings and
//!   subscribers, the open streams and their caps, the event ids.
//! - The driver (`driver.rs`) owns each watched topic's periods and wake-ups: it looks while
//!   somebody listens (fast while something is in transition, at once when poked), publishes
//!   what changed, and lets the topic go once nobody has listened for a while.
//! - One [`Watcher`] per topic kind says how to look and what a look means: `clusters.rs`
//!   (an organization's list) and `cluster.rs` (one cluster, with the progress of its
//!   operation). A new kind of live page is a new [`Topic`] variant and a new watcher.
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

pub(crate) mod cluster;
mod clusters;
mod driver;
mod hub;
mod ring;

use std::sync::Arc;
use std::time::Duration;

use portal_types::live::{CHANGE, ChangeLine, GONE, SNAPSHOT, UPSTREAM};

pub use driver::{Health, Watcher};
pub use hub::{Holder, Hub, HubStats, Limits, RETRY_SECONDS, Subscription};
pub use ring::Ring;

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

/// JSON of a payload (they all serialize; a failure would be a bug, logged here).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        tracing::error!(%error, "cannot serialize a live event");
        "null".into()
    })
}

/// An operation-log line per change, all at `now_ms`.
fn log_changes(lines: Vec<String>, now_ms: i64, events: &mut Vec<(Kind, String)>) {
    for text in lines {
        events.push((
            Kind::Change,
            json(&ChangeLine {
                at_ms: now_ms,
                text,
            }),
        ));
    }
}
