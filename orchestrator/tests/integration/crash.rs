//! The orchestrator process killed with SIGKILL in the middle of a cluster creation and of a
//! nodepool scale-up, then started again on the same database: everything converges, the
//! operations started before the kill end in success, and no instance exists twice.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sks_api::client::{Client, ClientConfig, WaitOptions};
use sks_api::sign::Credentials;
use sks_api::*;

const KEY: &str = "EXOcrashtestkey000000000000";
const SECRET: &str = "crash-test-secret";
const ZONE: ZoneName = ZoneName::ChGva2;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `orchestrator serve` and waits until it answers.
async fn start(database: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database-url", database, "--speed", "40"])
        .env("ORCHESTRATOR_API_KEY", KEY)
        .env("ORCHESTRATOR_API_SECRET", SECRET)
        .env("ORCHESTRATOR_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the orchestrator binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/v2/zone");
    while Instant::now() < deadline {
        if reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the orchestrator did not answer within 30 s");
}

fn kill(mut child: Child) {
    // `Child::kill` sends SIGKILL on Unix: no shutdown code runs.
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn pool_instances(client: &Client, pool: uuid::Uuid) -> Vec<InstanceRef> {
    client
        .get_instance_pool(&ZONE, pool)
        .await
        .unwrap()
        .instances
        .unwrap_or_default()
}

fn wait_options() -> WaitOptions {
    WaitOptions {
        cadence: 0.05,
        deadline: Some(Duration::from_secs(90)),
        ..WaitOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_create_and_mid_scale_it_converges_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("orchestrator.db").display());
    let port = free_port();
    let client = Client::new(
        ClientConfig::with_endpoint(format!("http://127.0.0.1:{port}/{{zone}}/v2")),
        Credentials::new(KEY, SECRET),
    )
    .unwrap();

    // Killed while the control plane is being created.
    let process = start(&database, port).await;
    let versions = client
        .list_sks_cluster_versions(&ZONE, false)
        .await
        .unwrap();
    let create = client
        .create_sks_cluster(
            &ZONE,
            &CreateSksClusterRequest::new("crash", Level::Pro, &versions[0]),
        )
        .await
        .unwrap();
    let cluster_id = create.reference.as_ref().unwrap().id.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        client
            .get_sks_cluster(&ZONE, cluster_id)
            .await
            .unwrap()
            .state,
        Some(ClusterState::Creating)
    );
    kill(process);

    let process = start(&database, port).await;
    client
        .wait(&ZONE, &create, &wait_options())
        .await
        .expect("the creation started before the kill succeeds");
    let cluster = client.get_sks_cluster(&ZONE, cluster_id).await.unwrap();
    assert_eq!(cluster.state, Some(ClusterState::Running));
    assert_eq!(client.list_sks_clusters(&ZONE).await.unwrap().len(), 1);

    // A pool of 3, scaled to 6, killed while the new instances boot.
    let types = client.list_instance_types(&ZONE).await.unwrap();
    let small = types
        .iter()
        .find(|t| t.display_name().as_deref() == Some("standard.small"))
        .and_then(|t| t.id)
        .unwrap();
    let create_pool = client
        .create_sks_nodepool(
            &ZONE,
            cluster_id,
            &CreateSksNodepoolRequest::new("workers", 3, 50, small),
        )
        .await
        .unwrap();
    client
        .wait(&ZONE, &create_pool, &wait_options())
        .await
        .unwrap();
    let nodepool_id = create_pool.reference.as_ref().unwrap().id.unwrap();
    let scale = client
        .scale_sks_nodepool(&ZONE, cluster_id, nodepool_id, 6)
        .await
        .unwrap();
    let pool = client
        .get_sks_nodepool(&ZONE, cluster_id, nodepool_id)
        .await
        .unwrap();
    let pool_id = pool.instance_pool.unwrap().id;
    // Wait until the scale-up is under way (new instances booting), then kill.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let instances = pool_instances(&client, pool_id).await;
        if instances
            .iter()
            .any(|i| i.state == Some(InstanceState::Starting))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the scale-up never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(process);

    let process = start(&database, port).await;
    client
        .wait(&ZONE, &scale, &wait_options())
        .await
        .expect("the scale-up started before the kill succeeds");
    let instances = pool_instances(&client, pool_id).await;
    assert_eq!(instances.len(), 6, "{instances:#?}");
    assert!(
        instances
            .iter()
            .all(|i| i.state == Some(InstanceState::Running))
    );
    let mut names: Vec<&str> = instances.iter().filter_map(|i| i.name.as_deref()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6, "instance names are unique");
    let pool = client
        .get_sks_nodepool(&ZONE, cluster_id, nodepool_id)
        .await
        .unwrap();
    assert_eq!(pool.state, Some(NodepoolState::Running));
    assert_eq!(pool.size, Some(6));
    kill(process);
    assert!(Path::new(&dir.path().join("orchestrator.db")).exists());
}
