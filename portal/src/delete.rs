//! Deleting a cluster: at once when it has no nodepools; otherwise its nodepools first and then
//! the cluster, in a task that outlives the request (the list shows the progress; every step
//! and any failure is in the audit log).

use portal_types::error::{AppError, FieldError};

use crate::Portal;
use crate::auth::Caller;
use crate::orchestration::{ClusterScope, cluster_scope, ride_out, upstream_failure};

/// Deletes cluster `id` in `zone` for `caller` (allowed to delete) once its name is typed back
/// (`confirm_name`). A cluster with nodepools needs `delete_nodepools`: they go first, then the
/// cluster, in the background.
pub async fn delete_cluster(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    confirm_name: &str,
    delete_nodepools: bool,
) -> Result<(), AppError> {
    let org = caller.org_id()?;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    crate::protection::refuse_if_protected(portal, org, scope.zone.as_str(), &scope.id.to_string())
        .await?;
    let cluster = scope.cluster().await?;
    let name = cluster.name.clone().unwrap_or_default();
    let nodepools: Vec<uuid::Uuid> = cluster
        .nodepools
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.id)
        .collect();
    let mut fields = Vec::new();
    if confirm_name.trim() != name {
        fields.push(FieldError::new(
            "confirm_name",
            format!("Type the cluster's name, {name}, exactly, to confirm."),
        ));
    }
    if !nodepools.is_empty() && !delete_nodepools {
        fields.push(FieldError::new(
            "delete_nodepools",
            format!(
                "This cluster still has {} nodepool(s): tick the box to delete them first.",
                nodepools.len()
            ),
        ));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let target = scope.target();
    if nodepools.is_empty() {
        let operation = scope
            .client
            .delete_sks_cluster(&scope.zone, scope.id)
            .await
            .map_err(|e| upstream_failure(e, &scope.what))?;
        let op = operation.id.map(|i| i.to_string());
        portal
            .audit(
                caller,
                "cluster.delete",
                Some(&target),
                "success",
                op.as_deref(),
            )
            .await;
    } else {
        portal
            .audit(
                caller,
                "cluster.delete",
                Some(&format!(
                    "{target} (after its {} nodepools)",
                    nodepools.len()
                )),
                "started",
                None,
            )
            .await;
        tokio::spawn(delete_in_order(
            portal.clone(),
            caller.clone(),
            scope,
            nodepools,
        ));
    }
    // Viewers of this cluster and of the list see the change at once.
    portal.live.poke(org, zone, id);
    Ok(())
}

/// Deletes each nodepool, waits for them to go, then deletes the cluster, riding out outages of
/// the orchestration API meanwhile; every step and any failure is in the audit log.
async fn delete_in_order(
    portal: Portal,
    caller: Caller,
    scope: ClusterScope,
    nodepools: Vec<uuid::Uuid>,
) {
    let audit =
        |action: &'static str, target: String, outcome: &'static str, op: Option<String>| {
            let (portal, caller) = (portal.clone(), caller.clone());
            async move {
                portal
                    .audit(&caller, action, Some(&target), outcome, op.as_deref())
                    .await
            }
        };
    let target = scope.target();
    let options = crate::orchestration::background_wait();
    let (client, zone, id) = (&scope.client, &scope.zone, scope.id);
    for pool in nodepools {
        let pool_target = format!("{target}/nodepool/{pool}");
        let result = match ride_out("deleting a nodepool", || {
            client.delete_sks_nodepool(zone, id, pool)
        })
        .await
        {
            Ok(operation) => client
                .wait(zone, &operation, &options)
                .await
                .map(|op| op.id.map(|i| i.to_string())),
            Err(error) if error.is_not_found() => Ok(None),
            // Already being deleted (by someone else, or by a first try whose answer an
            // outage swallowed): wait until it is gone.
            Err(error) if error.is_busy() => {
                nodepool_gone(client, zone, id, pool).await.map(|()| None)
            }
            Err(error) => Err(error),
        };
        match result {
            Ok(op) => audit("nodepool.delete", pool_target, "success", op).await,
            Err(error) => {
                tracing::warn!(%error, %pool, "cannot delete a nodepool before its cluster");
                audit(
                    "cluster.delete",
                    format!("{target} (nodepool {pool}: {error})"),
                    "failure",
                    None,
                )
                .await;
                return;
            }
        }
    }
    match ride_out("deleting a cluster", || client.delete_sks_cluster(zone, id)).await {
        Ok(operation) => {
            let op = operation.id.map(|i| i.to_string());
            audit("cluster.delete", target, "success", op).await;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot delete a cluster after its nodepools");
            audit(
                "cluster.delete",
                format!("{target} ({error})"),
                "failure",
                None,
            )
            .await;
        }
    }
}

/// Waits until nodepool `pool` of cluster `id` is gone, riding out outages, for at most
/// [`OUTAGE_PATIENCE`](crate::orchestration::OUTAGE_PATIENCE).
async fn nodepool_gone(
    client: &sks_api::client::Client,
    zone: &sks_api::ZoneName,
    id: uuid::Uuid,
    pool: uuid::Uuid,
) -> Result<(), sks_api::client::Error> {
    let started = std::time::Instant::now();
    loop {
        match client.get_sks_nodepool(zone, id, pool).await {
            Err(error) if error.is_not_found() => return Ok(()),
            Err(error) if !error.is_outage() => return Err(error),
            _ if started.elapsed() > crate::orchestration::OUTAGE_PATIENCE => {
                return Err(sks_api::client::Error::WaitAbandoned {
                    id: pool.to_string(),
                    reason: "the nodepool was still there after an hour".into(),
                });
            }
            _ => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}
