//! `cargo bench -p orchestrator --bench orchestrator`: figures for the local orchestrator with
//! 10,000 clusters, measured on this machine and printed on stdout as Markdown rows
//! `| figure | value | unit | notes |`. Nothing is asserted.
//!
//! Everything goes through the signed `sks-api` client over real HTTP, on SQLite in a
//! temporary directory. The API is served without the reconciler while the clusters are
//! created, then a reconciler (the library's own) is started on the same store, so creating
//! and reconciling are measured apart:
//!
//! 1. API creates: N `create-sks-cluster` calls from 8 concurrent clients.
//! 2. Reconcile throughput: the reconciler starts with N new clusters due; clusters reaching
//!    `running` per second = N ÷ the time until it has nothing left to do (every cluster takes
//!    two reconciles: start the control plane, then finish it). The simulation runs so fast
//!    that its durations (100 s ÷ speed) do not count.
//! 3. List and get latency, one request at a time, with the N clusters in place and the
//!    reconciler idle; and get throughput from 8 concurrent clients.
//!
//! Environment (all optional): `CAPSTAN_BENCH_ORCHESTRATOR_CLUSTERS` (10000),
//! `CAPSTAN_BENCH_SECONDS` (measured seconds for list and for gets, 10).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use orchestrator::provider::simulated::Simulated;
use orchestrator::reconcile::Reconciler;
use orchestrator::{Options, Orchestrator};
use rand::Rng as _;
use sks_api::client::{Client, ClientConfig};
use sks_api::sign::Credentials;
use sks_api::{ClusterState, CreateSksClusterRequest, Level, ZoneName};
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;
/// Divides every simulated duration: a control plane takes ~1 ms.
const SPEED: f64 = 100_000.0;
const CLIENTS: usize = 8;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn row(figure: &str, value: impl std::fmt::Display, unit: &str, notes: &str) {
    println!("| {figure} | {value} | {unit} | {notes} |");
}

