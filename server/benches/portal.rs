//! `cargo bench -p server --bench portal`: figures for the portal measured on this machine,
//! printed on stdout as Markdown rows `| figure | value | unit | notes |`. Nothing is asserted.
//!
//! - The server-rendered cluster list (`GET /`, signed in, an organization with 1,000 clusters)
//!   under load, beside a static file served by the same process.
//! - Live fan-out: 1,000 SSE subscribers on one cluster and 1,000 on the organization's list:
//!   upstream calls, server memory per connection, and the delay from a change in the
//!   orchestrator to the event reaching the subscribers.
//!
//! The portal (with its embedded orchestrator) runs in a child process — this executable again,
//! with `CAPSTAN_BENCH_CHILD=portal` — so its memory is measured without the load generator's,
//! and everything goes over real loopback sockets. The child is wired as `server::run` wires the
//! portal (without telemetry, upgrade resumption or signal handling), with the orchestrator's
//! router wrapped to count the requests reaching it, as `server/tests/support` does; the few
//! lines are repeated here because test support is not visible to benches.
//!
//! Environment (all optional):
//! - `CAPSTAN_BENCH_SECONDS`: measured seconds per load target (10; 2 more of warm-up).
//! - `CAPSTAN_BENCH_CONNECTIONS`: concurrent connections of the load (8).
//! - `CAPSTAN_BENCH_CLUSTERS`: clusters in the organization (1000).
//! - `CAPSTAN_BENCH_SUBSCRIBERS`: live subscribers per topic (1000).
//! - `CAPSTAN_BENCH_POLL_MS`: the live watchers' fast and slow poll cadence (250).
//! - `CAPSTAN_BENCH_WINDOW_SECONDS`: how long upstream calls are counted (20).

mod common;

use std::io::{BufRead as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use axum::body::Body;
use axum::routing::get;
use clap::Parser as _;
use http::{Request, StatusCode, header};
use portal::store::Store;
use serde::{Deserialize, Serialize};
use server::config::Config;
use server::embedded::Embedded;
use server::metrics::HttpMetrics;
use sks_api::client::{Client, ClientConfig};
use sks_api::sign::Credentials;
use sks_api::{CreateSksClusterRequest, CreateSksNodepoolRequest, Level, ZoneName};
use tower::ServiceExt as _;
use uuid::Uuid;

const CHILD: &str = "CAPSTAN_BENCH_CHILD";
const CATALOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog");
const FAVICON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/favicon.svg");
const EMAIL: &str = "bench@example.com";
/// Simulation speed of the child's orchestrator: clusters and nodes are up within a second.
const SPEED: f64 = 1000.0;
const ZONE: ZoneName = ZoneName::ChGva2;
/// The one cluster with a nodepool, watched live.
const WATCHED: &str = "bench-watched";

/// What the child tells the parent once it serves, on one line of JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Ready {
    /// `http://127.0.0.1:PORT` of the portal.
    portal: String,
    /// The session cookie (`name=value`) of the signed-up user.
    cookie: String,
    /// The orchestration API's endpoint template and a key of the organization on it.
    endpoint: String,
    key: String,
    secret: String,
    /// The watched cluster and its nodepool (size 1).
    cluster: Uuid,
    nodepool: Uuid,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if std::env::var(CHILD).as_deref() == Ok("portal") {
        runtime.block_on(child())
    } else {
        runtime.block_on(parent())
    }
}

// The child: the portal.

