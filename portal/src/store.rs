//! The portal's own database: SQLite by default, PostgreSQL to share state between replicas.
//!
//! One [`AnyPool`] runs the same portable SQL on both (`$n` placeholders, `TEXT` and `BIGINT`
//! columns, times as Unix milliseconds). Each backend has its own migration folder, embedded in
//! the binary and applied at start by [`sqlpool::open`] (shared with the orchestrator's store);
//! a store that cannot migrate refuses to start.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool};

pub use sqlpool::Backend;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Longest wait for a connection from the pool; then the query fails (503 to the browser).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

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

impl From<sqlpool::OpenError> for StoreError {
    fn from(error: sqlpool::OpenError) -> StoreError {
        match error {
            sqlpool::OpenError::UnsupportedUrl { scheme } => StoreError::UnsupportedUrl { scheme },
            sqlpool::OpenError::Connect(e) => StoreError::Connect(e),
            sqlpool::OpenError::Migrate(e) => StoreError::Migrate(e),
            sqlpool::OpenError::Query(e) => StoreError::Query(e),
        }
    }
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
        let schema = sqlpool::Schema {
            sqlite: &SQLITE_MIGRATIONS,
            postgres: &POSTGRES_MIGRATIONS,
        };
        let limits = sqlpool::Limits {
            max_connections,
            acquire_timeout: ACQUIRE_TIMEOUT,
        };
        let (pool, backend) = sqlpool::open(url, schema, limits).await?;
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

    /// A transaction that reads and then writes ([`sqlpool::begin_write`]): without it a
    /// read-then-write on SQLite failed at once when another connection wrote in between, and
    /// a request failed as if the database were down.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Any>, sqlx::Error> {
        sqlpool::begin_write(&self.pool, self.backend).await
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
