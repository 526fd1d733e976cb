//! The client over real HTTP against a scripted peer on a loopback port: signing, retries,
//! error shapes, validation before sending, timeouts and the operation waiter.
//!
//! The peer answers from a script and records what it received; the tests check the signature
//! of each recorded request with the contract's verifier.

#![cfg(feature = "client")]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use sks_api::client::{Client, ClientConfig, Error, WaitOptions};
use sks_api::sign::{Credentials, SignedHeader};
use sks_api::*;
use uuid::Uuid;

const KEY: &str = "EXOtestkey";
const SECRET: &str = "test-secret";

#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    body: Vec<u8>,
}

#[derive(Default)]
struct Peer {
    script: VecDeque<(u16, &'static str, String)>,
    received: Vec<Received>,
    hang: bool,
}

type Shared = Arc<Mutex<Peer>>;

async fn answer(
    axum::extract::State(peer): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(&'static str, String); 1], String) {
    let (hang, next) = {
        let mut peer = peer.lock().unwrap();
        peer.received.push(Received {
            method,
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            authorization: headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned()),
            body: body.to_vec(),
        });
        (peer.hang, peer.script.pop_front())
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let (status, content_type, body) =
        next.unwrap_or((500, "text/plain", "script exhausted".into()));
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", content_type.to_owned())],
        body,
    )
}

/// A peer serving `/{zone}/v2/…` like the local orchestrator, and a client pointed at it.
async fn setup(script: Vec<(u16, &'static str, String)>) -> (Client, Shared) {
    let peer: Shared = Arc::new(Mutex::new(Peer {
        script: script.into(),
        ..Peer::default()
    }));
    let app = Router::new().fallback(answer).with_state(Arc::clone(&peer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = ClientConfig {
        retry_base: Duration::from_millis(5),
        request_timeout: Duration::from_millis(500),
        ..ClientConfig::with_endpoint(format!("http://{address}/{{zone}}/v2"))
    };
    (
        Client::new(config, Credentials::new(KEY, SECRET)).unwrap(),
        peer,
    )
}

fn json(status: u16, body: serde_json::Value) -> (u16, &'static str, String) {
    (status, "application/json", body.to_string())
}

fn received(peer: &Shared) -> Vec<Received> {
    peer.lock().unwrap().received.clone()
}

/// Checks a recorded request's signature as the orchestrator will.
fn assert_signed(request: &Received) {
    let header = request
        .authorization
        .as_deref()
        .expect("signed requests carry Authorization");
    let parsed = SignedHeader::parse(header).unwrap();
    assert_eq!(parsed.credential, KEY);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    parsed
        .verify(
            SECRET,
            request.method.as_str(),
            &request.path,
            request.query.as_deref(),
            &request.body,
            now,
        )
        .expect("a valid signature");
}

const ZONE: ZoneName = ZoneName::DeFra1;

#[tokio::test]
async fn requests_are_signed_and_sent_to_the_zone() {
    let cluster = Uuid::from_u128(1);
    let (client, peer) = setup(vec![json(
        200,
        serde_json::json!({"sks-clusters": [{"id": cluster, "name": "demo", "state": "running"}]}),
    )])
    .await;
    let clusters = client.list_sks_clusters(&ZONE).await.unwrap();
    assert_eq!(clusters[0].id, Some(cluster));
    assert_eq!(clusters[0].state, Some(ClusterState::Running));
    let requests = received(&peer);
    assert_eq!(requests[0].path, "/de-fra-1/v2/sks-cluster");
    assert_signed(&requests[0]);
}

#[tokio::test]
async fn bodies_and_query_parameters_are_covered_by_the_signature() {
    let (client, peer) = setup(vec![
        json(
            200,
            serde_json::json!({"sks-cluster-versions": ["1.34.3", "1.33.7"]}),
        ),
        json(
            200,
            serde_json::json!({"id": Uuid::from_u128(9), "state": "pending"}),
        ),
    ])
    .await;
    let versions = client.list_sks_cluster_versions(&ZONE, true).await.unwrap();
    assert_eq!(versions, ["1.34.3", "1.33.7"]);
    let nodepool = Uuid::from_u128(3);
    client
        .scale_sks_nodepool(&ZONE, Uuid::from_u128(2), nodepool, 5)
        .await
        .unwrap();
    let requests = received(&peer);
    assert_eq!(
        requests[0].query.as_deref(),
        Some("include-deprecated=true")
    );
    assert!(
        requests[0]
            .authorization
            .as_deref()
            .unwrap()
            .contains(",signed-query-args=include-deprecated,")
    );
    assert_eq!(requests[1].method, Method::PUT);
    assert_eq!(
        requests[1].path,
        format!(
            "/de-fra-1/v2/sks-cluster/{}/nodepool/{nodepool}:scale",
            Uuid::from_u128(2)
        )
    );
    assert_eq!(requests[1].body, br#"{"size":5}"#);
    for request in &requests {
        assert_signed(request);
    }
}

#[tokio::test]
async fn listing_zones_is_not_signed() {
    let (client, peer) = setup(vec![json(
        200,
        serde_json::json!({"zones": [{"name": "ch-gva-2", "api-endpoint": "https://api-ch-gva-2.exoscale.com/v2"}]}),
    )])
    .await;
    let zones = client.list_zones(&ZONE).await.unwrap();
    assert_eq!(zones.zones[0].name, Some(ZoneName::ChGva2));
    assert_eq!(received(&peer)[0].authorization, None);
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_transient_statuses() {
    let (client, peer) = setup(vec![
        (503, "text/plain", "service unavailable".into()),
        json(429, serde_json::json!({"message": "slow down"})),
        json(200, serde_json::json!({"sks-clusters": []})),
    ])
    .await;
    assert!(client.list_sks_clusters(&ZONE).await.unwrap().is_empty());
    let requests = received(&peer);
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_signed(request);
    }
}

#[tokio::test]
async fn retries_stop_after_the_limit_with_the_last_error() {
    let (client, peer) = setup(vec![
        (502, "text/plain", "bad gateway".into()),
        (502, "text/plain", "bad gateway".into()),
        (502, "text/plain", "bad gateway".into()),
        (502, "text/plain", "bad gateway".into()),
        json(200, serde_json::json!({"sks-clusters": []})),
    ])
    .await;
    let error = client.list_sks_clusters(&ZONE).await.unwrap_err();
    assert_eq!(error.status(), Some(502));
    assert_eq!(received(&peer).len(), 4, "one attempt and three retries");
}

#[tokio::test]
async fn creations_are_never_retried() {
    let (client, peer) = setup(vec![
        (503, "text/plain", "service unavailable".into()),
        json(
            200,
            serde_json::json!({"id": Uuid::from_u128(9), "state": "pending"}),
        ),
    ])
    .await;
    let request = CreateSksClusterRequest::new("demo", Level::Starter, "1.34.3");
    let error = client
        .create_sks_cluster(&ZONE, &request)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(received(&peer).len(), 1, "a POST is sent once");
}

#[tokio::test]
async fn client_errors_carry_the_upstream_message_and_are_not_retried() {
    for (body, message) in [
        (
            r#"{"message":"Invalid request signature"}"#,
            "Invalid request signature",
        ),
        (r#"{"error":"cluster not found"}"#, "cluster not found"),
        (
            r##"{"type":"#/http-problem-types/not-found","title":"Not Found","detail":"no such nodepool"}"##,
            "no such nodepool",
        ),
    ] {
        let (client, peer) = setup(vec![(404, "application/json", body.into())]).await;
        let error = client
            .get_sks_cluster(&ZONE, Uuid::from_u128(1))
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("the API answered 404: {message}")
        );
        assert!(!error.is_transient());
        assert_eq!(received(&peer).len(), 1);
    }
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let (client, peer) = setup(vec![]).await;
    let request = CreateSksNodepoolRequest::new("", 0, 10, Uuid::from_u128(5));
    let Err(Error::Invalid(invalid)) = client
        .create_sks_nodepool(&ZONE, Uuid::from_u128(1), &request)
        .await
    else {
        panic!("expected a validation error");
    };
    assert!(invalid.field("name").is_some());
    assert!(invalid.field("size").is_some());
    assert!(invalid.field("disk-size").is_some());
    assert!(received(&peer).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_hanging_api_times_out() {
    let (client, peer) = setup(vec![]).await;
    peer.lock().unwrap().hang = true;
    let started = std::time::Instant::now();
    let error = client.list_sks_clusters(&ZONE).await.unwrap_err();
    assert!(matches!(error, Error::Unreachable { .. }), "{error}");
    assert!(error.to_string().contains("timed out"), "{error}");
    // One attempt and three retries of 500 ms each, plus short backoffs.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn an_unreachable_api_is_reported_as_such() {
    let config = ClientConfig {
        max_retries: 0,
        ..ClientConfig::with_endpoint("http://127.0.0.1:1/{zone}/v2")
    };
    let client = Client::new(config, Credentials::new(KEY, SECRET)).unwrap();
    let error = client.list_sks_clusters(&ZONE).await.unwrap_err();
    assert!(matches!(error, Error::Unreachable { .. }), "{error}");
    assert!(error.is_transient());
}

fn operation(state: &str) -> (u16, &'static str, String) {
    json(
        200,
        serde_json::json!({
            "id": Uuid::from_u128(9),
            "state": state,
            "reason": if state == "failure" { Some("conflict") } else { None },
            "message": if state == "failure" { Some("the cluster still has nodepools") } else { None },
            "reference": {"id": Uuid::from_u128(1), "link": format!("/v2/sks-cluster/{}", Uuid::from_u128(1)), "command": "get-sks-cluster"}
        }),
    )
}

fn fast() -> WaitOptions {
    WaitOptions {
        cadence: 0.001,
        ..WaitOptions::default()
    }
}

#[tokio::test]
async fn the_waiter_polls_until_success() {
    let (client, peer) = setup(vec![
        operation("pending"),
        operation("pending"),
        operation("pending"),
        operation("success"),
    ])
    .await;
    let started: Operation = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let done = client.wait(&ZONE, &started, &fast()).await.unwrap();
    assert_eq!(done.state, Some(OperationState::Success));
    let requests = received(&peer);
    assert_eq!(requests.len(), 4);
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.path == format!("/de-fra-1/v2/operation/{}", Uuid::from_u128(9)))
    );
}

#[tokio::test]
async fn the_waiter_reports_failure_with_its_reason() {
    let (client, _) = setup(vec![operation("pending"), operation("failure")]).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let Err(Error::OperationFailed(operation)) = client.wait(&ZONE, &started, &fast()).await else {
        panic!("expected a failed operation");
    };
    assert_eq!(operation.reason, Some(OperationReason::Conflict));
    assert_eq!(
        operation.message.as_deref(),
        Some("the cluster still has nodepools")
    );
}

#[tokio::test]
async fn the_waiter_gives_up_after_five_polling_errors_in_a_row() {
    let mut script = vec![operation("pending")];
    // A 404 is not transient: each failed poll is one request.
    script.extend((0..20).map(|_| (404, "application/json", r#"{"message":"gone"}"#.to_owned())));
    let (client, _) = setup(script).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let error = client.wait(&ZONE, &started, &fast()).await.unwrap_err();
    assert!(matches!(error, Error::WaitAbandoned { .. }), "{error}");
    assert!(
        error.to_string().contains("5 polling errors in a row"),
        "{error}"
    );
}

#[tokio::test]
async fn the_waiter_respects_its_deadline() {
    let (client, _) = setup((0..100).map(|_| operation("pending")).collect()).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let options = WaitOptions {
        cadence: 0.01,
        deadline: Some(Duration::from_millis(200)),
        ..WaitOptions::default()
    };
    let error = client.wait(&ZONE, &started, &options).await.unwrap_err();
    assert!(error.to_string().contains("still pending"), "{error}");
}

#[tokio::test]
async fn a_waiter_through_outages_outlasts_server_errors_but_not_refusals() {
    // Twelve polls answered 500 (not retried by the client: one request each), then success.
    let mut script = vec![operation("pending")];
    script.extend((0..12).map(|_| (500, "application/json", r#"{"message":"down"}"#.to_owned())));
    script.push(operation("success"));
    let (client, _) = setup(script).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let done = client
        .wait(&ZONE, &started, &fast().through_outages())
        .await
        .expect("the outage is ridden out");
    assert_eq!(done.state, Some(OperationState::Success));

    // The same answers without the option: given up after five.
    let mut script = vec![operation("pending")];
    script.extend((0..12).map(|_| (500, "application/json", r#"{"message":"down"}"#.to_owned())));
    script.push(operation("success"));
    let (client, _) = setup(script).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let error = client.wait(&ZONE, &started, &fast()).await.unwrap_err();
    assert!(matches!(error, Error::WaitAbandoned { .. }), "{error}");

    // A refusal is not an outage: it still counts.
    let mut script = vec![operation("pending")];
    script.extend((0..20).map(|_| (404, "application/json", r#"{"message":"gone"}"#.to_owned())));
    let (client, _) = setup(script).await;
    let started = client
        .delete_sks_cluster(&ZONE, Uuid::from_u128(1))
        .await
        .unwrap();
    let error = client
        .wait(&ZONE, &started, &fast().through_outages())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("5 polling errors in a row"),
        "{error}"
    );
}
