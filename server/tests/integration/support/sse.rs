//! Reading the portal's live streams as a browser's `EventSource` does: one [`Sse`] per event,
//! keep-alive comments skipped, with helpers to wait for the events a test cares about.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use futures::StreamExt as _;
use http::{Request, StatusCode, header};
use tower::ServiceExt as _;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sse {
    pub id: u64,
    pub event: String,
    pub data: String,
}

impl Sse {
    /// The cluster snapshot this event carries, if it is one (on a cluster's stream).
    pub fn cluster(&self) -> Option<app::live::ClusterSnapshot> {
        (self.event == "snapshot").then(|| serde_json::from_str(&self.data).unwrap())
    }

    /// The list snapshot this event carries, if it is one (on the list's stream).
    pub fn list(&self) -> Option<app::live::ClusterListSnapshot> {
        (self.event == "snapshot").then(|| serde_json::from_str(&self.data).unwrap())
    }

    /// The upstream condition this event announces, if it is one.
    pub fn upstream(&self) -> Option<app::live::Upstream> {
        (self.event == "upstream").then(|| serde_json::from_str(&self.data).unwrap())
    }

    /// Whether this event says the orchestration API is failing (`degraded`) or back.
    pub fn is_upstream(&self, degraded: bool) -> bool {
        self.upstream().is_some_and(|u| u.degraded == degraded)
    }
}

/// An open event stream.
pub struct Stream {
    body: axum::body::BodyDataStream,
    buffer: String,
}

/// Opens `path` with the session `cookie` (resuming after `last_event_id`, as a reconnecting
/// browser does); the stream must be accepted, and never compressed (that would buffer it).
pub async fn open(router: &Router, path: &str, cookie: &str, last_event_id: Option<u64>) -> Stream {
    let mut request = Request::get(path)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = super::within(
        &format!("GET {path} (event stream)"),
        router.clone().oneshot(request.body(Body::empty()).unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    assert!(
        response.headers().get(header::CONTENT_ENCODING).is_none(),
        "never compressed (buffered)"
    );
    Stream {
        body: response.into_body().into_data_stream(),
        buffer: String::new(),
    }
}

impl Stream {
    /// The next event, or `None` when none came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    id: 0,
                    event: "message".into(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id:") {
                        event.id = id.trim().parse().unwrap();
                    } else if let Some(name) = line.strip_prefix("event:") {
                        event.event = name.trim().to_owned();
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.strip_prefix(' ').unwrap_or(data));
                    }
                }
                if event.id != 0 {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()?
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Whether the server ended the stream within `wait` (events before the end are read and
    /// dropped).
    pub async fn ended_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next event; panics when none comes within 30 s.
    pub async fn next(&mut self) -> Sse {
        self.next_within(Duration::from_secs(30))
            .await
            .expect("an event within 30 s")
    }

    /// Events up to and including the first that satisfies `done` (each within 30 s).
    pub async fn until(&mut self, done: impl Fn(&Sse) -> bool) -> Vec<Sse> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().await;
            let last = done(&event);
            seen.push(event);
            if last {
                return seen;
            }
        }
    }

    /// Events up to and including the first that satisfies `done`; panics, naming `what` and
    /// showing what came, when it has not come within `within`.
    pub async fn until_within(
        &mut self,
        what: &str,
        within: Duration,
        done: impl Fn(&Sse) -> bool,
    ) -> Vec<Sse> {
        let started = Instant::now();
        let mut seen = Vec::new();
        loop {
            let left = within.saturating_sub(started.elapsed());
            let Some(event) = self.next_within(left).await else {
                panic!("no {what} within {within:?}; events meanwhile: {seen:#?}");
            };
            let last = done(&event);
            seen.push(event);
            if last {
                return seen;
            }
        }
    }
}

/// The cluster snapshot an event carries, if it is one.
pub fn snapshot(e: &Sse) -> Option<app::live::ClusterSnapshot> {
    e.cluster()
}

/// A snapshot of a cluster with nothing under way and `size` instances running in each pool.
pub fn settled(size: usize) -> impl Fn(&Sse) -> bool {
    move |e| {
        snapshot(e).is_some_and(|s| {
            s.progress.is_none()
                && s.cluster
                    .nodepools
                    .iter()
                    .all(|p| p.instances.iter().filter(|i| i.state == "running").count() == size)
        })
    }
}
