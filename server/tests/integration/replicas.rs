//! Two portal replicas on one PostgreSQL database, sharing the key that seals secrets and one
//! orchestrator, as a load balancer would spread one person's requests over them: a session
//! made on one works on the other, a cluster created through one is listed by the other, and
//! both replicas' live streams show the same progress. Skipped with a line without PostgreSQL
//! on a laptop; under CI (`CI=true`) a missing server fails.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::support::*;
use app::wizard::{ClusterForm, NodepoolForm, WizardChoices};
use axum::Router;
use clap::Parser as _;
use http::StatusCode;
use portal::store::Store;
use server::config::Config;
use server::embedded::Embedded;
use server::metrics::HttpMetrics;

/// The replicas' shared key for sealing secrets (32 bytes in base64), as an operator would
/// give every replica the same `CAPSTAN_SECRET_KEY`.
const SECRET_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
/// Fast simulation and polling, so provisioning finishes within the test.
const SPEED: f64 = 50.0;
const EMAIL: &str = "shared@example.com";

/// One replica: its own process state and data directory, the shared database.
struct Replica {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn replica(database: &str, embedded: &Embedded) -> Replica {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::try_parse_from([
        "capstan",
        "--listen",
        "127.0.0.1:3000",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        database,
        "--secret-key",
        SECRET_KEY,
        "--exoscale-endpoint",
        &embedded.orchestration.endpoint,
        "--catalog-dir",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog"),
        "--live-fast-poll-ms",
        "100",
        "--live-slow-poll-ms",
        "100",
    ])
    .unwrap();
    let store = Store::connect(&config.database_url(), 4).await.unwrap();
    let catalog = server::load_catalog(&config).unwrap();
    let state = server::build_portal(&config, store.clone(), embedded, catalog).unwrap();
    let router = server::build_router(
        state,
        server::leptos_options(config.listen).unwrap(),
        Arc::new(HttpMetrics::default()),
        &config.public_url(),
    )
    .unwrap();
    Replica {
        router,
        store,
        _dir: dir,
    }
}

/// Calls server function `function` on `router`; the status and the body.
async fn call_fn(
    router: &Router,
    function: &str,
    body: &str,
    cookie: &str,
) -> (StatusCode, String) {
    let (status, _, body) = send(router, call(&format!("/api/{function}"), body, cookie)).await;
    (status, body)
}

/// Each thing's states in the order a stream showed them, repeats folded: the cluster, each
/// nodepool, each node (by nodepool and name).
fn progressions(events: &[Sse]) -> BTreeMap<String, Vec<String>> {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut note = |what: String, state: &str| {
        let states = seen.entry(what).or_default();
        if states.last().map(String::as_str) != Some(state) {
            states.push(state.to_owned());
        }
    };
    for snapshot in events.iter().filter_map(snapshot) {
        note("cluster".into(), &snapshot.cluster.state);
        for pool in &snapshot.cluster.nodepools {
            note(format!("nodepool {}", pool.name), &pool.state);
            for node in &pool.instances {
                note(format!("node {}/{}", pool.name, node.name), &node.state);
            }
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_sessions_clusters_and_live_progress() {
    let Some(database) = postgres_database("the two-replica test").await else {
        return;
    };
    let orchestrator_dir = tempfile::tempdir().unwrap();
    let sealer = portal::accounts::secrets::Sealer::from_base64(SECRET_KEY).unwrap();
    let embedded = Embedded::start(orchestrator_dir.path(), SPEED, 0.0, &sealer)
        .await
        .unwrap();
    let one = replica(&database, &embedded).await;
    let two = replica(&database, &embedded).await;

    // Signed up on one, signed in on both: the same person and organization.
    let cookie = sign_up(&one.router, EMAIL).await;
    let (status, me_on_one) = call_fn(&one.router, "whoami", "", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{me_on_one}");
    let (status, me_on_two) = call_fn(&two.router, "whoami", "", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{me_on_two}");
    assert!(me_on_two.contains(EMAIL), "{me_on_two}");
    assert_eq!(me_on_one, me_on_two);
    let (status, _, page) = send(&two.router, get_with("/settings", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(EMAIL), "the settings page on replica two");

    // Created through one; listed and shown by two, which opens the organization's credentials
    // with the shared key.
    let (status, body) = call_fn(&one.router, "wizard_options", "", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let choices: WizardChoices = serde_json::from_str(&body).unwrap();
    let small = choices
        .instance_types
        .iter()
        .find(|t| t.name == "standard.small")
        .unwrap()
        .id
        .clone();
    let mut form = ClusterForm {
        name: "everywhere".into(),
        nodepools: vec![NodepoolForm {
            name: "workers".into(),
            size: "2".into(),
            instance_type: small,
            ..NodepoolForm::default()
        }],
        ..ClusterForm::default()
    };
    form.fill_defaults(&choices);
    #[derive(serde::Serialize)]
    struct Args<'a> {
        form: &'a ClusterForm,
    }
    let encoded = serde_qs::to_string(&Args { form: &form }).unwrap();
    let (status, body) = call_fn(&one.router, "create_cluster", &encoded, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let path: String = serde_json::from_str(&body).unwrap();
    let id = path.strip_prefix("/clusters/ch-gva-2/").unwrap().to_owned();

    // Both replicas watch it from the start.
    let live = format!("/live/clusters/ch-gva-2/{id}");
    let mut on_one = open(&one.router, &live, &cookie, None).await;
    let mut on_two = open(&two.router, &live, &cookie, None).await;

    let (status, body) = call_fn(&two.router, "list_clusters", "", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: portal_types::clusters::ClusterList = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = list.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["everywhere"]);
    let (status, _, page) = send(&two.router, get_with(&path, &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("everywhere"));

    // The same progress on both: the cluster, the nodepool and each node went through the
    // same states in the same order, to two running nodes.
    let seen_one = on_one.until(settled(2)).await;
    let seen_two = on_two.until(settled(2)).await;
    let (one_states, two_states) = (progressions(&seen_one), progressions(&seen_two));
    assert_eq!(one_states, two_states);
    assert_eq!(one_states["cluster"].last().unwrap(), "running");
    assert_eq!(one_states["nodepool workers"].last().unwrap(), "running");
    let nodes: Vec<&Vec<String>> = one_states
        .iter()
        .filter(|(what, _)| what.starts_with("node "))
        .map(|(_, states)| states)
        .collect();
    assert_eq!(nodes.len(), 2, "{one_states:?}");
    assert!(
        nodes
            .iter()
            .all(|states| states.last().unwrap() == "running"),
        "{one_states:?}"
    );
    assert!(
        nodes.iter().any(|states| states.len() > 1),
        "the streams showed nodes booting, not only the end: {one_states:?}"
    );

    drop((on_one, on_two));
    one.store.close().await;
    two.store.close().await;
    drop_database(&database).await;
}
