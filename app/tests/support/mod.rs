//! Test databases for the store suites: every scenario runs on a fresh SQLite file, then on a
//! fresh PostgreSQL database when a server is reachable (`CAPSTAN_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without one the PostgreSQL half is skipped
//! with a line saying so, except under CI (`CI=true`), where a missing server fails.

#![allow(dead_code)]

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use app::ssr::store::Backend;
use sqlx::Any;
use sqlx::migrate::MigrateDatabase;

/// A database for one scenario, removed by [`TestDb::drop`].
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("portal.db").display());
        TestDb {
            url,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> Option<TestDb> {
        sqlx::any::install_default_drivers();
        let server = std::env::var("CAPSTAN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        let name = format!(
            "capstan_test_{}_{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let url = format!("{base}/{name}");
        match Any::create_database(&url).await {
            Ok(()) => Some(TestDb { url, _dir: None }),
            Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("PostgreSQL is required under CI but {base} refused: {error}")
            }
            Err(error) => {
                // Written to stderr directly: the test harness captures `eprintln!` of passing
                // tests, and this line must be seen.
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED: PostgreSQL store tests (no server at {base}: {error}); \
                         set CAPSTAN_TEST_POSTGRES_URL to run them"
                    );
                });
                None
            }
        }
    }

    pub async fn drop(self) {
        if self.url.starts_with("postgres") {
            Any::drop_database(&self.url)
                .await
                .expect("dropping the test database");
        }
    }
}

/// Runs `scenario` on a fresh SQLite database, then on a fresh PostgreSQL database.
pub async fn on_both<F, Fut>(scenario: F)
where
    F: Fn(String, Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::sqlite();
    scenario(db.url.clone(), Backend::Sqlite).await;
    db.drop().await;
    if let Some(db) = TestDb::postgres().await {
        scenario(db.url.clone(), Backend::Postgres).await;
        db.drop().await;
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
