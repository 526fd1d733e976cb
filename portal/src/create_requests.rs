//! Idempotency of the create wizard: each rendered form carries a token, and the first submit
//! of a token claims it in the portal store before anything is created. A second submit of the
//! same token (a double click, a resent form, a retry after a lost answer) finds the claim:
//! it gets the cluster the first one made, or waits for it while it is being made.
//!
//! The claim is an `INSERT … ON CONFLICT DO NOTHING` on the token's primary key, so two
//! submits arriving at the same moment cannot both win, on SQLite and PostgreSQL alike.

use super::store::Store;

/// A claim left without a cluster for longer than this was abandoned (the portal stopped
/// midway): the next submit may take it over.
pub const ABANDONED_AFTER_MS: i64 = 120_000;

/// What a submit finds for its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The token is this submit's: go ahead and create.
    Won,
    /// An earlier submit of the same form created this cluster.
    Created { zone: String, cluster_id: String },
    /// An earlier submit of the same form is creating the cluster right now.
    InProgress,
    /// The token belongs to another organization's form.
    Foreign,
}

/// Claims `token` for a create in `org` and `zone` at `now` (Unix ms).
pub async fn claim(
    store: &Store,
    token: &str,
    org: &str,
    zone: &str,
    now: i64,
) -> Result<Claim, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO create_requests (token, org_id, zone, cluster_id, created_at)
         VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (token) DO NOTHING",
    )
    .bind(token)
    .bind(org)
    .bind(zone)
    .bind(now)
    .execute(store.pool())
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Won);
    }
    let Some((owner, zone, cluster_id, created_at)) = find(store, token).await? else {
        // Released between our insert and our read: the next attempt may win it.
        return Ok(Claim::InProgress);
    };
    if owner != org {
        return Ok(Claim::Foreign);
    }
    if let Some(cluster_id) = cluster_id {
        return Ok(Claim::Created { zone, cluster_id });
    }
    if now - created_at > ABANDONED_AFTER_MS {
        // Taken over only if nobody else took it over first (the time is the guard).
        let taken = sqlx::query(
            "UPDATE create_requests SET created_at = $1
             WHERE token = $2 AND cluster_id IS NULL AND created_at = $3",
        )
        .bind(now)
        .bind(token)
        .bind(created_at)
        .execute(store.pool())
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(Claim::Won);
        }
    }
    Ok(Claim::InProgress)
}

/// The claim of `token`: organization, zone, cluster (once created) and claim time.
async fn find(
    store: &Store,
    token: &str,
) -> Result<Option<(String, String, Option<String>, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT org_id, zone, cluster_id, created_at FROM create_requests WHERE token = $1",
    )
    .bind(token)
    .fetch_optional(store.pool())
    .await
}

/// Records the cluster the claim of `token` created.
pub async fn complete(store: &Store, token: &str, cluster_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE create_requests SET cluster_id = $1 WHERE token = $2")
        .bind(cluster_id)
        .bind(token)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Gives up the claim of `token` after a create that made nothing, so the same form can be
/// submitted again.
pub async fn release(store: &Store, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM create_requests WHERE token = $1 AND cluster_id IS NULL")
        .bind(token)
        .execute(store.pool())
        .await?;
    Ok(())
}