async fn child() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let calls = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&calls);
    let sealer = portal::accounts::secrets::Sealer::load_or_create(dir.path(), None)?;
    let embedded = Embedded::start_with(dir.path(), SPEED, 0.0, &sealer, move |router| {
        router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::Relaxed);
                next.run(request)
            },
        ))
    })
    .await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let poll = env_u64("CAPSTAN_BENCH_POLL_MS", 250).to_string();
    let data_dir = dir.path().to_str().context("a UTF-8 temporary path")?;
    let config = Config::try_parse_from([
        "capstan",
        "--listen",
        &address,
        "--data-dir",
        data_dir,
        "--catalog-dir",
        CATALOG,
        "--live-fast-poll-ms",
        &poll,
        "--live-slow-poll-ms",
        &poll,
    ])?;
    let store = Store::connect(&config.database_url(), config.database_max_connections).await?;
    let catalog = server::load_catalog(&config)?;
    let state = server::build_portal(&config, store, &embedded, catalog)?;
    let hub = state.live.clone();
    let router = server::build_router(
        state.clone(),
        server::leptos_options(config.listen)?,
        Arc::new(HttpMetrics::default()),
        &config.public_url(),
    )?
    // Outside the portal's middleware: how many requests reached the orchestration API.
    .route(
        "/__bench/upstream-calls",
        get(move || {
            let calls = calls.load(Ordering::Relaxed);
            async move { calls.to_string() }
        }),
    );

    // Serves until the parent closes our stdin.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = stop.send(());
    });
    let serving = tokio::spawn(server::serve(listener, router.clone(), async move {
        let _ = stopped.await;
        hub.close();
    }));

    let cookie = sign_up(&router, &config.public_url()).await?;
    let (key, secret) = org_key(&state).await?;
    let client = Client::new(
        ClientConfig::with_endpoint(&embedded.orchestration.endpoint),
        Credentials::new(key.clone(), secret.clone()),
    )?;
    let clusters = env_u64("CAPSTAN_BENCH_CLUSTERS", 1000).max(1) as usize;
    let (cluster, nodepool) = populate(&client, clusters).await?;

    let ready = Ready {
        portal: format!("http://{address}"),
        cookie,
        endpoint: embedded.orchestration.endpoint.clone(),
        key,
        secret,
        cluster,
        nodepool,
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&ready)?)?;
    stdout.flush()?;
    drop(stdout);

    serving.await??;
    embedded.stop().await?;
    Ok(())
}

/// Signs up as a browser without JavaScript does; the session cookie.
async fn sign_up(router: &axum::Router, origin: &str) -> anyhow::Result<String> {
    let body = format!("name=Bench&email={EMAIL}&password=a+long+enough+password&invitation=");
    let request = Request::post("/api/sign_up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, origin)
        .header(header::REFERER, format!("{origin}/sign-up"))
        .body(Body::from(body))?;
    let response = router.clone().oneshot(request).await?;
    common::signed_up_session(response.status(), response.headers())
}

/// The organization's own key on the orchestrator (what the portal uses for it).
async fn org_key(state: &portal::Portal) -> anyhow::Result<(String, String)> {
    let user = state
        .accounts
        .user_by_email(EMAIL)
        .await?
        .context("the user signed up")?;
    let org = state
        .accounts
        .memberships(&user.id)
        .await?
        .first()
        .context("a membership")?
        .org_id
        .clone();
    let credentials = state
        .accounts
        .credentials(&org)
        .await?
        .context("the organization's credentials")?;
    let secret = state
        .sealer
        .open(&org, &credentials.secret_sealed)
        .map_err(|e| anyhow!("opening the secret: {e}"))?;
    Ok((credentials.api_key, secret))
}

/// `total` clusters in Geneva through the API: one with a nodepool of one node (the watched
/// one), the others without nodepools. Returns once every one is running.
async fn populate(client: &Client, total: usize) -> anyhow::Result<(Uuid, Uuid)> {
    let op = client
        .create_sks_cluster(
            &ZONE,
            &CreateSksClusterRequest::new(WATCHED, Level::Pro, "1.36.3"),
        )
        .await?;
    let cluster = op
        .reference
        .and_then(|r| r.id)
        .context("the operation names the cluster")?;
    let types = client.list_instance_types(&ZONE).await?;
    let small = types
        .iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .context("standard.small is offered")?;
    let op = client
        .create_sks_nodepool(
            &ZONE,
            cluster,
            &CreateSksNodepoolRequest::new("workers", 1, 50, small),
        )
        .await?;
    let nodepool = op
        .reference
        .and_then(|r| r.id)
        .context("the operation names the nodepool")?;

    let next = Arc::new(AtomicU64::new(1));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, next) = (client.clone(), Arc::clone(&next));
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n as usize >= total {
                    return anyhow::Ok(());
                }
                let request =
                    CreateSksClusterRequest::new(format!("bench-{n:05}"), Level::Starter, "1.36.3");
                client.create_sks_cluster(&ZONE, &request).await?;
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let clusters = client.list_sks_clusters(&ZONE).await?;
        let running = clusters
            .iter()
            .filter(|c| c.state.as_ref().map(|s| s.to_string()).as_deref() == Some("running"))
            .count();
        let pool = client
            .get_sks_cluster(&ZONE, cluster)
            .await?
            .nodepools
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.id == Some(nodepool))
            .and_then(|p| p.state)
            .map(|s| s.to_string());
        if clusters.len() == total && running == total && pool.as_deref() == Some("running") {
            return Ok((cluster, nodepool));
        }
        ensure!(
            Instant::now() < deadline,
            "{running} of {total} clusters running after 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// The parent: the load, the subscribers, the figures.

/// The child process, stopped (its stdin closed, then killed if need be) when dropped.
struct Portal {
    child: Child,
    ready: Ready,
}

impl Portal {
    fn start(site_root: &std::path::Path) -> anyhow::Result<Portal> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(CHILD, "portal")
            .env("LEPTOS_SITE_ROOT", site_root)
            // What cargo-leptos would set; without it leptos warns (the name is the same).
            .env("LEPTOS_OUTPUT_NAME", "capstan")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the portal process")?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("the child's stdout")?;
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let ready = match serde_json::from_str(&line) {
            Ok(ready) => ready,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the portal process did not start ({error}): {line:?}");
            }
        };
        Ok(Portal { child, ready })
    }

    /// Resident memory of the portal process, in KiB.
    fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("VmRSS in /proc/PID/status")
    }

    async fn upstream_calls(&self, http: &reqwest::Client) -> anyhow::Result<u64> {
        let url = format!("{}/__bench/upstream-calls", self.ready.portal);
        Ok(http.get(url).send().await?.text().await?.trim().parse()?)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn row(figure: &str, value: impl std::fmt::Display, unit: &str, notes: &str) {
    println!("| {figure} | {value} | {unit} | {notes} |");
}

fn progress(message: &str) {
    eprintln!("portal bench: {message}");
}

/// The `p`-quantile (0..=1) of sorted samples, nearest rank.
fn quantile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Raises the soft limit on open files to what the streams need, within the hard limit.
fn raise_open_files(needed: u64) -> anyhow::Result<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= needed {
        return Ok(current);
    }
    let raised = limit.maximum.map_or(needed, |max| needed.min(max));
    limit.current = Some(raised);
    setrlimit(Resource::Nofile, limit)?;
    Ok(raised)
}

