//! The live streams: `GET /live/clusters` (the organization's cluster list) and
//! `GET /live/clusters/{zone}/{id}` (one cluster), as Server-Sent Events from the live hub
//! (`portal::live`). Same session and role check as the server functions: 401 signed out,
//! 403 without the role, 404 for a cluster that is not the organization's (or is gone), 429
//! beyond the streams a session or person may hold. A stream ends when its session ends or
//! its person leaves the organization.
//!
//! Compression leaves `text/event-stream` alone (tower-http's default predicate), so each event
//! is flushed as it is written; `X-Accel-Buffering: no` asks reverse proxies to do the same.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::{CACHE_CONTROL, HeaderName, RETRY_AFTER};
use portal::Portal;
use portal::accounts::authz::Action;
use portal::accounts::token_hash;
use portal::live::{Holder, HubStats, Subscription, Topic};
use portal_types::error::AppError;

/// `GET /live/clusters`.
pub async fn clusters(State(state): State<Portal>, request: Request) -> Response {
    stream(state, request, |org| {
        Ok(Topic::Clusters {
            org: org.to_owned(),
        })
    })
    .await
}

/// `GET /live/clusters/{zone}/{id}`.
pub async fn cluster(
    State(state): State<Portal>,
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
    portal: Portal,
    request: Request,
    topic: impl FnOnce(&str) -> Result<Topic, AppError>,
) -> Response {
    let (parts, _) = request.into_parts();
    let last_event_id = parts
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let opened = async {
        let caller = portal
            .authorize(&parts.headers, crate::peer(&parts), Action::Read)
            .await?;
        let org = caller.org_id()?;
        let holder = Holder {
            session: token_hash(&caller.token),
            user: caller.user.id.clone(),
            org: org.to_owned(),
        };
        let subscription = portal
            .live
            .open(&portal, topic(org)?, last_event_id, holder.clone())
            .await?;
        Ok::<_, AppError>((subscription, holder))
    };
    let (subscription, holder) = match opened.await {
        Ok(opened) => opened,
        Err(error) => {
            let mut response = (error.status(), format!("{error}\n")).into_response();
            if let AppError::RateLimited(seconds) = error {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            return response;
        }
    };
    // The stream lives while its session and membership do: the hub ends it at once when the
    // portal ends them here; besides, it checks again at the session's deadline and at least
    // every `recheck` (another replica may have ended them, or the session expired).
    let recheck = portal.live.cadence().recheck;
    let watch = Watched {
        subscription,
        holder,
        portal,
        next_check: tokio::time::Instant::now(),
    };
    let events = futures::stream::unfold(watch, move |mut watch| async move {
        loop {
            let check = tokio::time::sleep_until(watch.next_check);
            let event = tokio::select! {
                event = watch.subscription.next() => event?,
                () = check => {
                    let until = still_allowed(&watch.portal, &watch.holder).await?;
                    let now = portal::now_ms();
                    let wait = Duration::from_millis((until - now).max(0) as u64).min(recheck);
                    watch.next_check = tokio::time::Instant::now() + wait;
                    continue;
                }
            };
            let sse = Event::default()
                .id(event.id.to_string())
                .event(event.kind.as_str())
                .data(&*event.data);
            return Some((Ok::<_, Infallible>(sse), watch));
        }
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

/// An open stream and whose it is.
struct Watched {
    subscription: Subscription,
    holder: Holder,
    portal: Portal,
    next_check: tokio::time::Instant,
}

/// Until when the holder's session lasts (Unix ms), or `None` when the session ended or they
/// are no longer a member of the organization. A database that does not answer keeps the
/// stream (the next check decides).
async fn still_allowed(portal: &Portal, holder: &Holder) -> Option<i64> {
    let now = portal::now_ms();
    let accounts = &portal.accounts;
    let deadline = match accounts
        .session_deadline(&holder.session, portal.auth.policy, now)
        .await
    {
        Ok(deadline) => deadline?,
        Err(error) => {
            tracing::warn!(%error, "live stream: session not checked");
            return Some(now + 5_000);
        }
    };
    match accounts.role(&holder.org, &holder.user).await {
        Ok(Some(_)) => Some(deadline),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "live stream: membership not checked");
            Some(now + 5_000)
        }
    }
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
