//! The reconciler: drives each cluster's observed state towards its desired state.
//!
//! - [`plan`]: the pure planner.
//! - [`execute`]: applies actions through the provider and the store, idempotently.
//! - [`Reconciler::run`]: the driver. One task reconciles the clusters that are due, one at a
//!   time (so never two reconciles of one cluster in a process), woken by API writes and by a
//!   periodic tick; a cluster whose reconcile fails is retried with exponential backoff.

pub mod execute;
pub mod plan;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use uuid::Uuid;

use crate::model::now_ms;
use crate::provider::Provider;
use crate::store::{Store, StoreError};
use plan::View;

/// Longest pause before retrying a failing cluster.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// First pause before retrying a failing cluster.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Most clusters handled per round.
const BATCH: i64 = 500;

/// Reconciles clusters.
#[derive(Clone)]
pub struct Reconciler {
    store: Store,
    provider: Arc<dyn Provider>,
    wake: Arc<Notify>,
}

impl Reconciler {
    pub fn new(store: Store, provider: Arc<dyn Provider>) -> Reconciler {
        Reconciler {
            store,
            provider,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Wakes the driver at once (after an API write), instead of at its next tick.
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    async fn load(&self, cluster: Uuid) -> Result<Option<View>, StoreError> {
        let Some(record) = self.store.cluster_by_id(cluster).await? else {
            return Ok(None);
        };
        Ok(Some(View {
            nodepools: self.store.nodepools(cluster).await?,
            instances: self.store.instances_of_cluster(cluster).await?,
            cluster: record,
        }))
    }

    /// One round for one cluster: plan, apply, finish operations, schedule the next round.
    pub async fn reconcile(&self, cluster: Uuid) -> Result<(), StoreError> {
        let Some(view) = self.load(cluster).await? else {
            return execute::complete_operations(&self.store, cluster, None).await;
        };
        let now = now_ms();
        let actions = plan::plan(&view, now);
        if !actions.is_empty() {
            tracing::debug!(%cluster, ?actions, "reconciling");
            execute::apply(&self.store, &self.provider, &view, actions, now).await?;
        }
        let after = self.load(cluster).await?;
        execute::complete_operations(&self.store, cluster, after.as_ref()).await?;
        if let Some(after) = after {
            let now = now_ms();
            let next = if plan::plan(&after, now).is_empty() {
                plan::next_due(&after)
            } else {
                Some(now)
            };
            self.store
                .schedule(cluster, after.cluster.revision, next)
                .await?;
        }
        Ok(())
    }

    /// Runs until `shutdown` resolves, reconciling due clusters every `tick` or when woken.
    pub async fn run(self, tick: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut failures: HashMap<Uuid, u32> = HashMap::new();
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(tick) => {}
            }
            let due = match self.store.due_clusters(now_ms(), BATCH).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(%error, "cannot list clusters to reconcile");
                    continue;
                }
            };
            for cluster in due {
                match self.reconcile(cluster).await {
                    Ok(()) => {
                        failures.remove(&cluster);
                    }
                    Err(error) => {
                        let attempts = failures.entry(cluster).or_insert(0);
                        *attempts += 1;
                        let pause = FIRST_BACKOFF
                            .saturating_mul(2u32.saturating_pow(*attempts - 1))
                            .min(MAX_BACKOFF);
                        tracing::warn!(%cluster, %error, attempts = *attempts, ?pause, "reconcile failed; will retry");
                        let at = now_ms() + pause.as_millis() as i64;
                        if let Err(error) = self.store.postpone(cluster, at).await {
                            tracing::warn!(%cluster, %error, "cannot postpone the cluster");
                        }
                    }
                }
            }
        }
    }
}