async fn parent() -> anyhow::Result<()> {
    let subscribers = env_u64("CAPSTAN_BENCH_SUBSCRIBERS", 1000).max(1) as usize;
    // Each stream holds a socket at both ends; the child inherits the limit.
    let limit = raise_open_files(2 * subscribers as u64 * 2 + 1024)?;
    ensure!(
        limit >= 2 * subscribers as u64 + 512,
        "open files are limited to {limit}: too few for {subscribers} subscribers per topic"
    );
    let site = tempfile::tempdir()?;
    std::fs::copy(FAVICON, site.path().join("favicon.svg"))?;
    progress("starting the portal process and creating the clusters");
    let started = Instant::now();
    let portal = Portal::start(site.path())?;
    progress(&format!(
        "portal ready in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    page_against_static(&portal, &http).await?;
    live_fan_out(&portal, &http, subscribers).await?;
    Ok(())
}

// Figure 1: the cluster list under load.

struct Load {
    latencies: Vec<Duration>,
    seconds: f64,
    bytes: u64,
}

impl Load {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }
}

/// `connections` clients each sending `GET path` back to back: a warm-up, then `measure`
/// during which completed requests are counted and timed.
async fn load(
    http: &reqwest::Client,
    url: String,
    cookie: &str,
    connections: usize,
    warm_up: Duration,
    measure: Duration,
) -> anyhow::Result<Load> {
    let from = Instant::now() + warm_up;
    let until = from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (http, url, cookie) = (http.clone(), url.clone(), cookie.to_owned());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut bytes = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    return anyhow::Ok((latencies, bytes));
                }
                let response = http
                    .get(&url)
                    .header(header::COOKIE, &cookie)
                    .header(header::ACCEPT, "text/html,*/*")
                    // As browsers ask; the body is counted as it comes (compressed).
                    .header(header::ACCEPT_ENCODING, "gzip, br")
                    .send()
                    .await?;
                ensure!(
                    response.status().is_success(),
                    "{url}: {}",
                    response.status()
                );
                let body = response.bytes().await?;
                let done = Instant::now();
                if done >= from && done <= until {
                    latencies.push(done - sent);
                    bytes += body.len() as u64;
                }
            }
        });
    }
    let mut all = Load {
        latencies: Vec::new(),
        seconds: measure.as_secs_f64(),
        bytes: 0,
    };
    while let Some(done) = tasks.join_next().await {
        let (latencies, bytes) = done??;
        all.latencies.extend(latencies);
        all.bytes += bytes;
    }
    all.latencies.sort();
    Ok(all)
}