fn progress(message: &str) {
    eprintln!("orchestrator bench: {message}");
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
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn p50_p99(sorted: &[Duration]) -> String {
    format!(
        "{} / {}",
        ms(quantile(sorted, 0.5)),
        ms(quantile(sorted, 0.99))
    )
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let total = env_u64("CAPSTAN_BENCH_ORCHESTRATOR_CLUSTERS", 10_000).max(1) as usize;
    let seconds = Duration::from_secs(env_u64("CAPSTAN_BENCH_SECONDS", 10).max(1));
    let dir = tempfile::tempdir()?;
    let options = Options {
        speed: SPEED,
        ..Options::new(format!(
            "sqlite://{}",
            dir.path().join("orchestrator.db").display()
        ))
    };
    let orchestrator = Orchestrator::open(&options).await?;
    let key = orchestrator.create_key("bench").await?;

    // The API alone: `Orchestrator::spawn` would start the reconciler with it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let router = orchestrator.router();
    let api = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = api_stopped.await;
            })
            .await
    });
    let client = Client::new(
        ClientConfig::with_endpoint(format!("http://{address}/{{zone}}/v2")),
        Credentials::new(key.key, key.secret),
    )?;

    // 1. Creates.
    progress(&format!("creating {total} clusters"));
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (client, next) = (client.clone(), Arc::clone(&next));
        workers.spawn(async move {
            let (mut ids, mut latencies) = (Vec::new(), Vec::new());
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return anyhow::Ok((ids, latencies));
                }
                let request =
                    CreateSksClusterRequest::new(format!("bench-{n:05}"), Level::Pro, "1.36.3");
                let sent = Instant::now();
                let op = client.create_sks_cluster(&ZONE, &request).await?;
                latencies.push(sent.elapsed());
                ids.push(op.reference.and_then(|r| r.id).context("a cluster id")?);
            }
        });
    }
    let (mut ids, mut latencies): (Vec<Uuid>, Vec<Duration>) = (Vec::new(), Vec::new());
    while let Some(done) = workers.join_next().await {
        let (more_ids, more_latencies) = done??;
        ids.extend(more_ids);
        latencies.extend(more_latencies);
    }
    let creating = started.elapsed();
    latencies.sort();
    row(
        &format!("Orchestrator: create-sks-cluster, {total} calls"),
        format!("{:.0}", total as f64 / creating.as_secs_f64()),
        "creates/s",
        &format!(
            "{CLIENTS} concurrent signed clients over HTTP, reconciler stopped; latency p50 / p99 {} ms; SQLite",
            p50_p99(&latencies)
        ),
    );

    // 2. The reconciler catching up with all of them.
    progress("reconciling");
    let store = orchestrator.store().clone();
    let reconciler = Reconciler::new(store.clone(), Arc::new(Simulated::new(SPEED, 0.0)));
    let (stop_reconciler, reconciler_stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let reconciling = tokio::spawn(reconciler.run(options.tick, async {
        let _ = reconciler_stopped.await;
    }));
    // Nothing due, ever: every cluster reconciled to a stable state.
    while !store.due_clusters(i64::MAX, 1).await?.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reconciled = started.elapsed();
    let clusters = client.list_sks_clusters(&ZONE).await?;
    let running = clusters
        .iter()
        .filter(|c| c.state == Some(ClusterState::Running))
        .count();
    ensure!(
        running == total,
        "{running} of {total} clusters running once the reconciler was done"
    );
    row(
        "Orchestrator: reconcile throughput (clusters reaching `running`)",
        format!("{:.0}", total as f64 / reconciled.as_secs_f64()),
        "clusters/s",
        &format!(
            "{total} new clusters (no nodepools) due at once; {:.1} s until none is due, all verified running; \
             two reconciles each (start, finish the control plane), one at a time, batches of 500, tick {} ms; \
             speed {SPEED} (simulated control plane ≈ {:.0} µs)",
            reconciled.as_secs_f64(),
            options.tick.as_millis(),
            100.0 / SPEED * 1e6
        ),
    );

    // 3. Reads with every cluster in place.
    progress("listing");
    let mut lists = Vec::new();
    let started = Instant::now();
    while started.elapsed() < seconds || lists.len() < 20 {
        let sent = Instant::now();
        let listed = client.list_sks_clusters(&ZONE).await?;
        lists.push(sent.elapsed());
        ensure!(listed.len() == total, "the list has every cluster");
    }
    lists.sort();
    row(
        &format!("Orchestrator: list-sks-clusters with {total} clusters, p50 / p99"),
        p50_p99(&lists),
        "ms",
        &format!(
            "one request at a time, {} samples; the whole zone in one response, parsed by the client",
            lists.len()
        ),
    );

    progress("getting");
    let mut gets = Vec::new();
    let started = Instant::now();
    while started.elapsed() < seconds {
        let id = ids[rand::rng().random_range(0..ids.len())];
        let sent = Instant::now();
        client.get_sks_cluster(&ZONE, id).await?;
        gets.push(sent.elapsed());
    }
    gets.sort();
    row(
        &format!("Orchestrator: get-sks-cluster among {total}, p50 / p99"),
        p50_p99(&gets),
        "ms",
        &format!(
            "one request at a time, random clusters, {} samples",
            gets.len()
        ),
    );

    let ids = Arc::new(ids);
    let until = Instant::now() + seconds;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (client, ids) = (client.clone(), Arc::clone(&ids));
        workers.spawn(async move {
            let mut done = 0u64;
            while Instant::now() < until {
                let id = ids[rand::rng().random_range(0..ids.len())];
                client.get_sks_cluster(&ZONE, id).await?;
                done += 1;
            }
            anyhow::Ok(done)
        });
    }
    let mut done = 0;
    while let Some(count) = workers.join_next().await {
        done += count??;
    }
    row(
        &format!("Orchestrator: get-sks-cluster among {total}, throughput"),
        format!("{:.0}", done as f64 / seconds.as_secs_f64()),
        "req/s",
        &format!(
            "{CLIENTS} concurrent clients for {} s; client and orchestrator share the 2 cores",
            seconds.as_secs()
        ),
    );

    let _ = stop_reconciler.send(());
    reconciling.await?;
    let _ = stop_api.send(());
    api.await??;
    store.close().await;
    Ok(())
}
