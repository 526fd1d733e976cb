//! The driver: one task per watched topic, owning when to look (while somebody listens; fast
//! while something is in transition; at once when poked) and when to stop (once nobody has
//! listened for the linger), publishing what its topic's [`Watcher`] makes of each look.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use portal_types::error::AppError;
use portal_types::live::Upstream;

use super::hub::{Channel, lock};
use super::{Event, Hub, Kind, Topic, json};
use crate::Portal;

/// How one kind of topic is watched: how to look at the orchestration API, and what a look
/// means for the people watching. The driver decides when; a watcher never sleeps or spawns.
pub trait Watcher: Send + 'static {
    /// What one look gives.
    type Seen: Send;

    /// One look, with the organization's own credentials.
    fn look(&self, portal: &Portal) -> impl Future<Output = Result<Self::Seen, AppError>> + Send;

    /// The events a look's outcome makes (kind and JSON data), in order, and whether to look
    /// again soon (something is in transition). Pure: the clock is given.
    fn observe(
        &mut self,
        seen: Result<Self::Seen, AppError>,
        now_ms: i64,
    ) -> (Vec<(Kind, String)>, bool);
}

/// Whether the orchestration API answers a watcher: a run of failures is announced once, and
/// so is the recovery.
#[derive(Debug, Default)]
pub struct Health {
    degraded_since: Option<i64>,
}

impl Health {
    /// A look failed with `message`; announced only when it is the first of a run.
    pub fn failed(
        &mut self,
        message: impl FnOnce() -> String,
        now_ms: i64,
        events: &mut Vec<(Kind, String)>,
    ) {
        if self.degraded_since.is_none() {
            self.degraded_since = Some(now_ms);
            events.push((
                Kind::Upstream,
                json(&Upstream {
                    degraded: true,
                    message: message(),
                    since_ms: now_ms,
                }),
            ));
        }
    }

    /// A look succeeded; announced when it ends a run of failures.
    pub fn recovered(&mut self, now_ms: i64, events: &mut Vec<(Kind, String)>) {
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
}

/// What the degraded banner says of a failed look.
pub fn failure_message(error: &AppError) -> String {
    match error {
        AppError::Unavailable { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Starts watching `topic` with the watcher of its kind.
pub(super) fn start(hub: Hub, portal: Portal, topic: &Topic, channel: Arc<Channel>) {
    match topic {
        Topic::Clusters { org } => {
            let watcher = super::clusters::ClusterListWatcher::new(org);
            tokio::spawn(drive(hub, portal, topic.clone(), channel, watcher));
        }
        Topic::Cluster { org, zone, id } => {
            let watcher = super::cluster::ClusterWatcher::new(org, zone, id);
            tokio::spawn(drive(hub, portal, topic.clone(), channel, watcher));
        }
    }
}

/// A topic's life: looks while it has subscribers (fast while something is in transition),
/// publishes what changed, and removes its topic once nobody has listened for the linger.
async fn drive<W: Watcher>(
    hub: Hub,
    portal: Portal,
    topic: Topic,
    channel: Arc<Channel>,
    mut watcher: W,
) {
    let cadence = hub.inner.cadence;
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
        let seen = watcher.look(&portal).await;
        let (events, fast) = watcher.observe(seen, crate::now_ms());
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
