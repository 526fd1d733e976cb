//! What every test suite of the workspace needs and nothing ships.
//!
//! PostgreSQL: a test asks for a fresh database of its own on the server at
//! `CAPSTAN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`). Without
//! a server the test is skipped with a line on stderr saying so; under CI (`CI=true`) a missing
//! server fails the test instead, so CI never passes by skipping.

use std::io::Write as _;

use sqlx::Any;
use sqlx::migrate::MigrateDatabase;

/// The server's address without its database (`postgres://user@host:port`).
fn postgres_server() -> String {
    let server = std::env::var("CAPSTAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    server
        .rsplit_once('/')
        .map_or(server.as_str(), |(base, _)| base)
        .to_owned()
}

/// A fresh, empty PostgreSQL database named `<prefix>_<random>`, or `None` with a line saying
/// that `what` is skipped when no server answers; under CI a missing server panics.
pub async fn postgres_database(prefix: &str, what: &str) -> Option<String> {
    sqlx::any::install_default_drivers();
    let base = postgres_server();
    let url = format!("{base}/{prefix}_{}", uuid::Uuid::new_v4().simple());
    match Any::create_database(&url).await {
        Ok(()) => Some(url),
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL is required under CI but {base} refused: {error}")
        }
        Err(error) => {
            // Straight to stderr: the test harness captures `eprintln!` of passing tests, and
            // this line must be seen. Once per test binary is enough.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: {what} on PostgreSQL (no server at {base}: {error}); \
                     set CAPSTAN_TEST_POSTGRES_URL to run them"
                );
            });
            None
        }
    }
}

/// Removes a database made by [`postgres_database`] (its pools must be closed first); a SQLite
/// URL is left alone (its file goes with its temporary directory).
pub async fn drop_database(url: &str) {
    if url.starts_with("postgres") {
        Any::drop_database(url)
            .await
            .expect("dropping the test database");
    }
}

/// Drops a PostgreSQL database made by [`postgres_database`] from synchronous code (a `Drop`),
/// ending the connections still open to it.
pub fn drop_database_now(url: &str) {
    let url = url.to_owned();
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sqlx::Connection as _;
            let (base, name) = url.rsplit_once('/').unwrap();
            let mut connection = sqlx::PgConnection::connect(&format!("{base}/postgres")).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
            )))
            .execute(&mut connection)
            .await
            .map(|_| ())
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        let _ = writeln!(
            std::io::stderr(),
            "could not drop the test database: {dropped:?}"
        );
    }
}
