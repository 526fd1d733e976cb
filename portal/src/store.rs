//! The portal's own database: SQLite by default, PostgreSQL to share state between replicas.
//!
//! One [`AnyPool`] runs the same portable SQL on both (`$n` placeholders, `TEXT` and `BIGINT`
//! columns, times as Unix milliseconds). Each backend has its own migration folder, embedded in
//! the binary and applied at start; a store that cannot migrate refuses to start.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::{Any, AnyPool};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Longest wait for a connection from the pool; then the query fails (503 to the browser).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait of a PostgreSQL query for a lock another transaction holds.
const LOCK_TIMEOUT: &str = "SET lock_timeout = '5s'";
/// Longest run of one PostgreSQL query (none of the portal's takes more than milliseconds).
const STATEMENT_TIMEOUT: &str = "SET statement_timeout = '15s'";

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Recognises the engine from a database URL (`sqlite:` or `postgres:` / `postgresql:`).
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl {
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

/// What can go wrong opening or using the store. Messages never include the database URL,
/// which may carry a password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
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
    #[error("database did not answer within {0:?}")]
    Timeout(Duration),
}

/// Facts about this installation, for the settings page and for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub backend: Backend,
    /// The newest migration applied.
    pub schema_version: i64,
    /// When the store was first initialised, in Unix milliseconds.
    pub installed_at_ms: i64,
}

/// A connection pool to the portal database, migrated and ready.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating it if missing) and migrates the database at `url`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let in_memory = backend == Backend::Sqlite && url.contains(":memory:");
        if !in_memory
            && !Any::database_exists(url)
                .await
                .map_err(StoreError::Connect)?
        {
            Any::create_database(url)
                .await
                .map_err(StoreError::Connect)?;
        }
        // An in-memory SQLite database exists once per connection: keep exactly one.
        let max_connections = if in_memory { 1 } else { max_connections.max(1) };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
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
            .map_err(StoreError::Connect)?;
        if backend == Backend::Sqlite && !in_memory {
            // Readers do not block the writer; the setting is kept in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        sqlx::query(
            "INSERT INTO portal_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind("installed_at_ms")
        .bind(super::now_ms().to_string())
        .execute(&pool)
        .await?;
        Ok(Store { pool, backend })
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for the store's own modules.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that reads and then writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout for another writer): a transaction
    /// that only asked for it at its first write fails at once (`SQLITE_BUSY`) if another
    /// connection wrote since it read, and a request failed as if the database were down. On
    /// PostgreSQL a plain transaction; its own statements lock what they need.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Checks the database answers a trivial query within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let query = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(timeout, query).await {
            Ok(result) => result.map(|_| ()).map_err(StoreError::Query),
            Err(_) => Err(StoreError::Timeout(timeout)),
        }
    }

    /// Facts about this installation.
    pub async fn installation(&self) -> Result<Installation, StoreError> {
        let schema_version: i64 =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        let installed_at: String =
            sqlx::query_scalar("SELECT value FROM portal_meta WHERE key = $1")
                .bind("installed_at_ms")
                .fetch_one(&self.pool)
                .await?;
        Ok(Installation {
            backend: self.backend,
            schema_version,
            installed_at_ms: installed_at.parse().unwrap_or_default(),
        })
    }

    /// Closes every connection; used at shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_backends_by_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://./data/capstan.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
    }

    #[test]
    fn unsupported_url_names_the_scheme_but_not_the_secret() {
        let error = Backend::from_url("mysql://root:hunter2@db/capstan").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"mysql\""), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
