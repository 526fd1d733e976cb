//! Who may hold a live stream, and for how long: a stream ends within seconds when its session
//! ends (sign out, sign out everywhere, a new password, expiry) or its person is removed from
//! the organization; a session and a person hold only so many streams; a cluster that does not
//! exist is 404 whatever `Last-Event-ID` says; the hub watches only so many resources.

use std::time::Duration;

use crate::support::sse::Stream;
use crate::support::*;
use axum::body::Body;
use http::{Request, StatusCode, header};
use portal::accounts::Accounts;
use uuid::Uuid;

/// How soon an ended session or membership must close a stream.
const PROMPTLY: Duration = Duration::from_secs(5);

async fn list_stream(h: &Harness, cookie: &str) -> Stream {
    let mut stream = open(&h.router, "/live/clusters", cookie, None).await;
    stream.until(|e| e.event == "snapshot").await;
    stream
}

/// Signs in again as `email`: a second session of the same person.
async fn another_session(h: &Harness, email: &str) -> String {
    let body = format!(
        "email={}&password=a+long+enough+password&next=",
        email.replace('@', "%40")
    );
    let (status, headers, _) = send(&h.router, browser_post("/api/sign_in", &body, None)).await;
    assert_eq!(status, StatusCode::FOUND);
    session_cookie(&headers).unwrap()
}

async fn post(h: &Harness, function: &str, body: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = send(&h.router, call(&format!("/api/{function}"), body, cookie)).await;
    (status, body)
}

#[tokio::test]
async fn signing_out_ends_this_sessions_streams_only() {
    let h = harness().await;
    let here = sign_up(&h.router, "out@example.com").await;
    let there = another_session(&h, "out@example.com").await;
    let mut mine = list_stream(&h, &here).await;
    let mut other = list_stream(&h, &there).await;
    post(&h, "sign_out", "", &here).await;
    assert!(
        mine.ended_within(PROMPTLY).await,
        "this session's stream ended"
    );
    assert!(
        !other.ended_within(Duration::from_secs(1)).await,
        "the other session's stream goes on"
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_stream_of_the_person() {
    let h = harness().await;
    let here = sign_up(&h.router, "every@example.com").await;
    let there = another_session(&h, "every@example.com").await;
    let mut mine = list_stream(&h, &here).await;
    let mut other = list_stream(&h, &there).await;
    post(&h, "sign_out_everywhere", "", &here).await;
    assert!(mine.ended_within(PROMPTLY).await);
    assert!(other.ended_within(PROMPTLY).await);
}

#[tokio::test]
async fn a_new_password_ends_every_stream_of_the_person() {
    let h = harness().await;
    let here = sign_up(&h.router, "pw@example.com").await;
    let there = another_session(&h, "pw@example.com").await;
    let mut other = list_stream(&h, &there).await;
    let (status, body) = post(
        &h,
        "change_password",
        "current=a+long+enough+password&new_password=another+long+password",
        &here,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(other.ended_within(PROMPTLY).await);
}

#[tokio::test]
async fn an_expired_session_ends_its_stream_at_the_next_check() {
    let h = harness_with(1.0, &["--live-recheck-ms", "200"], |router| router).await;
    let cookie = sign_up(&h.router, "old@example.com").await;
    let mut stream = list_stream(&h, &cookie).await;
    // The session reaches its absolute lifetime (signed in long ago).
    sqlx::query("UPDATE sessions SET created_at = 0")
        .execute(h.store.pool())
        .await
        .unwrap();
    assert!(stream.ended_within(PROMPTLY).await);
}

#[tokio::test]
async fn removal_from_the_organization_ends_the_members_streams() {
    let h = harness().await;
    let owner = sign_up(&h.router, "owner@example.com").await;
    let (status, link) = post(&h, "invite_member", "role=viewer", &owner).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let link: String = serde_json::from_str(&link).unwrap();
    let token = link.rsplit('/').next().unwrap();
    let body = format!(
        "name=Viewer&email=viewer%40example.com&password=a+long+enough+password&invitation={token}"
    );
    let (status, headers, _) = send(&h.router, browser_post("/api/sign_up", &body, None)).await;
    assert_eq!(status, StatusCode::FOUND);
    let viewer = session_cookie(&headers).unwrap();
    let mut theirs = list_stream(&h, &viewer).await;
    let mut mine = list_stream(&h, &owner).await;

    let accounts = Accounts::new(h.store.clone());
    let user = accounts
        .user_by_email("viewer@example.com")
        .await
        .unwrap()
        .unwrap();
    let (status, body) = post(&h, "remove_member", &format!("user_id={}", user.id), &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(theirs.ended_within(PROMPTLY).await, "the removed member's");
    assert!(
        !mine.ended_within(Duration::from_secs(1)).await,
        "the owner's goes on"
    );
}

/// `GET path` with the session and a `Last-Event-ID`, as a reconnecting browser asks.
fn reconnect(path: &str, cookie: &str, last_event_id: u64) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "text/event-stream")
        .header("last-event-id", last_event_id.to_string())
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn an_unknown_cluster_is_not_found_whatever_the_last_event_id() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "probe@example.com").await;
    for last in [1, u64::MAX] {
        let path = format!("/live/clusters/ch-gva-2/{}", Uuid::new_v4());
        let (status, _, _) = send(&h.router, reconnect(&path, &cookie, last)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "Last-Event-ID {last}");
    }
}

#[tokio::test]
async fn a_session_and_a_person_hold_only_so_many_streams() {
    let h = harness().await;
    let first = sign_up(&h.router, "tabs@example.com").await;
    let mut open_streams = Vec::new();
    for _ in 0..8 {
        open_streams.push(list_stream(&h, &first).await);
    }
    let (status, headers, _) = send(&h.router, get_with("/live/clusters", &first)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a ninth in one session"
    );
    assert!(headers.contains_key(header::RETRY_AFTER));

    // Other sessions of the same person, up to twenty streams in all.
    let second = another_session(&h, "tabs@example.com").await;
    let third = another_session(&h, "tabs@example.com").await;
    for cookie in [&second; 8].into_iter().chain([&third; 4]) {
        open_streams.push(list_stream(&h, cookie).await);
    }
    let (status, _, _) = send(&h.router, get_with("/live/clusters", &third)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a twenty-first for the person"
    );

    // A stream closed gives its place back.
    open_streams.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    list_stream(&h, &third).await;
}

#[tokio::test]
async fn the_hub_watches_only_so_many_resources() {
    let h = harness_with(1.0, &["--live-max-watchers", "1"], |router| router).await;
    let cookie = sign_up(&h.router, "hub@example.com").await;
    let _list = list_stream(&h, &cookie).await;
    let other = sign_up(&h.router, "other@example.com").await;
    // Another organization's list would be a second watcher.
    let (status, _, body) = send(&h.router, get_with("/live/clusters", &other)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("Live updates"), "{body}");
    // The watched one still takes subscribers.
    let _again = list_stream(&h, &cookie).await;
}