async fn page_against_static(portal: &Portal, http: &reqwest::Client) -> anyhow::Result<()> {
    let seconds = env_u64("CAPSTAN_BENCH_SECONDS", 10).max(1);
    let connections = env_u64("CAPSTAN_BENCH_CONNECTIONS", 8).max(1) as usize;
    let clusters = env_u64("CAPSTAN_BENCH_CLUSTERS", 1000).max(1);
    let (warm_up, measure) = (Duration::from_secs(2), Duration::from_secs(seconds));
    let base = &portal.ready.portal;
    let cookie = &portal.ready.cookie;

    progress(&format!(
        "GET / for {seconds} s at {connections} connections"
    ));
    let page = load(
        http,
        format!("{base}/"),
        cookie,
        connections,
        warm_up,
        measure,
    )
    .await?;
    progress(&format!(
        "GET /favicon.svg for {seconds} s at {connections} connections"
    ));
    let file = load(
        http,
        format!("{base}/favicon.svg"),
        cookie,
        connections,
        warm_up,
        measure,
    )
    .await?;

    let setting = format!(
        "{connections} connections, {seconds} s after 2 s warm-up, keep-alive, Accept-Encoding gzip/br; \
         portal in a child process on the same 2 cores as the load"
    );
    let per = |load: &Load| load.bytes / load.latencies.len().max(1) as u64;
    row(
        &format!("Cluster list `GET /` signed in, {clusters} clusters: throughput"),
        format!("{:.0}", page.rate()),
        "req/s",
        &format!(
            "{setting}; each request lists the 8 zones at the embedded orchestrator over HTTP, renders page 1; {} B per response",
            per(&page)
        ),
    );
    row(
        "Cluster list `GET /`: latency p50 / p99",
        format!(
            "{} / {}",
            ms(quantile(&page.latencies, 0.5)),
            ms(quantile(&page.latencies, 0.99))
        ),
        "ms",
        &format!("{} requests measured", page.latencies.len()),
    );
    row(
        "Static file `GET /favicon.svg` (same process): throughput",
        format!("{:.0}", file.rate()),
        "req/s",
        &format!(
            "{setting}; leptos_axum's file handler (ServeDir under the site root) behind the same middleware; {} B per response",
            per(&file)
        ),
    );
    row(
        "Static file `GET /favicon.svg`: latency p50 / p99",
        format!(
            "{} / {}",
            ms(quantile(&file.latencies, 0.5)),
            ms(quantile(&file.latencies, 0.99))
        ),
        "ms",
        &format!("{} requests measured", file.latencies.len()),
    );
    row(
        "Static file vs cluster list: throughput ratio",
        format!("{:.1}", file.rate() / page.rate().max(f64::MIN_POSITIVE)),
        "×",
        "static req/s ÷ list req/s",
    );
    Ok(())
}

// Figure 2: live fan-out.

/// Which stream a subscriber reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    Cluster,
    List,
}

impl Topic {
    /// The text of the change line the scaling produces on this topic.
    fn marker(self) -> &'static [u8] {
        match self {
            // `nodepool workers: size 1 → 2`
            Topic::Cluster => "size 1 \u{2192} 2".as_bytes(),
            // `cluster bench-watched: 1 of 2 nodes running` (or 2 of 2): only the watched
            // cluster has nodes.
            Topic::List => b"of 2 nodes running",
        }
    }
}

/// Reads `response` until `needle` has gone by; `carry` keeps what may begin a match across
/// chunks (so a 200 KB snapshot never sits in memory whole).
async fn read_past(
    response: &mut reqwest::Response,
    carry: &mut Vec<u8>,
    needle: &[u8],
) -> anyhow::Result<()> {
    loop {
        if let Some(at) = carry.windows(needle.len()).position(|w| w == needle) {
            carry.drain(..at + needle.len());
            return Ok(());
        }
        let keep_from = carry.len().saturating_sub(needle.len() - 1);
        carry.drain(..keep_from);
        let chunk = response.chunk().await?.context("the stream ended")?;
        carry.extend_from_slice(&chunk);
    }
}

