//! The live streams over HTTP: one watcher per cluster whatever the number of viewers (counted
//! at the orchestration API itself), a reconnect with `Last-Event-ID` misses nothing, changes
//! in the orchestrator reach a subscriber (latency printed), and streams stay within the
//! organization.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::support::*;
use axum::Router;
use http::{StatusCode, header};
use sks_api::client::Client;
use sks_api::{CreateSksClusterRequest, CreateSksNodepoolRequest, Level, ZoneName};
use uuid::Uuid;

/// Fast simulation and fast polling, so operations finish within a test.
const FAST: &[&str] = &["--live-fast-poll-ms", "100", "--live-slow-poll-ms", "100"];
const SPEED: f64 = 50.0;

/// Counts every request that reaches the orchestration API.
fn counting(calls: Arc<AtomicU64>) -> impl FnOnce(Router) -> Router {
    move |router| {
        router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                calls.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            },
        ))
    }
}

/// Answers 503 to every request while `down` is set (an orchestration API that fails).
fn failing_when(down: Arc<std::sync::atomic::AtomicBool>) -> impl FnOnce(Router) -> Router {
    move |router| {
        router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let down = down.load(Ordering::SeqCst);
                async move {
                    if down {
                        use axum::response::IntoResponse as _;
                        return (StatusCode::SERVICE_UNAVAILABLE, "down for the test")
                            .into_response();
                    }
                    next.run(request).await
                }
            },
        ))
    }
}

/// A cluster in Geneva with a nodepool of `size`; its id and the nodepool's.
async fn cluster_with_nodepool(client: &Client, name: &str, size: i64) -> (Uuid, Uuid) {
    let zone = ZoneName::ChGva2;
    let op = client
        .create_sks_cluster(
            &zone,
            &CreateSksClusterRequest::new(name, Level::Pro, "1.36.3"),
        )
        .await
        .unwrap();
    let id = op.reference.as_ref().unwrap().id.unwrap();
    let types = client.list_instance_types(&zone).await.unwrap();
    let small = types
        .iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    let op = client
        .create_sks_nodepool(
            &zone,
            id,
            &CreateSksNodepoolRequest::new("workers", size, 50, small),
        )
        .await
        .unwrap();
    (id, op.reference.as_ref().unwrap().id.unwrap())
}

