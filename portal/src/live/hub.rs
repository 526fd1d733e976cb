//! The registry of live updates: the watched topics (each with its ring of recent events,
//! its broadcast channel and its subscribers), the open streams with their caps and holders,
//! and the event ids. The driver (`driver.rs`) does the watching.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, broadcast};

use portal_types::error::AppError;

use super::{Cadence, Event, Kind, Ring, Topic, driver};
use crate::Portal;

/// Events kept per topic for replay.
const RING: usize = 256;
/// `Retry-After` for a stream refused by a cap: tabs close, streams end.
pub const RETRY_SECONDS: u64 = 30;

/// The live hub (one per portal process, in [`Portal`]).
#[derive(Clone)]
pub struct Hub {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) cadence: Cadence,
    pub(super) topics: Mutex<HashMap<Topic, Arc<Channel>>>,
    ids: AtomicU64,
    pub(super) polls: AtomicU64,
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
pub(super) struct Channel {
    pub(super) ring: Mutex<Ring>,
    pub(super) sender: broadcast::Sender<Event>,
    /// Changed only under the hub's topics lock (see the module invariants).
    pub(super) subscribers: AtomicUsize,
    /// Wakes the watcher when its subscribers change.
    pub(super) wake: Notify,
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
        let seed = u64::try_from(crate::now_ms()).unwrap_or_default() * 1000;
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
                driver::start(self.clone(), portal.clone(), &topic, Arc::clone(&channel));
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

    pub(super) fn next_id(&self) -> u64 {
        self.inner.ids.fetch_add(1, Ordering::SeqCst) + 1
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