/// Opens a stream and reads its first snapshot, reports it open, then waits for the scaling's
/// change line and reports when it arrived.
async fn subscriber(
    http: reqwest::Client,
    url: String,
    cookie: String,
    topic: Topic,
    opening: Arc<tokio::sync::Semaphore>,
    opened: tokio::sync::mpsc::UnboundedSender<Topic>,
    arrived: tokio::sync::mpsc::UnboundedSender<(Topic, Instant)>,
) -> anyhow::Result<()> {
    let mut carry = Vec::new();
    let mut response = {
        let _permit = opening.acquire().await?;
        let mut response = http
            .get(&url)
            .header(header::COOKIE, &cookie)
            .header(header::ACCEPT, "text/event-stream")
            .send()
            .await?;
        ensure!(
            response.status() == StatusCode::OK,
            "{url}: {}",
            response.status()
        );
        read_past(&mut response, &mut carry, b"event: snapshot\n").await?;
        read_past(&mut response, &mut carry, b"\n\n").await?;
        response
    };
    let _ = opened.send(topic);
    read_past(&mut response, &mut carry, topic.marker()).await?;
    let _ = arrived.send((topic, Instant::now()));
    // Stay connected until the bench ends (the task is aborted).
    while response.chunk().await?.is_some() {}
    Ok(())
}

type Channel<T> = (
    tokio::sync::mpsc::UnboundedSender<T>,
    tokio::sync::mpsc::UnboundedReceiver<T>,
);

/// The subscribers, each a task; they report when their stream is open and when the change
/// arrived.
struct Crowd {
    http: reqwest::Client,
    cookie: String,
    /// Streams being opened at once.
    opening: Arc<tokio::sync::Semaphore>,
    tasks: tokio::task::JoinSet<anyhow::Result<()>>,
    opened: Channel<Topic>,
    arrived: Channel<(Topic, Instant)>,
}

impl Crowd {
    fn spawn(&mut self, topic: Topic, url: &str, count: usize) {
        for _ in 0..count {
            self.tasks.spawn(subscriber(
                self.http.clone(),
                url.to_owned(),
                self.cookie.clone(),
                topic,
                Arc::clone(&self.opening),
                self.opened.0.clone(),
                self.arrived.0.clone(),
            ));
        }
    }

    /// Waits until `count` more streams are open (a failed subscriber fails the bench).
    async fn all_open(&mut self, count: usize) -> anyhow::Result<()> {
        for _ in 0..count {
            tokio::select! {
                topic = self.opened.1.recv() => { topic.context("subscribers gone")?; }
                Some(failed) = self.tasks.join_next() => {
                    failed??;
                    bail!("a subscriber ended early");
                }
            }
        }
        Ok(())
    }
}

