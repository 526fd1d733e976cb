//! The portal's router with everything behind it (SQLite store, embedded orchestrator), and
//! helpers to act as a browser: post forms from the portal's own origin, sign up, carry the
//! session cookie.

#![allow(dead_code)]

pub mod faults;
pub mod sse;

#[allow(unused_imports)] // not every test binary reads live streams
pub use sse::{Sse, Stream, open, settled, snapshot};

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use clap::Parser as _;
use http::{Request, StatusCode, header};
use portal::store::Store;
use server::config::Config;
use server::metrics::HttpMetrics;
use tower::ServiceExt;

pub struct Harness {
    pub router: Router,
    /// The live hub behind the router.
    pub hub: portal::live::Hub,
    pub store: Store,
    /// The state behind the router (for tasks a test drives directly, e.g. resuming plans).
    pub state: portal::Portal,
    pub embedded: server::embedded::Embedded,
    /// The orchestrator's own endpoint template, never behind a fault gate (for tests to look
    /// at what really happened while the portal's way to it fails).
    pub orchestrator_endpoint: String,
    /// The PostgreSQL database made for this harness, dropped with it.
    postgres: Option<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(url) = self.postgres.take() {
            drop_database_now(&url);
        }
    }
}

impl Harness {
    /// The portal's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The portal database's URL: the PostgreSQL one when the harness made one, else the
    /// SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        self.postgres
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir().join("capstan.db").display()))
    }
}

/// The origin the test portal believes it is served from.
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub async fn harness() -> Harness {
    harness_with(1.0, &[], |router| router).await
}

/// A harness whose orchestrator runs `speed` times faster than the service (for flows that
/// wait for nodes: 100 boots a node in about a second).
pub async fn harness_at(speed: f64) -> Harness {
    harness_with(speed, &[], |router| router).await
}

/// A harness whose orchestrator simulates at `speed`, with more server flags, and `wrap`
/// applied to the orchestrator's router.
pub async fn harness_with(
    speed: f64,
    flags: &[&str],
    wrap: impl FnOnce(Router) -> Router,
) -> Harness {
    start(speed, flags, wrap, None).await
}

/// A harness whose orchestration API fails as `faults` says: its router wrapped in the fault
/// layer, and the portal reaching it through the fault gate (which refuses connections when
/// the API is `Down`).
pub async fn harness_with_faults(speed: f64, flags: &[&str], faults: &faults::Faults) -> Harness {
    start(speed, flags, faults.layer(), Some(faults)).await
}

async fn start(
    speed: f64,
    flags: &[&str],
    wrap: impl FnOnce(Router) -> Router,
    gate: Option<&faults::Faults>,
) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    // The key the portal will load from the same directory seals the orchestrator's secrets.
    let sealer = portal::accounts::secrets::Sealer::load_or_create(dir.path(), None).unwrap();
    let mut embedded =
        server::embedded::Embedded::start_with(dir.path(), speed, 0.0, &sealer, wrap)
            .await
            .unwrap();
    let orchestrator_endpoint = embedded.orchestration.endpoint.clone();
    if let Some(faults) = gate {
        embedded.orchestration.endpoint = faults.gate(&orchestrator_endpoint).await;
    }
    // "Exoscale" is the embedded orchestrator here (unless the test names another): it
    // speaks the same signed API.
    let mut args = vec![
        "capstan",
        "--listen",
        "127.0.0.1:3000",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--catalog-dir",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog"),
    ];
    // The tests sign up people of several organizations.
    if !flags.contains(&"--signup") {
        args.extend(["--signup", "open"]);
    }
    if !flags.contains(&"--exoscale-endpoint") {
        args.extend([
            "--exoscale-endpoint",
            embedded.orchestration.endpoint.as_str(),
        ]);
    }
    // `CAPSTAN_TEST_STORE=postgres` runs the portal on a fresh PostgreSQL database (the
    // stress script runs the suites on both engines).
    let postgres = match std::env::var("CAPSTAN_TEST_STORE").as_deref() {
        Ok("postgres") if !flags.contains(&"--database-url") => Some(
            postgres_database("the harness")
                .await
                .expect("CAPSTAN_TEST_STORE=postgres needs a PostgreSQL server"),
        ),
        _ => None,
    };
    if let Some(url) = &postgres {
        args.extend(["--database-url", url.as_str()]);
    }
    args.extend_from_slice(flags);
    let config = Config::try_parse_from(args).unwrap();
    let store = Store::connect(&config.database_url(), 2).await.unwrap();
    let catalog = server::load_catalog(&config).unwrap();
    let state = server::build_portal(&config, store.clone(), &embedded, catalog).unwrap();
    let hub = state.live.clone();
    let router = server::build_router(
        state.clone(),
        server::leptos_options(config.listen).unwrap(),
        Arc::new(HttpMetrics::default()),
        &config.public_url(),
    )
    .unwrap();
    Harness {
        router,
        hub,
        store,
        state,
        embedded,
        orchestrator_endpoint,
        postgres,
        _dir: dir,
    }
}

