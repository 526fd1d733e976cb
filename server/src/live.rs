//! The live streams: `GET /live/clusters` (the organization's cluster list) and
//! `GET /live/clusters/{zone}/{id}` (one cluster), as Server-Sent Events from the live hub
//! (`app::ssr::live`). Same session and role check as the server functions: 401 signed out,
//! 403 without the role, 404 for a cluster that is not the organization's.
//!
//! Compression leaves `text/event-stream` alone (tower-http's default predicate), so each event
//! is flushed as it is written; `X-Accel-Buffering: no` asks reverse proxies to do the same.

use std::convert::Infallible;
use std::fmt::Write as _;

use app::error::AppError;
use app::ssr::AppState;
use app::ssr::accounts::authz::Action;
use app::ssr::live::{HubStats, Topic, authorize};
use axum::extract::{Path, Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, HeaderName};

/// `GET /live/clusters`.
pub async fn clusters(State(state): State<AppState>, request: Request) -> Response {
    stream(state, request, |org| {
        Ok(Topic::Clusters {
            org: org.to_owned(),
        })
    })
    .await
}

/// `GET /live/clusters/{zone}/{id}`.
pub async fn cluster(
    State(state): State<AppState>,
    Path((zone, id)): Path<(String, String)>,
    request: Request,
) -> Response {
    stream(state, request, move |org| {
        // One topic per cluster however the id is spelled.
        let id: uuid::Uuid = id
            .parse()
            .map_err(|_| AppError::NotFound(format!("cluster {id} in {zone}")))?;
        Ok(Topic::Cluster {
            org: org.to_owned(),
            zone,
            id: id.to_string(),
        })
    })
    .await
}

async fn stream(
    state: AppState,
    request: Request,
    topic: impl FnOnce(&str) -> Result<Topic, AppError>,
) -> Response {
    let (parts, _) = request.into_parts();
    let last_event_id = parts
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let subscription = async {
        let caller = authorize(&state, parts, Action::Read).await?;
        let (org, _, _) = caller.org()?;
        state.live.open(&state, topic(org)?, last_event_id).await
    };
    let subscription = match subscription.await {
        Ok(subscription) => subscription,
        Err(error) => return (error.status(), format!("{error}\n")).into_response(),
    };
    let events = futures::stream::unfold(subscription, |mut subscription| async move {
        let event = subscription.next().await?;
        let sse = Event::default()
            .id(event.id.to_string())
            .event(event.kind.as_str())
            .data(&*event.data);
        Some((Ok::<_, Infallible>(sse), subscription))
    });
    (
        [
            (CACHE_CONTROL, "no-cache"),
            (HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Sse::new(events).keep_alive(KeepAlive::default()),
    )
        .into_response()
}

/// The hub's counts in Prometheus text format.
pub fn render_metrics(stats: &HubStats) -> String {
    let mut out = String::new();
    out.push_str("# HELP capstan_live_watchers Resources watched for the live pages.\n");
    out.push_str("# TYPE capstan_live_watchers gauge\n");
    let _ = writeln!(out, "capstan_live_watchers {}", stats.watchers);
    out.push_str("# HELP capstan_live_subscribers Open live streams.\n");
    out.push_str("# TYPE capstan_live_subscribers gauge\n");
    let _ = writeln!(out, "capstan_live_subscribers {}", stats.subscribers);
    out.push_str(
        "# HELP capstan_live_upstream_polls_total Polls of the orchestration API by watchers.\n",
    );
    out.push_str("# TYPE capstan_live_upstream_polls_total counter\n");
    let _ = writeln!(out, "capstan_live_upstream_polls_total {}", stats.polls);
    out
}
