//! The portal while its orchestration API fails, and after: refused connections, 5xx answers,
//! a hanging API, and one that answers only in part (instance pools failing while clusters
//! answer), injected by the switch in `crate::support::faults`; and a real orchestrator process killed
//! (SIGKILL) mid-create and mid-scale, then started again.
//!
//! What must hold: live streams say `upstream` degraded and keep their last data (never a
//! snapshot with the cluster or its nodes gone), then say it is back with nothing done but
//! healing; server functions answer 503 "unavailable" (not 500, not a hang); background work
//! the portal started (upgrade plans, deleting nodepools before their cluster) rides out a
//! long outage and finishes after it, with nothing lost. And while the API works, the portal's
//! calls reuse their connections to it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::faults::{Faults, Mode};
use crate::support::*;
use app::error::AppError;
use axum::body::Body;
use http::{Request, StatusCode, header};
use portal::accounts::{Accounts, AuditFilter};
use portal_types::clusters::{ClusterDetail, ClusterList};
use sks_api::client::{Client, ClientConfig};
use sks_api::sign::Credentials;
use sks_api::{InstanceState, ZoneName};
use tower::ServiceExt as _;
use uuid::Uuid;

const ZONE: ZoneName = ZoneName::ChGva2;
/// A node boots in about a second.
const SPEED: f64 = 100.0;
/// Watchers poll every 100 ms; one answer of the API is awaited at most 1 s (reads are tried
/// four times: a hanging API costs a call about 5 s).
const FLAGS: &[&str] = &[
    "--live-fast-poll-ms",
    "100",
    "--live-slow-poll-ms",
    "100",
    "--orchestration-timeout-ms",
    "1000",
];
/// Every way the API fails here, with what it is called in messages.
const OUTAGES: [Mode; 5] = [
    Mode::Down,
    Mode::Status(503),
    Mode::Status(500),
    Mode::Hang,
    Mode::Partial {
        path: "/instance-pool/",
        status: 500,
    },
];

/// Sends `request`; panics if the portal has not answered within a minute (a hang).
async fn answer(h: &Harness, request: Request<Body>) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let (status, _, body) = tokio::time::timeout(PATIENCE, send(&h.router, request))
        .await
        .expect("the portal answers rather than hang");
    (status, body, started.elapsed())
}

/// Nodes running in a cluster snapshot, all nodepools together.
fn running_nodes(cluster: &ClusterDetail) -> usize {
    cluster
        .nodepools
        .iter()
        .flat_map(|p| &p.instances)
        .filter(|i| i.state == "running")
        .count()
}

/// The organization of the user `email`.
async fn org_of(h: &Harness, email: &str) -> String {
    let accounts = Accounts::new(h.store.clone());
    let user = accounts.user_by_email(email).await.unwrap().unwrap();
    accounts.memberships(&user.id).await.unwrap()[0]
        .org_id
        .clone()
}

