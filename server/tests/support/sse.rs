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

/// Opens `path` with the session `cookie`; the stream must be accepted.
pub async fn open(router: &Router, path: &str, cookie: &str) -> Stream {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
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

    /// Events up to and including the first that satisfies `done`; panics, naming `what` and
    /// showing what came, when it has not come within `within`.
    pub async fn until(
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