/// The `name=value` of a `Set-Cookie` header for the session, if the response sets one.
pub fn session_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("capstan_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Posts a form as a browser without JavaScript does, from the portal's own page.
pub fn browser_post(path: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{ORIGIN}/sign-up"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// Calls a server function (`/api/<fn>`) as the hydrated app does: a form-encoded POST from
/// the portal's origin with the session cookie.
pub fn call(path: &str, body: &str, cookie: &str) -> Request<Body> {
    let mut request = signed_out_call(path, body);
    request
        .headers_mut()
        .insert(header::COOKIE, http::HeaderValue::from_str(cookie).unwrap());
    request
}

/// [`call`] without a session (as a signed-out browser makes it).
pub fn signed_out_call(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// Signs up and returns the session cookie.
pub async fn sign_up(router: &Router, email: &str) -> String {
    let body = format!("name=Test&email={email}&password=a+long+enough+password&invitation=");
    let (status, headers, _) = send(router, browser_post("/api/sign_up", &body, None)).await;
    assert_eq!(status, StatusCode::FOUND);
    session_cookie(&headers).expect("signing up signs in")
}

pub fn get_with(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Longest a test waits for one answer of the portal, head and body. The portal bounds every
/// request itself (`--request-timeout-ms`, 30 s by default); this is the harness's own bound, so
/// that a request that never answers fails its test with the request named instead of holding
/// the suite up.
pub const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Sends `request` through the router and reads the whole answer; panics naming the request if
/// it does not answer within [`ANSWER_WITHIN`].
pub async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, http::HeaderMap, String) {
    let what = format!("{} {}", request.method(), request.uri());
    let answer = async {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    };
    within(&what, answer).await
}

/// Awaits `answer`, or panics saying that `what` did not answer within [`ANSWER_WITHIN`].
pub async fn within<T>(what: &str, answer: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(ANSWER_WITHIN, answer).await {
        Ok(answer) => answer,
        Err(_) => panic!("{what} did not answer within {ANSWER_WITHIN:?}"),
    }
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A POST as a plain HTML form sends it.
pub fn form_post(path: &str) -> http::request::Builder {
    Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

/// A client with the organization's own credentials (what the portal itself uses).
pub async fn org_client(h: &Harness, email: &str) -> sks_api::client::Client {
    let accounts = portal::accounts::Accounts::new(h.store.clone());
    let user = accounts.user_by_email(email).await.unwrap().unwrap();
    let org = accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone();
    let credentials = accounts.credentials(&org).await.unwrap().unwrap();
    let sealer = portal::accounts::secrets::Sealer::load_or_create(h.data_dir(), None).unwrap();
    sks_api::client::Client::new(
        sks_api::client::ClientConfig::with_endpoint(&h.orchestrator_endpoint),
        sks_api::sign::Credentials::new(
            credentials.api_key,
            sealer.open(&org, &credentials.secret_sealed).unwrap(),
        ),
    )
    .unwrap()
}

/// Longest a test waits for the orchestrator to get somewhere (an operation, nodes running);
/// generous: a busy two-core machine runs several test binaries at once.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Waiting for an operation of the (fast) embedded orchestrator: polled every 20 ms of the
/// service's time, for at most [`PATIENCE`].
pub fn quick() -> sks_api::client::WaitOptions {
    sks_api::client::WaitOptions {
        cadence: 0.02,
        deadline: Some(PATIENCE),
        ..sks_api::client::WaitOptions::default()
    }
}

/// Polls `check` every 100 ms until it holds; panics naming `what` after `within`.
pub async fn eventually<F, Fut>(what: &str, within: std::time::Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not within {within:?}: {what}");
}

/// Instance ids and states of the first nodepool of `cluster` in `zone` (none without one).
pub async fn instances(
    client: &sks_api::client::Client,
    zone: &sks_api::ZoneName,
    cluster: uuid::Uuid,
) -> Vec<(String, Option<sks_api::InstanceState>)> {
    let cluster = client.get_sks_cluster(zone, cluster).await.unwrap();
    let Some(pool) = cluster.nodepools.unwrap_or_default().into_iter().next() else {
        return vec![];
    };
    client
        .get_instance_pool(zone, pool.instance_pool.unwrap().id)
        .await
        .unwrap()
        .instances
        .unwrap_or_default()
        .into_iter()
        .map(|i| (i.id.to_string(), i.state))
        .collect()
}

/// A fresh, empty PostgreSQL database for one test, or `None` with a line saying `what` is
/// skipped (a failure under CI): [`testkit::postgres_database`].
pub async fn postgres_database(what: &str) -> Option<String> {
    testkit::postgres_database("portal_test", what).await
}

// Not every test binary drops databases itself.
#[allow(unused_imports)]
pub use testkit::{drop_database, drop_database_now};

/// The id of the `standard.small` instance type in ch-gva-2.
pub async fn small_type(client: &sks_api::client::Client) -> uuid::Uuid {
    client
        .list_instance_types(&sks_api::ZoneName::ChGva2)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap()
}

/// A cluster `name` at `version` in ch-gva-2 with a nodepool `workers` of `size` standard.small
/// nodes, all running: the cluster's id and the nodepool's.
pub async fn running_cluster(
    client: &sks_api::client::Client,
    name: &str,
    version: &str,
    size: i64,
) -> (uuid::Uuid, uuid::Uuid) {
    let op = client
        .create_sks_cluster(
            &sks_api::ZoneName::ChGva2,
            &sks_api::CreateSksClusterRequest::new(name, sks_api::Level::Pro, version),
        )
        .await
        .unwrap();
    let op = client
        .wait(&sks_api::ZoneName::ChGva2, &op, &quick())
        .await
        .unwrap();
    let cluster = op.reference.unwrap().id.unwrap();
    let small = small_type(client).await;
    let op = client
        .create_sks_nodepool(
            &sks_api::ZoneName::ChGva2,
            cluster,
            &sks_api::CreateSksNodepoolRequest::new("workers", size, 50, small),
        )
        .await
        .unwrap();
    let op = client
        .wait(&sks_api::ZoneName::ChGva2, &op, &quick())
        .await
        .unwrap();
    let nodepool = op.reference.unwrap().id.unwrap();
    eventually("every node running", PATIENCE, || async {
        let nodes = instances(client, &sks_api::ZoneName::ChGva2, cluster).await;
        nodes.len() == size as usize
            && nodes
                .iter()
                .all(|(_, s)| *s == Some(sks_api::InstanceState::Running))
    })
    .await;
    (cluster, nodepool)
}
