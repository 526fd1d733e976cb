//! Opens the database a store runs on: SQLite by default, PostgreSQL to share state between
//! replicas, behind one [`AnyPool`] that runs the same portable SQL on both.
//!
//! The portal's store and the orchestrator's store each keep their own schema (two migration
//! folders, one per engine, embedded by `sqlx::migrate!` in their crate) and open it here, so
//! both get the same rules: a missing database is created, an in-memory SQLite database keeps
//! its one connection, SQLite writes through its WAL, no PostgreSQL query waits for ever, and a
//! store that cannot migrate refuses to start.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::{Any, AnyPool};

/// Longest wait of a PostgreSQL query for a lock another transaction holds.
const LOCK_TIMEOUT: &str = "SET lock_timeout = '5s'";
/// Longest run of one PostgreSQL query (none of either store's takes more than milliseconds).
const STATEMENT_TIMEOUT: &str = "SET statement_timeout = '15s'";

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises the engine from a database URL (`sqlite:` or `postgres:` / `postgresql:`).
    pub fn from_url(url: &str) -> Result<Backend, OpenError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(OpenError::UnsupportedUrl {
                scheme: scheme.to_owned(),
            }),
        }
    }

    /// The engine's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Why a database could not be opened. Messages never include the URL, which may carry a
/// password.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl { scheme: String },
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// A store's schema: one migration folder per engine.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
}

/// How many connections to keep, and how long a query waits for one before it fails.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// A pool to the database at `url` (created if missing), migrated to `schema`.
pub async fn open(
    url: &str,
    schema: Schema,
    limits: Limits,
) -> Result<(AnyPool, Backend), OpenError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    let in_memory = backend == Backend::Sqlite && url.contains(":memory:");
    if !in_memory
        && !Any::database_exists(url)
            .await
            .map_err(OpenError::Connect)?
    {
        Any::create_database(url)
            .await
            .map_err(OpenError::Connect)?;
    }
    // An in-memory SQLite database exists once per connection: keep exactly one.
    let max_connections = if in_memory {
        1
    } else {
        limits.max_connections.max(1)
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(limits.acquire_timeout)
        .after_connect(move |connection, _| {
            Box::pin(async move {
                // SQLite gives up on a lock after its busy timeout (5 s, sqlx's default);
                // PostgreSQL would wait for ever without these.
                if backend == Backend::Postgres {
                    for setting in [LOCK_TIMEOUT, STATEMENT_TIMEOUT] {
                        sqlx::query(setting).execute(&mut *connection).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(OpenError::Connect)?;
    if backend == Backend::Sqlite && !in_memory {
        // Readers do not block the writer; the setting is kept in the file.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    match backend {
        Backend::Sqlite => schema.sqlite.run(&pool).await?,
        Backend::Postgres => schema.postgres.run(&pool).await?,
    }
    Ok((pool, backend))
}

/// A transaction that reads and then writes. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`, waiting up to the busy timeout for another writer): a transaction that
/// only asked for it at its first write fails at once (`SQLITE_BUSY`) if another connection
/// wrote since it read. On PostgreSQL a plain transaction; its own statements lock what they
/// need.
pub async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_backends_by_scheme() {
        let cases = [
            ("sqlite://./data/capstan.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            ("postgres://u@h/db", Backend::Postgres),
            ("postgresql://u@h/db", Backend::Postgres),
        ];
        for (url, backend) in cases {
            assert_eq!(Backend::from_url(url).unwrap(), backend, "{url}");
        }
    }

    #[test]
    fn unsupported_url_names_the_scheme_but_not_the_secret() {
        let error = Backend::from_url("mysql://root:hunter2@db/capstan").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"mysql\""), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