/// (action, outcome) of the audit entries under the cluster, newest first.
async fn audit(h: &Harness, org: &str, cluster: Uuid) -> Vec<(String, String)> {
    let filter = AuditFilter {
        target: Some(format!("cluster/{}/{cluster}", ZONE.as_str())),
        ..AuditFilter::default()
    };
    Accounts::new(h.store.clone())
        .audit(org, &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect()
}

fn pairs(entries: &[(String, String)]) -> Vec<(&str, &str)> {
    entries
        .iter()
        .map(|(a, o)| (a.as_str(), o.as_str()))
        .collect()
}

/// Events showing the cluster gone or any of its `nodes` running nodes gone.
fn losses(events: &[Sse], nodes: usize) -> Vec<&Sse> {
    events
        .iter()
        .filter(|e| {
            e.event == "gone"
                || e.cluster()
                    .is_some_and(|s| running_nodes(&s.cluster) < nodes)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_streams_keep_their_data_through_every_outage_and_recover_by_themselves() {
    let faults = Faults::new();
    let h = harness_with_faults(SPEED, FLAGS, &faults).await;
    let cookie = sign_up(&h.router, "sturdy@example.com").await;
    let client = org_client(&h, "sturdy@example.com").await;
    let (id, _) = running_cluster(&client, "sturdy", "1.36.3", 2).await;
    let path = format!("/live/clusters/ch-gva-2/{id}");
    let mut cluster = open(&h.router, &path, &cookie, None).await;
    cluster
        .until_within("two running nodes", PATIENCE, |e| {
            e.cluster()
                .is_some_and(|s| s.progress.is_none() && running_nodes(&s.cluster) == 2)
        })
        .await;
    let mut list = open(&h.router, "/live/clusters", &cookie, None).await;
    let shows_it = |e: &Sse| {
        e.list().is_some_and(|l| {
            l.rows
                .iter()
                .any(|r| r.name == "sturdy" && r.nodes_running == 2 && r.state == "running")
        })
    };
    list.until_within("the cluster in the list", PATIENCE, shows_it)
        .await;

    for mode in OUTAGES {
        faults.set(mode);
        let during = cluster
            .until_within(&format!("degraded ({mode:?})"), PATIENCE, |e| {
                e.is_upstream(true)
            })
            .await;
        assert!(losses(&during, 2).is_empty(), "{mode:?}: {during:#?}");
        let upstream = during.last().unwrap().upstream().unwrap();
        assert!(!upstream.message.is_empty(), "{mode:?}: says why");
        let during_list = list
            .until_within(&format!("the list degraded ({mode:?})"), PATIENCE, |e| {
                e.is_upstream(true)
            })
            .await;

        // A page opened now gets the last data and the word that it may be stale.
        let mut late = open(&h.router, &path, &cookie, None).await;
        let first = late
            .until_within("the late subscriber told", PATIENCE, |e| {
                e.is_upstream(true)
            })
            .await;
        assert!(
            first
                .iter()
                .any(|e| e.cluster().is_some_and(|s| running_nodes(&s.cluster) == 2)),
            "{mode:?}: the last snapshot is replayed: {first:#?}"
        );
        drop(late);

        // Healing is the only thing the test does; the streams notice by themselves.
        faults.set(Mode::Healthy);
        let healing = cluster
            .until_within(&format!("recovery ({mode:?})"), PATIENCE, |e| {
                e.is_upstream(false)
            })
            .await;
        assert!(losses(&healing, 2).is_empty(), "{mode:?}: {healing:#?}");
        let healing_list = list
            .until_within(&format!("the list recovered ({mode:?})"), PATIENCE, |e| {
                e.is_upstream(false)
            })
            .await;
        for event in during_list.iter().chain(&healing_list) {
            if let Some(snapshot) = event.list() {
                // A zone that fails keeps its last rows (a partial outage leaves a snapshot
                // naming the failed zone, with the cluster still in it).
                assert!(
                    snapshot
                        .rows
                        .iter()
                        .any(|r| r.name == "sturdy" && r.nodes_running == 2),
                    "{mode:?}: the list lost the cluster: {snapshot:#?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_answer_unavailable_while_the_api_fails() {
    let faults = Faults::new();
    let h = harness_with_faults(SPEED, FLAGS, &faults).await;
    let cookie = sign_up(&h.router, "asking@example.com").await;
    let client = org_client(&h, "asking@example.com").await;
    let (id, _) = running_cluster(&client, "asked", "1.36.3", 1).await;
    let detail = format!("zone=ch-gva-2&id={id}");
    let page = format!("/clusters/ch-gva-2/{id}");

    // While it works, calls share the organization's client and its open connections (a
    // client per call would open at least one per call; a busy machine may make the pool open
    // a spare one now and then).
    let before = faults.connections();
    for _ in 0..10 {
        let (status, body, _) = answer(&h, call("/api/get_cluster", &detail, &cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let opened = faults.connections() - before;
    eprintln!("10 calls (30 requests) opened {opened} connections");
    assert!(
        opened <= 5,
        "10 calls, 30 requests, {opened} new connections"
    );

    for mode in OUTAGES {
        faults.set(mode);
        let (status, body, took) = answer(&h, call("/api/get_cluster", &detail, &cookie)).await;
        eprintln!("{mode:?}: get_cluster answered {status} in {took:?}");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{mode:?}: {body}");
        let error: AppError = serde_json::from_str(&body).expect(&body);
        assert!(
            matches!(error, AppError::Unavailable { .. }),
            "{mode:?}: {error:?}"
        );
        let (status, html, _) = answer(&h, get_with(&page, &cookie)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{mode:?}");
        assert!(html.contains("Service unavailable"), "{mode:?}: {html}");

        let (status, body, took) = answer(&h, call("/api/list_clusters", "", &cookie)).await;
        eprintln!("{mode:?}: list_clusters answered {status} in {took:?}");
        if let Mode::Partial { .. } = mode {
            // Other zones answer: the list shows what it has and names the zone that failed;
            // it never shows the cluster with its nodes gone.
            assert_eq!(status, StatusCode::OK, "{mode:?}: {body}");
            let list: ClusterList = serde_json::from_str(&body).unwrap();
            assert_eq!(
                list.failures
                    .iter()
                    .map(|f| f.zone.as_str())
                    .collect::<Vec<_>>(),
                ["ch-gva-2"]
            );
            assert!(list.rows.is_empty(), "{mode:?}: {:#?}", list.rows);
        } else {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{mode:?}: {body}");
            let error: AppError = serde_json::from_str(&body).expect(&body);
            assert!(
                matches!(error, AppError::Unavailable { .. }),
                "{mode:?}: {error:?}"
            );
        }

        faults.set(Mode::Healthy);
        let (status, body, _) = answer(&h, call("/api/list_clusters", "", &cookie)).await;
        assert_eq!(status, StatusCode::OK, "{mode:?}: healed: {body}");
        let list: ClusterList = serde_json::from_str(&body).unwrap();
        assert!(list.failures.is_empty(), "{mode:?}: {:?}", list.failures);
        assert_eq!(list.rows.len(), 1);
        assert_eq!(list.rows[0].nodes_running, 1, "{mode:?}");
        let (status, body, _) = answer(&h, call("/api/get_cluster", &detail, &cookie)).await;
        assert_eq!(status, StatusCode::OK, "{mode:?}: healed: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_work_rides_out_a_long_outage_and_finishes_after_it() {
    let faults = Faults::new();
    let h = harness_with_faults(SPEED, FLAGS, &faults).await;
    let email = "patient@example.com";
    let cookie = sign_up(&h.router, email).await;
    let org = org_of(&h, email).await;
    let client = org_client(&h, email).await;
    let (upgrading, _) = running_cluster(&client, "upgrading", "1.35.6", 2).await;
    let (leaving, _) = running_cluster(&client, "leaving", "1.36.3", 1).await;
    let old: Vec<String> = instances(&client, &ZONE, upgrading)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();

    let (status, body, _) = answer(
        &h,
        call(
            "/api/start_upgrade",
            &format!("zone=ch-gva-2&id={upgrading}&version=1.36.3"),
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body, _) = answer(
        &h,
        call(
            "/api/delete_cluster",
            &format!("zone=ch-gva-2&id={leaving}&confirm_name=leaving&delete_nodepools=on"),
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Three quarters of a minute without the API, in each of its ways to fail.
    let started = Instant::now();
    for mode in [Mode::Status(502), Mode::Down, Mode::Hang] {
        faults.set(mode);
        tokio::time::sleep(Duration::from_secs(15)).await;
        let plan = portal::upgrades::latest(&h.state, &org, "ch-gva-2", &upgrading.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(plan.state, "running", "{mode:?}: the plan waits: {plan:#?}");
        let failures: Vec<_> = audit(&h, &org, leaving)
            .await
            .into_iter()
            .filter(|(_, outcome)| outcome == "failure")
            .collect();
        assert!(
            failures.is_empty(),
            "{mode:?}: the delete waits: {failures:?}"
        );
    }
    faults.set(Mode::Healthy);
    eprintln!("outage of {:?} ridden out", started.elapsed());

    eventually("the upgrade plan done", PATIENCE, || async {
        let plan = portal::upgrades::latest(&h.state, &org, "ch-gva-2", &upgrading.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_ne!(plan.state, "failed", "{plan:#?}");
        plan.state == "done"
    })
    .await;
    let cluster = client.get_sks_cluster(&ZONE, upgrading).await.unwrap();
    assert_eq!(cluster.version.as_deref(), Some("1.36.3"));
    let now = instances(&client, &ZONE, upgrading).await;
    assert_eq!(now.len(), 2, "the pool is back to its size");
    assert!(now.iter().all(|(_, s)| *s == Some(InstanceState::Running)));
    assert!(
        now.iter().all(|(id, _)| !old.contains(id)),
        "every node was replaced: {old:?} → {now:?}"
    );
    assert_eq!(
        pairs(&audit(&h, &org, upgrading).await),
        [
            ("cluster.upgrade", "success"),
            ("cluster.upgrade", "started")
        ]
    );

    eventually("the deleted cluster gone", PATIENCE, || async {
        matches!(
            client.get_sks_cluster(&ZONE, leaving).await,
            Err(sks_api::client::Error::Api { status: 404, .. })
        )
    })
    .await;
    assert_eq!(
        pairs(&audit(&h, &org, leaving).await),
        [
            ("cluster.delete", "success"),
            ("nodepool.delete", "success"),
            ("cluster.delete", "started"),
        ]
    );
}

// A real orchestrator process, killed and started again.

/// The crash test's orchestrator process: this test binary, run again with this variable set
/// to `ADDRESS DATABASE_URL`.
const CHILD: &str = "CAPSTAN_FAULTS_ORCHESTRATOR";
const KEY: &str = "EXOfaultstestkey0000000000";
const SECRET: &str = "faults-test-secret";

/// Not a test of its own: the body of the orchestrator process `killed_…` starts (it returns
/// at once unless started so).
#[tokio::test]
#[ignore = "the orchestrator process of the crash test, started by it"]
async fn orchestrator_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (listen, database) = spec.split_once(' ').unwrap();
    let options = orchestrator::Options {
        speed: 20.0,
        ..orchestrator::Options::new(database)
    };
    let orchestrator = orchestrator::Orchestrator::open(&options).await.unwrap();
    orchestrator
        .ensure_key("default", KEY, SECRET)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    orchestrator
        .serve(listener, std::future::pending())
        .await
        .unwrap();
}

/// An orchestrator process, killed with SIGKILL when dropped.
struct Process(Child);

impl Process {
    /// Starts it on `port` with `database` and waits until it answers.
    async fn start(port: u16, database: &str) -> Process {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "faults::orchestrator_process",
                "--ignored",
                "--nocapture",
            ])
            .env(CHILD, format!("127.0.0.1:{port} {database}"))
            .stdout(Stdio::null())
            .spawn()
            .expect("the test binary starts again");
        let process = Process(child);
        let url = format!("http://127.0.0.1:{port}/v2/zone");
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the orchestrator process did not answer within {PATIENCE:?}");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // `Child::kill` sends SIGKILL on Unix: no shutdown code runs.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads `stream` through a kill and a restart of the orchestrator: it says degraded while the
/// process is gone (with no snapshot meanwhile), and that the API is back once it answers.
async fn through_a_restart(
    stream: &mut Stream,
    process: Process,
    port: u16,
    database: &str,
) -> Process {
    drop(process);
    let down = stream
        .until_within("degraded after the kill", PATIENCE, |e| e.is_upstream(true))
        .await;
    assert!(
        down.iter().all(|e| e.event != "gone"),
        "not gone: {down:#?}"
    );
    let process = Process::start(port, database).await;
    let back = stream
        .until_within("recovery after the restart", PATIENCE, |e| {
            e.is_upstream(false)
        })
        .await;
    assert!(
        back.iter().all(|e| e.event == "upstream"),
        "nothing but the recovery while it was down: {back:#?}"
    );
    process
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_create_and_mid_scale_the_orchestrator_comes_back_and_progress_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("orchestrator.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}/{{zone}}/v2");
    let mut process = Process::start(port, &database).await;
    let direct = Client::new(
        ClientConfig::with_endpoint(&endpoint),
        Credentials::new(KEY, SECRET),
    )
    .unwrap();

    // The portal serves an organization that brought its own key to this API.
    let mut flags = vec!["--exoscale-endpoint", endpoint.as_str()];
    flags.extend_from_slice(FLAGS);
    let h = harness_with(SPEED, &flags, |router| router).await;
    let cookie = sign_up(&h.router, "crash@example.com").await;
    let (status, body, _) = answer(
        &h,
        call(
            "/api/set_exoscale_credentials",
            &format!("api_key={KEY}&api_secret={SECRET}&zones=ch-gva-2"),
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Created through the wizard, with a nodepool of two.
    let (status, body, _) = answer(&h, call("/api/wizard_options", "zone=ch-gva-2", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let choices: app::wizard::WizardChoices = serde_json::from_str(&body).unwrap();
    let mut form = app::wizard::ClusterForm {
        name: "phoenix".into(),
        nodepools: vec![app::wizard::NodepoolForm {
            name: "workers".into(),
            size: "2".into(),
            ..app::wizard::NodepoolForm::default()
        }],
        ..app::wizard::ClusterForm::default()
    };
    form.fill_defaults(&choices);
    #[derive(serde::Serialize)]
    struct Args<'a> {
        form: &'a app::wizard::ClusterForm,
    }
    let encoded = serde_qs::to_string(&Args { form: &form }).unwrap();
    let (status, body, _) = answer(&h, call("/api/create_cluster", &encoded, &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: String = serde_json::from_str(&body).unwrap();
    let id: Uuid = page
        .strip_prefix("/clusters/ch-gva-2/")
        .unwrap()
        .parse()
        .unwrap();
    let mut stream = open(&h.router, &format!("/live{page}"), &cookie, None).await;
    let first = stream
        .until_within("the first snapshot", PATIENCE, |e| e.event == "snapshot")
        .await;
    let creating = first.last().unwrap().cluster().unwrap();
    assert_eq!(creating.cluster.state, "creating", "killed mid-create");

    process = through_a_restart(&mut stream, process, port, &database).await;
    let done = stream
        .until_within("the cluster running with its two nodes", PATIENCE, |e| {
            e.cluster().is_some_and(|s| {
                s.progress.is_none()
                    && s.cluster.state == "running"
                    && running_nodes(&s.cluster) == 2
            })
        })
        .await;
    assert!(done.iter().all(|e| e.event != "gone"), "{done:#?}");
    let nodepool = done.last().unwrap().cluster().unwrap().cluster.nodepools[0]
        .id
        .clone();

    // Scaled to four through the portal, killed while the new nodes boot.
    let (status, body, _) = answer(
        &h,
        call(
            "/api/scale_nodepool",
            &format!("zone=ch-gva-2&id={id}&nodepool={nodepool}&size=4"),
            &cookie,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually("new nodes booting", PATIENCE, || async {
        let cluster = direct.get_sks_cluster(&ZONE, id).await.unwrap();
        let pool = cluster.nodepools.unwrap().remove(0);
        let booting = direct
            .get_instance_pool(&ZONE, pool.instance_pool.unwrap().id)
            .await
            .unwrap()
            .instances
            .unwrap_or_default();
        booting
            .iter()
            .any(|i| i.state == Some(InstanceState::Starting))
    })
    .await;
    process = through_a_restart(&mut stream, process, port, &database).await;
    let done = stream
        .until_within("the nodepool at four running nodes", PATIENCE, |e| {
            e.cluster()
                .is_some_and(|s| s.progress.is_none() && running_nodes(&s.cluster) == 4)
        })
        .await;
    assert!(done.iter().all(|e| e.event != "gone"), "{done:#?}");
    let last = done.last().unwrap().cluster().unwrap();
    let pool = &last.cluster.nodepools[0];
    assert_eq!((pool.size, pool.state.as_str()), (4, "running"));
    let mut names: Vec<&str> = pool.instances.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 4, "no node twice: {:#?}", pool.instances);
    drop(process);
}

/// A request whose dependency waits for ever still answers, within its bound and with what did
/// not answer: three ways to wait for ever, each with the bound that ends it.
mod bounded {
    use super::*;
    use sqlx::Connection as _;

    /// What every store failure looks like to a client of the server functions.
    fn database_unavailable(status: StatusCode, body: &str) {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        let error: AppError = serde_json::from_str(body).expect(body);
        assert!(
            matches!(&error, AppError::Unavailable { service, .. } if service == "The portal database"),
            "{error:?}"
        );
    }

    /// The bound a request must answer within: the portal's own request bound.
    const REQUEST_BOUND: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn an_exhausted_database_pool_answers_503_within_the_acquire_timeout() {
        let h = harness().await;
        let cookie = sign_up(&h.router, "pool@example.com").await;
        // The harness's pool has two connections: hold both, as two stuck requests would.
        let held = [
            h.store.pool().acquire().await.unwrap(),
            h.store.pool().acquire().await.unwrap(),
        ];
        let (status, body, took) = answer(&h, call("/api/whoami", "", &cookie)).await;
        database_unavailable(status, &body);
        assert!(took < REQUEST_BOUND, "answered after {took:?}");
        // A page says so too (the session check reads the database first).
        let (status, page, took) = answer(&h, get_with("/settings", &cookie)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
        assert!(page.contains("database"), "{page}");
        assert!(took < REQUEST_BOUND, "answered after {took:?}");
        drop(held);
        let (status, body, _) = answer(&h, call("/api/whoami", "", &cookie)).await;
        assert_eq!(status, StatusCode::OK, "the pool is back: {body}");
    }

    #[tokio::test]
    async fn a_database_lock_held_elsewhere_answers_503_within_the_lock_timeout() {
        let h = harness().await;
        sign_up(&h.router, "lock@example.com").await;
        let url = h.database_url();
        // Another transaction holds the lock the sign-in needs to write its session.
        let lock: Box<dyn std::any::Any> = if url.starts_with("postgres") {
            let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut other).await.unwrap();
            sqlx::query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
                .execute(&mut other)
                .await
                .unwrap();
            Box::new(other)
        } else {
            let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("BEGIN EXCLUSIVE")
                .execute(&mut other)
                .await
                .unwrap();
            Box::new(other)
        };
        let sign_in = "email=lock%40example.com&password=a+long+enough+password&next=";
        let request = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .body(Body::from(sign_in))
            .unwrap();
        let (status, body, took) = answer(&h, request).await;
        database_unavailable(status, &body);
        assert!(took < REQUEST_BOUND, "answered after {took:?}");
        drop(lock);
    }

    #[tokio::test]
    async fn a_request_waiting_on_anything_unbounded_answers_503_at_the_request_bound() {
        // The orchestration API hangs, and its client would wait a minute per attempt: the
        // request bound (1.5 s here) answers first.
        let faults = Faults::new();
        let flags = [
            "--request-timeout-ms",
            "1500",
            "--orchestration-timeout-ms",
            "60000",
        ];
        let h = harness_with_faults(SPEED, &flags, &faults).await;
        let cookie = sign_up(&h.router, "late@example.com").await;
        faults.set(Mode::Hang);

        let (status, body, took) = answer(&h, call("/api/list_clusters", "", &cookie)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        let error: AppError = serde_json::from_str(&body).expect(&body);
        assert_eq!(
            error,
            AppError::Unavailable {
                service: "The portal".into(),
                message: "it did not answer within 1.5 s".into()
            }
        );
        assert!(took < REQUEST_BOUND, "answered after {took:?}");

        let response = within("GET /", h.router.clone().oneshot(get_with("/", &cookie)))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let page = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains("did not answer within 1.5 s"), "{page}");

        // Live streams are not cut by the bound: they stay open by design (reading past the
        // bound panics if the stream ended).
        faults.set(Mode::Healthy);
        let mut stream = open(&h.router, "/live/clusters", &cookie, None).await;
        stream.next().await;
        let _ = stream.next_within(Duration::from_secs(3)).await;
    }

    #[tokio::test]
    async fn requests_beyond_the_concurrency_limit_wait_their_turn() {
        // One turn: a request stuck on a hanging API holds it until its bound; the next one
        // waits for the turn (it is served only after the stuck one was answered), and health
        // is answered meanwhile.
        let faults = Faults::new();
        let flags = [
            "--request-timeout-ms",
            "3000",
            "--orchestration-timeout-ms",
            "60000",
            "--max-concurrent-requests",
            "1",
        ];
        let h = harness_with_faults(SPEED, &flags, &faults).await;
        let cookie = sign_up(&h.router, "busy@example.com").await;
        faults.set(Mode::Hang);
        let stuck = async {
            let answered = answer(&h, call("/api/list_clusters", "", &cookie)).await;
            (answered, Instant::now())
        };
        let waiting = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let health = answer(&h, get("/healthz")).await;
            let health_at = Instant::now();
            let waited = answer(&h, call("/api/whoami", "", &cookie)).await;
            (health, health_at, waited, Instant::now())
        };
        let (((stuck, _, _), stuck_at), ((health, _, _), health_at, (waited, body, _), waited_at)) =
            tokio::join!(stuck, waiting);
        assert_eq!(stuck, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(health, StatusCode::OK);
        assert!(health_at < stuck_at, "health is not queued");
        assert_eq!(waited, StatusCode::OK, "{body}");
        assert!(waited_at >= stuck_at, "served only once the turn was free");
    }
}
