//! The local orchestrator: Exoscale's API v2 (SKS subset) on a store, a reconciler and a
//! simulated provider. Exoscale's own clients work against it unmodified.
//!
//! Layout: `api` (HTTP, auth, one module per resource), `store` (sqlx, SQLite or PostgreSQL),
//! `model` (desired and observed state, the catalogue), `reconcile` (plan, execute, driver),
//! `provider` (the `Provider` trait and the simulation), `pki` (authorities and kubeconfigs).
//!
//! [`Orchestrator::spawn`] runs it in-process on a socket, as the portal does by default.

pub mod api;
pub mod model;
pub mod pki;
pub mod provider;
pub mod reconcile;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::provider::simulated::Simulated;
use crate::reconcile::Reconciler;
use crate::store::{NewKey, Store};

/// How to run an orchestrator.
#[derive(Debug, Clone)]
pub struct Options {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// Divides every simulated duration.
    pub speed: f64,
    /// Share of instance boots that fail.
    pub fail_rate: f64,
    /// How often the reconciler looks for due clusters when not woken.
    pub tick: Duration,
    pub max_connections: u32,
    /// Seals API secrets and CA keys at rest (the portal passes its key).
    pub vault: Arc<dyn store::Vault>,
}

impl Options {
    pub fn new(database_url: impl Into<String>) -> Options {
        Options {
            database_url: database_url.into(),
            speed: 1.0,
            fail_rate: 0.0,
            tick: Duration::from_millis(100),
            max_connections: 8,
            vault: Arc::new(store::NoVault),
        }
    }
}

/// An orchestrator with its store open and migrated.
#[derive(Clone)]
pub struct Orchestrator {
    store: Store,
    reconciler: Reconciler,
    tick: Duration,
}

/// An orchestrator serving on a socket in this process.
pub struct Running {
    /// Where it listens.
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// The endpoint template clients use: `http://ADDRESS/{zone}/v2`.
    pub fn endpoint(&self) -> String {
        format!("http://{}/{{zone}}/v2", self.address)
    }

    /// Stops serving and reconciling, and waits until both have ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.context("orchestrator task")?
    }
}

impl Orchestrator {
    /// Opens the store (creating and migrating it) with a simulated provider.
    pub async fn open(options: &Options) -> anyhow::Result<Orchestrator> {
        let store = Store::connect(&options.database_url, options.max_connections)
            .await
            .context("opening the orchestrator database")?
            .with_vault(Arc::clone(&options.vault));
        let provider = Arc::new(Simulated::new(options.speed, options.fail_rate));
        Ok(Orchestrator {
            reconciler: Reconciler::new(store.clone(), provider),
            store,
            tick: options.tick,
        })
    }

    /// The store (for tests and tools).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The organization `name`, created with its default resources if missing.
    pub async fn organization(&self, name: &str) -> anyhow::Result<Uuid> {
        let org = self.store.ensure_org(name).await?;
        api::seed_defaults(&self.store, org).await?;
        Ok(org)
    }

    /// Makes sure `key`/`secret` exists for organization `org_name`.
    pub async fn ensure_key(&self, org_name: &str, key: &str, secret: &str) -> anyhow::Result<()> {
        let org = self.organization(org_name).await?;
        self.store.ensure_key(org, key, secret).await?;
        Ok(())
    }

    /// Key `key` of organization `org_name` with a fresh random secret (the previous secret
    /// stops working). The embedded orchestrator uses it at every start of the portal.
    pub async fn rotate_key(&self, org_name: &str, key: &str) -> anyhow::Result<NewKey> {
        let org = self.organization(org_name).await?;
        Ok(self.store.rotate_key(org, key).await?)
    }

    /// A new key for organization `org_name`.
    pub async fn create_key(&self, org_name: &str) -> anyhow::Result<NewKey> {
        let org = self.organization(org_name).await?;
        Ok(self.store.create_key(org).await?)
    }

    /// The HTTP API.
    pub fn router(&self) -> axum::Router {
        api::router(api::ApiState {
            store: self.store.clone(),
            wake: self.reconciler.waker(),
        })
    }

    /// Serves the API on `listener` and runs the reconciler until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = self.router();
        self.serve_router(listener, router, shutdown).await
    }

    async fn serve_router(
        self,
        listener: tokio::net::TcpListener,
        router: axum::Router,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_reconciler, reconciler_stopped) = oneshot::channel::<()>();
        let reconciler = tokio::spawn(self.reconciler.clone().run(self.tick, async {
            let _ = reconciler_stopped.await;
        }));
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving the orchestration API");
        let _ = stop_reconciler.send(());
        let _ = reconciler.await;
        self.store.close().await;
        served
    }

    /// Serves on `listen` (port 0 picks a free one) in a background task.
    pub async fn spawn(self, listen: SocketAddr) -> anyhow::Result<Running> {
        self.spawn_with(listen, |router| router).await
    }

    /// Like [`Orchestrator::spawn`], with `wrap` applied to the router first (tests use it to
    /// record what the API answers).
    pub async fn spawn_with(
        self,
        listen: SocketAddr,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> anyhow::Result<Running> {
        let router = wrap(self.router());
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(self.serve_router(listener, router, async {
            let _ = stopped.await;
        }));
        Ok(Running {
            address,
            stop: Some(stop),
            task,
        })
    }
}
