//! Test databases for the store suites: every scenario runs on a fresh SQLite file, then on a
//! fresh PostgreSQL database when a server is reachable (`CAPSTAN_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without one the PostgreSQL half is skipped
//! with a line saying so, except under CI (`CI=true`), where a missing server fails.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use portal::store::Backend;

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
        let url = testkit::postgres_database("capstan_test", "the portal store tests").await?;
        Some(TestDb { url, _dir: None })
    }

    pub async fn drop(self) {
        testkit::drop_database(&self.url).await;
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
