//! Deletion protection: a per-cluster flag in the portal's store. While it is set, deleting the
//! cluster is refused — by the server function, not only by the page — until an admin or owner
//! clears it. Setting and clearing are audited.

use portal_types::error::AppError;

use crate::Portal;
use crate::auth::{Caller, store_failure};
use crate::orchestration::cluster_scope;
use crate::store::Store;

/// Who set the protection of cluster `id` in `zone` of `org`, and when (Unix ms); `None` when
/// it is not protected.
pub async fn protected_by(
    store: &Store,
    org: &str,
    zone: &str,
    id: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT set_by, set_at FROM cluster_protection
         WHERE org_id = $1 AND zone = $2 AND cluster_id = $3",
    )
    .bind(org)
    .bind(zone)
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    Ok(row)
}

/// Refuses (409) while cluster `id` is protected, saying by whom and how to clear it.
pub async fn refuse_if_protected(
    portal: &Portal,
    org: &str,
    zone: &str,
    id: &str,
) -> Result<(), AppError> {
    match protected_by(&portal.store, org, zone, id)
        .await
        .map_err(store_failure)?
    {
        None => Ok(()),
        Some((by, _)) => Err(AppError::Conflict(format!(
            "deletion protection is on for this cluster (set by {by}): an admin or owner turns \
             it off in the cluster's Settings first"
        ))),
    }
}

/// Sets (`on`) or clears deletion protection of cluster `id` for `caller` (the role is checked
/// by the server function); a cluster outside the caller's organization is not found.
pub async fn set(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    on: bool,
) -> Result<(), AppError> {
    let org = caller.org_id()?.to_owned();
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let cluster = scope.cluster().await?;
    let (zone, id) = (scope.zone.as_str().to_owned(), scope.id.to_string());
    let changed = if on {
        let by = format!("{} <{}>", caller.user.name, caller.user.email);
        sqlx::query(
            "INSERT INTO cluster_protection (org_id, zone, cluster_id, set_by, set_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, zone, cluster_id) DO NOTHING",
        )
        .bind(&org)
        .bind(&zone)
        .bind(&id)
        .bind(by)
        .bind(crate::now_ms())
        .execute(portal.store.pool())
        .await
    } else {
        sqlx::query(
            "DELETE FROM cluster_protection WHERE org_id = $1 AND zone = $2 AND cluster_id = $3",
        )
        .bind(&org)
        .bind(&zone)
        .bind(&id)
        .execute(portal.store.pool())
        .await
    }
    .map_err(store_failure)?;
    if changed.rows_affected() > 0 {
        let action = if on {
            "cluster.protect"
        } else {
            "cluster.unprotect"
        };
        let target = format!("{} ({})", scope.target(), cluster.name.unwrap_or_default());
        portal
            .audit(caller, action, Some(&target), "success", None)
            .await;
    }
    Ok(())
}
