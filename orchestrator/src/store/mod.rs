//! The orchestrator's store: SQLite or PostgreSQL through one [`AnyPool`] and portable SQL.
//!
//! Invariants: an API write changes a spec, bumps its generation and revision, and inserts the
//! operation that tracks it, in one transaction; the reconciler writes status only, and only
//! if the row's revision is still the one it planned from (so stale work never lands).

mod records;

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row};
use uuid::Uuid;

use crate::model::{ClusterRecord, InstanceRecord, NodepoolRecord, now_ms};

pub use records::OperationRecord;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Store errors. Messages never include the database URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlpool::OpenError> for StoreError {
    fn from(error: sqlpool::OpenError) -> StoreError {
        match error {
            sqlpool::OpenError::UnsupportedUrl { scheme } => StoreError::UnsupportedUrl(scheme),
            sqlpool::OpenError::Connect(e) => StoreError::Connect(e),
            sqlpool::OpenError::Migrate(e) => StoreError::Migrate(e),
            sqlpool::OpenError::Query(e) => StoreError::Query(e),
        }
    }
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    vault: Arc<dyn Vault>,
}

/// Seals what the store keeps secret (API secrets, which sign every request, and the clusters'
/// CA private keys, which sign every kubeconfig) and opens it again. The portal gives its
/// embedded orchestrator its own key; [`NoVault`] keeps them as they are.
pub trait Vault: std::fmt::Debug + Send + Sync + 'static {
    /// `plaintext` sealed for `owner` (the row it belongs to).
    fn seal(&self, owner: &str, plaintext: &str) -> String;
    /// Opens what [`Vault::seal`] sealed for `owner`.
    fn open(&self, owner: &str, sealed: &str) -> Result<String, String>;
    /// Whether a stored value is sealed (values stored before sealing began are not).
    fn is_sealed(&self, stored: &str) -> bool;
}

/// Keeps secrets as they are (the standalone orchestrator, a development tool).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVault;

impl Vault for NoVault {
    fn seal(&self, _: &str, plaintext: &str) -> String {
        plaintext.to_owned()
    }

    fn open(&self, _: &str, sealed: &str) -> Result<String, String> {
        Ok(sealed.to_owned())
    }

    fn is_sealed(&self, _: &str) -> bool {
        false
    }
}

/// A security group, anti-affinity group, private network or deploy target to store.
#[derive(Debug, Clone, Copy)]
pub struct ResourceRow<'a> {
    pub org: Uuid,
    pub zone: &'a str,
    /// `security-group`, `anti-affinity-group`, `private-network` or `deploy-target`.
    pub kind: &'a str,
    pub id: Uuid,
    pub name: &'a str,
    /// The resource as the API shows it.
    pub body: &'a serde_json::Value,
}

/// A new API key and its secret.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: String,
    pub secret: String,
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("orchestrator records serialize")
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("id {text:?}: {e}")))
}