async fn live_fan_out(
    portal: &Portal,
    http: &reqwest::Client,
    subscribers: usize,
) -> anyhow::Result<()> {
    let poll = env_u64("CAPSTAN_BENCH_POLL_MS", 250);
    let window = Duration::from_secs(env_u64("CAPSTAN_BENCH_WINDOW_SECONDS", 20).max(1));
    let ready = &portal.ready;
    let cluster_url = format!("{}/live/clusters/{}/{}", ready.portal, ZONE, ready.cluster);
    let list_url = format!("{}/live/clusters", ready.portal);
    let mut crowd = Crowd {
        // One connection per stream, as browsers' EventSource does.
        http: reqwest::Client::builder().build()?,
        cookie: ready.cookie.clone(),
        opening: Arc::new(tokio::sync::Semaphore::new(32)),
        tasks: tokio::task::JoinSet::new(),
        opened: tokio::sync::mpsc::unbounded_channel(),
        arrived: tokio::sync::mpsc::unbounded_channel(),
    };
    let settle = || tokio::time::sleep(Duration::from_millis(poll * 4).max(Duration::from_secs(1)));

    // One subscriber per topic.
    progress("one subscriber on the cluster, one on the list");
    crowd.spawn(Topic::Cluster, &cluster_url, 1);
    crowd.spawn(Topic::List, &list_url, 1);
    crowd.all_open(2).await?;
    settle().await;
    let before = portal.upstream_calls(http).await?;
    tokio::time::sleep(window).await;
    let alone = portal.upstream_calls(http).await? - before;
    let base_rss = portal.rss_kib()?;

    // Then the crowd.
    let more = subscribers - 1;
    progress(&format!("{more} more subscribers on the cluster"));
    let opening_started = Instant::now();
    crowd.spawn(Topic::Cluster, &cluster_url, more);
    crowd.all_open(more).await?;
    let cluster_open_s = opening_started.elapsed().as_secs_f64();
    settle().await;
    let cluster_rss = portal.rss_kib()?;
    progress(&format!("{more} more subscribers on the list"));
    let opening_started = Instant::now();
    crowd.spawn(Topic::List, &list_url, more);
    crowd.all_open(more).await?;
    let list_open_s = opening_started.elapsed().as_secs_f64();
    settle().await;
    let list_rss = portal.rss_kib()?;

    let before = portal.upstream_calls(http).await?;
    tokio::time::sleep(window).await;
    let together = portal.upstream_calls(http).await? - before;

    // A change at the orchestrator: scale the watched nodepool 1 → 2.
    progress("scaling the watched nodepool");
    let client = Client::new(
        ClientConfig::with_endpoint(&ready.endpoint),
        Credentials::new(ready.key.clone(), ready.secret.clone()),
    )?;
    let changed = Instant::now();
    client
        .scale_sks_nodepool(&ZONE, ready.cluster, ready.nodepool, 2)
        .await?;
    let answered = changed.elapsed();
    let mut delays = (Vec::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while delays.0.len() + delays.1.len() < 2 * subscribers {
        tokio::select! {
            got = crowd.arrived.1.recv() => {
                let (topic, at) = got.context("subscribers gone")?;
                let delay = at.saturating_duration_since(changed);
                match topic {
                    Topic::Cluster => delays.0.push(delay),
                    Topic::List => delays.1.push(delay),
                }
            }
            Some(failed) = crowd.tasks.join_next() => {
                failed??;
                bail!("a subscriber ended early");
            }
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    crowd.tasks.abort_all();
    delays.0.sort();
    delays.1.sort();

    let per_minute = |calls: u64| calls as f64 * 60.0 / window.as_secs_f64();
    let cadence = format!(
        "watchers poll every {poll} ms (`--live-fast-poll-ms {poll} --live-slow-poll-ms {poll}`)"
    );
    row(
        "Live: upstream calls at the orchestrator, 1 subscriber on the cluster + 1 on the list",
        format!("{:.0}", per_minute(alone)),
        "calls/min",
        &format!(
            "{alone} requests in {} s, counted by a layer on the orchestrator's router; {cadence}; \
             a list poll is one list per zone (8) plus one instance pool per nodepool",
            window.as_secs()
        ),
    );
    row(
        &format!("Live: upstream calls, {subscribers} on the cluster + {subscribers} on the list"),
        format!("{:.0}", per_minute(together)),
        "calls/min",
        &format!(
            "{together} requests in {} s, all streams open and idle; {:.2}× the single-subscriber rate",
            window.as_secs(),
            together as f64 / (alone as f64).max(1.0)
        ),
    );
    let kib_per = |after: u64, before: u64| after.saturating_sub(before) as f64 / more as f64;
    let rss_note = "VmRSS of the portal process (a child of the bench; the load generator's memory is not in it), \
                    read after the streams had their first snapshot and ~1 s to settle; includes allocator slack";
    row(
        "Live: server memory per connection, cluster stream",
        format!("{:.1}", kib_per(cluster_rss, base_rss)),
        "KiB",
        &format!(
            "{rss_note}; RSS {} → {} MiB for {more} streams (opened in {cluster_open_s:.1} s)",
            base_rss / 1024,
            cluster_rss / 1024
        ),
    );
    row(
        "Live: server memory per connection, list stream",
        format!("{:.1}", kib_per(list_rss, cluster_rss)),
        "KiB",
        &format!(
            "RSS {} → {} MiB for {more} streams (opened in {list_open_s:.1} s); each first gets the {}-cluster snapshot",
            cluster_rss / 1024,
            list_rss / 1024,
            env_u64("CAPSTAN_BENCH_CLUSTERS", 1000)
        ),
    );
    let latency_note = |got: usize| {
        format!(
            "from sending the scale request (answered in {} ms) to the change line read by each subscriber; \
             {got} of {subscribers} arrived; {cadence}",
            ms(answered)
        )
    };
    for (topic, delays) in [("cluster", &delays.0), ("list", &delays.1)] {
        row(
            &format!("Live: change → event, {subscribers} {topic} subscribers, p50 / p95 / max"),
            format!(
                "{} / {} / {}",
                ms(quantile(delays, 0.5)),
                ms(quantile(delays, 0.95)),
                ms(delays.last().copied().unwrap_or_default())
            ),
            "ms",
            &latency_note(delays.len()),
        );
    }
    Ok(())
}
