//! An orchestrator for the HTTP suites: served on a loopback port with a key for organization
//! `default`, on a fresh SQLite file or a fresh PostgreSQL database (`CAPSTAN_TEST_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`; skipped with a line without a server,
//! except under `CI=true`, where a missing server fails).

#![allow(dead_code)]

use std::time::Duration;

use orchestrator::{Options, Orchestrator, Running};
use sks_api::client::{Client, ClientConfig};
use sks_api::sign::Credentials;
use sqlx::migrate::MigrateDatabase;

/// A running orchestrator with a key for organization `default`, on a fresh database.
pub struct Harness {
    pub running: Running,
    pub client: Client,
    pub orchestrator: Orchestrator,
    pub database: String,
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    pub async fn start(database: String, dir: Option<tempfile::TempDir>) -> Harness {
        Harness::start_failing(database, dir, 0.0).await
    }

    /// An orchestrator whose instance boots fail at `fail_rate`.
    pub async fn start_failing(
        database: String,
        dir: Option<tempfile::TempDir>,
        fail_rate: f64,
    ) -> Harness {
        let options = Options {
            speed: 400.0,
            fail_rate,
            tick: Duration::from_millis(20),
            ..Options::new(&database)
        };
        let orchestrator = Orchestrator::open(&options).await.expect("open");
        let key = orchestrator.create_key("default").await.expect("key");
        let running = orchestrator
            .clone()
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("spawn");
        let client = Client::new(
            ClientConfig::with_endpoint(running.endpoint()),
            Credentials::new(key.key, key.secret),
        )
        .unwrap();
        Harness {
            running,
            client,
            orchestrator,
            database,
            _dir: dir,
        }
    }

    pub async fn stop(self) {
        self.running.stop().await.expect("clean stop");
        if self.database.starts_with("postgres") {
            sqlx::Any::drop_database(&self.database).await.ok();
        }
    }

    /// A client for another organization of the same orchestrator.
    pub async fn other_tenant(&self) -> Client {
        let key = self.orchestrator.create_key("someone-else").await.unwrap();
        Client::new(
            ClientConfig::with_endpoint(self.running.endpoint()),
            Credentials::new(key.key, key.secret),
        )
        .unwrap()
    }
}

pub fn sqlite() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("orchestrator.db").display());
    (url, dir)
}

pub async fn postgres() -> Option<String> {
    testkit::postgres_database("orchestrator_test", "orchestrator tests").await
}