fn random_token(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
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
            acquire_timeout: Duration::from_secs(10),
        };
        let (pool, _) = sqlpool::open(url, schema, limits).await?;
        Ok(Store {
            pool,
            vault: Arc::new(NoVault),
        })
    }

    /// This store, sealing secrets with `vault` from now on (and opening those it sealed).
    pub fn with_vault(self, vault: Arc<dyn Vault>) -> Store {
        Store { vault, ..self }
    }

    /// A stored secret of `owner`, opened.
    fn reveal(&self, owner: &str, stored: String) -> Result<String, StoreError> {
        if !self.vault.is_sealed(&stored) {
            return Ok(stored);
        }
        self.vault
            .open(owner, &stored)
            .map_err(|e| StoreError::Corrupt(format!("the sealed secret of {owner}: {e}")))
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // Organizations and keys.

    /// The id of organization `name`, created if missing.
    pub async fn ensure_org(&self, name: &str) -> Result<Uuid, StoreError> {
        sqlx::query("INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(Uuid::new_v4().to_string())
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        let id: String = sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        parse_uuid(&id)
    }

    /// Makes sure `key` exists with `secret` for the organization `org`.
    pub async fn ensure_key(&self, org: Uuid, key: &str, secret: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (key, org_id, secret, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET org_id = $2, secret = $3",
        )
        .bind(key)
        .bind(org.to_string())
        .bind(self.vault.seal(key, secret))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives `key` of organization `org` a fresh random secret (creating the key if missing).
    pub async fn rotate_key(&self, org: Uuid, key: &str) -> Result<NewKey, StoreError> {
        let key = NewKey {
            key: key.to_owned(),
            secret: random_token(43),
        };
        self.ensure_key(org, &key.key, &key.secret).await?;
        Ok(key)
    }

    /// Creates a new key for the organization `org`.
    pub async fn create_key(&self, org: Uuid) -> Result<NewKey, StoreError> {
        let key = NewKey {
            key: format!("EXO{}", random_token(24)),
            secret: random_token(43),
        };
        self.ensure_key(org, &key.key, &key.secret).await?;
        Ok(key)
    }

    /// The organization and secret of an API key.
    pub async fn key(&self, key: &str) -> Result<Option<(Uuid, String)>, StoreError> {
        let row = sqlx::query("SELECT org_id, secret FROM api_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let org: String = row.try_get("org_id")?;
            let secret = self.reveal(key, row.try_get("secret")?)?;
            Ok((parse_uuid(&org)?, secret))
        })
        .transpose()
    }

    // Clusters.

    /// Stores a new cluster and the operation creating it.
    pub async fn insert_cluster(
        &self,
        cluster: &ClusterRecord,
        operation: &OperationRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO clusters (id, org_id, zone, spec, generation, status, observed_generation, revision, next_wake, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(cluster.id.to_string())
        .bind(cluster.org_id.to_string())
        .bind(&cluster.zone)
        .bind(json(&cluster.spec))
        .bind(cluster.generation)
        .bind(json(&cluster.status))
        .bind(cluster.observed_generation)
        .bind(cluster.revision)
        .bind(now_ms())
        .bind(cluster.created_at)
        .execute(&mut *tx)
        .await?;
        records::insert_operation(&mut tx, operation).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One cluster of an organization in a zone.
    pub async fn cluster(
        &self,
        org: Uuid,
        zone: &str,
        id: Uuid,
    ) -> Result<Option<ClusterRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM clusters WHERE id = $1 AND org_id = $2 AND zone = $3")
            .bind(id.to_string())
            .bind(org.to_string())
            .bind(zone)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(records::cluster).transpose()
    }

    /// One cluster by id, whoever owns it (for the reconciler).
    pub async fn cluster_by_id(&self, id: Uuid) -> Result<Option<ClusterRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM clusters WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(records::cluster).transpose()
    }

    /// The clusters of an organization in a zone, oldest first.
    pub async fn clusters(&self, org: Uuid, zone: &str) -> Result<Vec<ClusterRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM clusters WHERE org_id = $1 AND zone = $2 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .bind(zone)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(records::cluster).collect()
    }

    /// Writes a changed cluster spec (generation + 1) and its operation, if the cluster was not
    /// changed since it was read. Returns false when it was (the caller reads again).
    pub async fn update_cluster_spec(
        &self,
        cluster: &ClusterRecord,
        operation: &OperationRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE clusters SET spec = $1, generation = generation + 1, revision = revision + 1, next_wake = $2 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(json(&cluster.spec))
        .bind(now_ms())
        .bind(cluster.id.to_string())
        .bind(cluster.revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        records::insert_operation(&mut tx, operation).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Writes a cluster's observed state, if the row is still at `revision`.
    pub async fn write_cluster_status(
        &self,
        cluster: &ClusterRecord,
        next_wake: Option<i64>,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE clusters SET status = $1, observed_generation = $2, revision = revision + 1, next_wake = $3 \
             WHERE id = $4 AND revision = $5",
        )
        .bind(json(&cluster.status))
        .bind(cluster.observed_generation)
        .bind(next_wake)
        .bind(cluster.id.to_string())
        .bind(cluster.revision)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Sets when the reconciler should look at a cluster again (`None`: only when changed), if
    /// nothing changed it since `revision` (an API write in between keeps its own wake-up).
    pub async fn schedule(
        &self,
        cluster: Uuid,
        revision: i64,
        at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE clusters SET next_wake = $1 WHERE id = $2 AND revision = $3")
            .bind(at)
            .bind(cluster.to_string())
            .bind(revision)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Postpones a cluster whose reconcile failed, whatever changed meanwhile.
    pub async fn postpone(&self, cluster: Uuid, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE clusters SET next_wake = $1 WHERE id = $2")
            .bind(at)
            .bind(cluster.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Clusters due for reconciliation at `now`.
    pub async fn due_clusters(&self, now: i64, limit: i64) -> Result<Vec<Uuid>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM clusters WHERE next_wake IS NOT NULL AND next_wake <= $1 ORDER BY next_wake LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        ids.iter().map(|id| parse_uuid(id)).collect()
    }

    /// Removes a deleted cluster (and its authorities), if still at `revision`.
    pub async fn remove_cluster(&self, cluster: &ClusterRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM clusters WHERE id = $1 AND revision = $2")
            .bind(cluster.id.to_string())
            .bind(cluster.revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 1 {
            sqlx::query("DELETE FROM authorities WHERE cluster_id = $1")
                .bind(cluster.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(removed == 1)
    }

    // Nodepools.

    /// Stores a new nodepool and its operation, and wakes its cluster.
    pub async fn insert_nodepool(
        &self,
        nodepool: &NodepoolRecord,
        operation: &OperationRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO nodepools (id, cluster_id, org_id, zone, instance_pool_id, spec, generation, status, observed_generation, revision, next_index, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(nodepool.id.to_string())
        .bind(nodepool.cluster_id.to_string())
        .bind(nodepool.org_id.to_string())
        .bind(&nodepool.zone)
        .bind(nodepool.instance_pool_id.to_string())
        .bind(json(&nodepool.spec))
        .bind(nodepool.generation)
        .bind(json(&nodepool.status))
        .bind(nodepool.observed_generation)
        .bind(nodepool.revision)
        .bind(nodepool.next_index)
        .bind(nodepool.created_at)
        .execute(&mut *tx)
        .await?;
        records::insert_operation(&mut tx, operation).await?;
        wake(&mut tx, nodepool.cluster_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The nodepools of a cluster, oldest first.
    pub async fn nodepools(&self, cluster: Uuid) -> Result<Vec<NodepoolRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM nodepools WHERE cluster_id = $1 ORDER BY created_at, id")
                .bind(cluster.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(records::nodepool).collect()
    }

    /// The nodepools of several clusters at once.
    pub async fn nodepools_of_org(
        &self,
        org: Uuid,
        zone: &str,
    ) -> Result<Vec<NodepoolRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM nodepools WHERE org_id = $1 AND zone = $2 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .bind(zone)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(records::nodepool).collect()
    }

    /// The nodepool behind an instance pool id, for `get-instance-pool`.
    pub async fn nodepool_by_instance_pool(
        &self,
        org: Uuid,
        zone: &str,
        instance_pool: Uuid,
    ) -> Result<Option<NodepoolRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM nodepools WHERE instance_pool_id = $1 AND org_id = $2 AND zone = $3",
        )
        .bind(instance_pool.to_string())
        .bind(org.to_string())
        .bind(zone)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(records::nodepool).transpose()
    }

    /// Writes a changed nodepool spec (generation + 1) and its operation, if unchanged since
    /// read; wakes the cluster.
    pub async fn update_nodepool_spec(
        &self,
        nodepool: &NodepoolRecord,
        operation: &OperationRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE nodepools SET spec = $1, generation = generation + 1, revision = revision + 1 \
             WHERE id = $2 AND revision = $3",
        )
        .bind(json(&nodepool.spec))
        .bind(nodepool.id.to_string())
        .bind(nodepool.revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        records::insert_operation(&mut tx, operation).await?;
        wake(&mut tx, nodepool.cluster_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Writes a nodepool's observed state, if still at `revision`.
    pub async fn write_nodepool_status(
        &self,
        nodepool: &NodepoolRecord,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE nodepools SET status = $1, observed_generation = $2, revision = revision + 1 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(json(&nodepool.status))
        .bind(nodepool.observed_generation)
        .bind(nodepool.id.to_string())
        .bind(nodepool.revision)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Removes a nodepool with no instances left, if still at `revision`.
    pub async fn remove_nodepool(&self, nodepool: &NodepoolRecord) -> Result<bool, StoreError> {
        let removed = sqlx::query(
            "DELETE FROM nodepools WHERE id = $1 AND revision = $2 \
             AND NOT EXISTS (SELECT 1 FROM instances WHERE nodepool_id = $1)",
        )
        .bind(nodepool.id.to_string())
        .bind(nodepool.revision)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(removed == 1)
    }

    // Instances.

    /// The instances of a cluster's nodepools.
    pub async fn instances_of_cluster(
        &self,
        cluster: Uuid,
    ) -> Result<Vec<InstanceRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.* FROM instances i JOIN nodepools n ON n.id = i.nodepool_id \
             WHERE n.cluster_id = $1 ORDER BY i.created_at, i.name",
        )
        .bind(cluster.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(records::instance).collect()
    }

    /// Creates the instance numbered `index` of a nodepool, unless it exists already; moves the
    /// pool's counter past it. Replaying it changes nothing.
    pub async fn create_instance(
        &self,
        instance: &InstanceRecord,
        index: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO instances (id, nodepool_id, name, state, public_ip, version, fails, due_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (nodepool_id, name) DO NOTHING",
        )
        .bind(instance.id.to_string())
        .bind(instance.nodepool_id.to_string())
        .bind(&instance.name)
        .bind(instance.phase.as_str())
        .bind(&instance.public_ip)
        .bind(&instance.version)
        .bind(i64::from(instance.fails))
        .bind(instance.due_at)
        .bind(instance.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE nodepools SET next_index = $1 WHERE id = $2 AND next_index <= $3")
            .bind(index + 1)
            .bind(instance.nodepool_id.to_string())
            .bind(index)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an instance to a new phase, if it is still in `from`.
    pub async fn set_instance_phase(
        &self,
        instance: Uuid,
        from: crate::model::InstancePhase,
        to: crate::model::InstancePhase,
        due_at: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE instances SET state = $1, due_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(to.as_str())
        .bind(due_at)
        .bind(instance.to_string())
        .bind(from.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Removes a torn-down instance.
    pub async fn remove_instance(&self, instance: Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM instances WHERE id = $1 AND state = 'destroying'")
            .bind(instance.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // Operations.

    /// Stores an operation on its own (for resources that change at once).
    pub async fn insert_operation(&self, operation: &OperationRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        records::insert_operation(&mut tx, operation).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One operation of an organization.
    pub async fn operation(
        &self,
        org: Uuid,
        id: Uuid,
    ) -> Result<Option<OperationRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM operations WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(records::operation).transpose()
    }

    /// Pending operations on a resource or on its children.
    pub async fn pending_operations(
        &self,
        resource: Uuid,
    ) -> Result<Vec<OperationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM operations WHERE state = 'pending' AND (resource_id = $1 OR parent_id = $1)",
        )
        .bind(resource.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(records::operation).collect()
    }

    /// Ends an operation.
    pub async fn finish_operation(
        &self,
        id: Uuid,
        state: &str,
        reason: Option<&str>,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operations SET state = $1, reason = $2, message = $3, updated_at = $4 \
             WHERE id = $5 AND state = 'pending'",
        )
        .bind(state)
        .bind(reason)
        .bind(message)
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // Network resources (security groups, anti-affinity groups, private networks, deploy targets).

    /// Stores a resource, with its (finished) operation if any. Replaying it changes nothing.
    pub async fn insert_resource(
        &self,
        row: &ResourceRow<'_>,
        operation: Option<&OperationRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO resources (id, org_id, zone, kind, name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(row.id.to_string())
        .bind(row.org.to_string())
        .bind(row.zone)
        .bind(row.kind)
        .bind(row.name)
        .bind(row.body.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if let Some(operation) = operation {
            records::insert_operation(&mut tx, operation).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a resource body, with a finished operation.
    pub async fn update_resource(
        &self,
        org: Uuid,
        id: Uuid,
        name: &str,
        body: &serde_json::Value,
        operation: &OperationRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE resources SET body = $1, name = $2 WHERE id = $3 AND org_id = $4")
                .bind(body.to_string())
                .bind(name)
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if updated == 1 {
            records::insert_operation(&mut tx, operation).await?;
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// The resources of `kind` of an organization in a zone, oldest first.
    pub async fn resources(
        &self,
        org: Uuid,
        zone: &str,
        kind: &str,
    ) -> Result<Vec<(Uuid, serde_json::Value)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, body FROM resources WHERE org_id = $1 AND zone = $2 AND kind = $3 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .bind(zone)
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(records::resource).collect()
    }

    /// One resource of `kind`.
    pub async fn resource(
        &self,
        org: Uuid,
        zone: &str,
        kind: &str,
        id: Uuid,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query(
            "SELECT id, body FROM resources WHERE org_id = $1 AND zone = $2 AND kind = $3 AND id = $4",
        )
        .bind(org.to_string())
        .bind(zone)
        .bind(kind)
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .as_ref()
            .map(records::resource)
            .transpose()?
            .map(|(_, body)| body))
    }

    /// Deletes a resource, with a finished operation.
    pub async fn delete_resource(
        &self,
        org: Uuid,
        id: Uuid,
        operation: &OperationRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM resources WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 1 {
            records::insert_operation(&mut tx, operation).await?;
        }
        tx.commit().await?;
        Ok(removed == 1)
    }

    // Certificate authorities.

    /// Stores a cluster's authority unless one exists; returns the stored one.
    pub async fn ensure_authority(
        &self,
        cluster: Uuid,
        kind: &str,
        cert_pem: &str,
        key_pem: &str,
    ) -> Result<(String, String), StoreError> {
        let owner = format!("{cluster}/{kind}");
        sqlx::query(
            "INSERT INTO authorities (cluster_id, kind, cert_pem, key_pem) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (cluster_id, kind) DO NOTHING",
        )
        .bind(cluster.to_string())
        .bind(kind)
        .bind(cert_pem)
        .bind(self.vault.seal(&owner, key_pem))
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT cert_pem, key_pem FROM authorities WHERE cluster_id = $1 AND kind = $2",
        )
        .bind(cluster.to_string())
        .bind(kind)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            row.try_get("cert_pem")?,
            self.reveal(&owner, row.try_get("key_pem")?)?,
        ))
    }
}

/// Asks the reconciler to look at a cluster now. Bumps the cluster's revision, so a reconcile
/// that planned before this change neither writes stale status nor cancels the wake-up.
async fn wake(tx: &mut sqlx::Transaction<'_, Any>, cluster: Uuid) -> Result<(), StoreError> {
    sqlx::query("UPDATE clusters SET next_wake = $1, revision = revision + 1 WHERE id = $2")
        .bind(now_ms())
        .bind(cluster.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Reads a text column.
fn text(row: &AnyRow, column: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String, _>(column)?)
}