/// Requests reaching the orchestration API during `window`.
async fn calls_during(calls: &AtomicU64, window: Duration) -> u64 {
    let before = calls.load(Ordering::SeqCst);
    tokio::time::sleep(window).await;
    calls.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn twenty_viewers_cost_the_orchestration_api_what_one_does() {
    let calls = Arc::new(AtomicU64::new(0));
    let h = harness_with(SPEED, FAST, counting(Arc::clone(&calls))).await;
    let cookie = sign_up(&h.router, "many@example.com").await;
    let client = org_client(&h, "many@example.com").await;
    let (id, _) = cluster_with_nodepool(&client, "popular", 2).await;
    let path = format!("/live/clusters/ch-gva-2/{id}");

    let mut one = open(&h.router, &path, &cookie, None).await;
    // Measure once everything is running, so each poll makes the same calls.
    one.until(settled(2)).await;
    let window = Duration::from_secs(2);
    let alone = calls_during(&calls, window).await;
    drop(one);

    // Twenty viewers, in three sessions of the person (a session holds at most eight streams).
    let mut sessions = vec![cookie.clone()];
    for _ in 0..2 {
        let body = "email=many%40example.com&password=a+long+enough+password&next=";
        let (_, headers, _) = send(&h.router, browser_post("/api/sign_in", body, None)).await;
        sessions.push(session_cookie(&headers).unwrap());
    }
    // The window includes the twenty arriving: arrivals must not cause polls either.
    let started = Instant::now();
    let before = calls.load(Ordering::SeqCst);
    let mut many = Vec::new();
    for viewer in 0..20 {
        let cookie = &sessions[viewer % 3];
        let mut stream = open(&h.router, &path, cookie, None).await;
        stream.until(|e| e.event == "snapshot").await;
        many.push(stream);
    }
    tokio::time::sleep(window.saturating_sub(started.elapsed())).await;
    let together = calls.load(Ordering::SeqCst) - before;
    eprintln!(
        "upstream calls in {window:?}: 1 subscriber {alone}, 20 subscribers {together} (poll every 100 ms)"
    );
    assert!(alone >= 5, "the watcher polls: {alone}");
    let (alone, together) = (alone as f64, together as f64);
    // Equal up to the noise of poll durations on a busy machine; were each viewer polling,
    // it would be twenty times as many.
    assert!(
        (together - alone).abs() <= alone * 0.4 + 3.0,
        "the same rate with 20 viewers as with one: {alone} vs {together}"
    );
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_receives_what_it_missed() {
    let h = harness_with(SPEED, FAST, |router| router).await;
    let cookie = sign_up(&h.router, "resume@example.com").await;
    let client = org_client(&h, "resume@example.com").await;
    let (id, pool) = cluster_with_nodepool(&client, "resumable", 1).await;
    let path = format!("/live/clusters/ch-gva-2/{id}");

    // A stays connected all along; B leaves after its first snapshot.
    let mut a = open(&h.router, &path, &cookie, None).await;
    a.until(settled(1)).await;
    let mut b = open(&h.router, &path, &cookie, None).await;
    let first = b.until(|e| e.event == "snapshot").await;
    let last_seen = first.last().unwrap().id;
    drop(b);

    client
        .scale_sks_nodepool(&ZoneName::ChGva2, id, pool, 2)
        .await
        .unwrap();
    let missed = a.until(settled(2)).await;
    assert!(
        missed
            .iter()
            .any(|e| e.event == "change" && e.data.contains("size 1 → 2")),
        "{missed:?}"
    );

    // B comes back: everything A got after B's last id, in order, then it is live again.
    let mut back = open(&h.router, &path, &cookie, Some(last_seen)).await;
    let end = missed.last().unwrap().id;
    let replayed = back.until(|e| e.id == end).await;
    assert_eq!(replayed, missed, "nothing missed, nothing repeated");

    // An id the hub cannot place gets the current state, not a gap.
    let mut lost = open(&h.router, &path, &cookie, Some(1)).await;
    let fresh = lost.until(|e| e.event == "snapshot").await;
    assert_eq!(fresh.last(), missed.last(), "the latest snapshot");
}

#[tokio::test]
async fn a_state_change_in_the_orchestrator_reaches_a_subscriber() {
    // The real cadence (1 s while in transition).
    let h = harness_with(SPEED, &[], |router| router).await;
    let cookie = sign_up(&h.router, "latency@example.com").await;
    let client = org_client(&h, "latency@example.com").await;
    let zone = ZoneName::ChGva2;
    let op = client
        .create_sks_cluster(
            &zone,
            &CreateSksClusterRequest::new("watched", Level::Pro, "1.36.3"),
        )
        .await
        .unwrap();
    let id = op.reference.as_ref().unwrap().id.unwrap();
    // Without JavaScript the page is complete: the operation, and a word that it is not live.
    let (status, _, page) = send(
        &h.router,
        get_with(&format!("/clusters/ch-gva-2/{id}"), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Current operation",
        "cluster creating",
        "0 of 1 steps done",
        "Not live: reload for the latest",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    let mut stream = open(
        &h.router,
        &format!("/live/clusters/ch-gva-2/{id}"),
        &cookie,
        None,
    )
    .await;
    let first = stream.until(|e| e.event == "snapshot").await;
    assert_eq!(
        snapshot(first.last().unwrap()).unwrap().cluster.state,
        "creating"
    );

    // Watch the orchestrator closely on the side to know when the state really changed.
    let changed_at = tokio::spawn({
        let client = client.clone();
        async move {
            loop {
                let cluster = client.get_sks_cluster(&ZoneName::ChGva2, id).await.unwrap();
                if cluster.state.map(|s| s.to_string()).as_deref() == Some("running") {
                    return Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let seen = stream
        .until(|e| e.event == "change" && e.data.contains("cluster state creating → running"))
        .await;
    let arrived = Instant::now();
    let changed_at = changed_at.await.unwrap();
    eprintln!(
        "state change → SSE subscriber latency: {:?} (fast poll 1 s, speed {SPEED})",
        arrived.saturating_duration_since(changed_at)
    );
    assert!(seen.iter().all(|e| e.event != "upstream"));
    let line: app::live::ChangeLine = serde_json::from_str(&seen.last().unwrap().data).unwrap();
    assert!(line.at_ms > 0);
}

#[tokio::test]
async fn streams_need_a_session_and_stay_within_the_organization() {
    let h = harness_with(SPEED, FAST, |router| router).await;
    let cookie = sign_up(&h.router, "mine@example.com").await;
    let client = org_client(&h, "mine@example.com").await;
    let (id, _) = cluster_with_nodepool(&client, "private", 1).await;
    let path = format!("/live/clusters/ch-gva-2/{id}");

    for signed_out in ["/live/clusters", path.as_str()] {
        let (status, _, _) = send(&h.router, get(signed_out)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signed_out}");
    }
    let other = sign_up(&h.router, "theirs@example.com").await;
    for (who, path) in [
        (&other, path.clone()),
        (
            &cookie,
            format!("/live/clusters/ch-gva-2/{}", Uuid::new_v4()),
        ),
        (&cookie, "/live/clusters/ch-gva-2/not-an-id".to_owned()),
        (&cookie, format!("/live/clusters/mars-1/{id}")),
    ] {
        let (status, _, body) = send(&h.router, get_with(&path, who)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("private"));
    }

    // The organization's own list: its clusters, and no one else's.
    let mut list = open(&h.router, "/live/clusters", &cookie, None).await;
    let first = list.until(|e| e.event == "snapshot").await;
    let snapshot: app::live::ClusterListSnapshot =
        serde_json::from_str(&first.last().unwrap().data).unwrap();
    assert_eq!(snapshot.rows.len(), 1);
    assert_eq!(snapshot.rows[0].name, "private");
    let mut theirs = open(&h.router, "/live/clusters", &other, None).await;
    let first = theirs.until(|e| e.event == "snapshot").await;
    assert!(!first.last().unwrap().data.contains("private"));

    // Two lists open (one watcher each); the metrics say so.
    let (_, _, metrics) = send(&h.router, get("/metrics")).await;
    assert!(metrics.contains("capstan_live_subscribers 2"), "{metrics}");
    assert!(metrics.contains("capstan_live_upstream_polls_total"));
}

#[tokio::test]
async fn a_failing_api_is_announced_once_and_the_last_data_kept() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let h = harness_with(SPEED, FAST, failing_when(Arc::clone(&down))).await;
    let cookie = sign_up(&h.router, "degraded@example.com").await;
    let client = org_client(&h, "degraded@example.com").await;
    let (id, _) = cluster_with_nodepool(&client, "sturdy", 1).await;
    let mut stream = open(
        &h.router,
        &format!("/live/clusters/ch-gva-2/{id}"),
        &cookie,
        None,
    )
    .await;
    stream.until(settled(1)).await;

    down.store(true, Ordering::SeqCst);
    let failing = stream.next().await;
    assert_eq!(failing.event, "upstream", "{failing:?}");
    let upstream: app::live::Upstream = serde_json::from_str(&failing.data).unwrap();
    assert!(upstream.degraded && upstream.since_ms > 0);
    assert!(!upstream.message.is_empty());

    // Nothing else while it fails (no empty snapshot replacing the data), then recovery.
    down.store(false, Ordering::SeqCst);
    let back = stream.next().await;
    assert_eq!(back.event, "upstream", "{back:?}");
    let upstream: app::live::Upstream = serde_json::from_str(&back.data).unwrap();
    assert!(!upstream.degraded);
}

#[tokio::test]
async fn open_streams_do_not_hold_up_a_shutdown() {
    let h = harness_with(SPEED, FAST, |router| router).await;
    let cookie = sign_up(&h.router, "leaving@example.com").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let hub = h.hub.clone();
    let server = tokio::spawn(server::serve(listener, h.router.clone(), async move {
        let _ = stopped.await;
        hub.close();
    }));

    // A real browser-like stream over a socket: events arrive as they are written.
    let mut response = reqwest::Client::new()
        .get(format!("http://{address}/live/clusters"))
        .header(header::COOKIE, &cookie)
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    let first = tokio::time::timeout(Duration::from_secs(30), response.chunk())
        .await
        .expect("the first event is flushed at once")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: snapshot"));

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the shutdown does not wait for open streams")
        .unwrap()
        .expect("a clean shutdown");
}
