//! Clusters of the organization across its zones, as the cluster list shows them.
//!
//! Filtering, sorting and paging happen here, from query parameters, so the list works the same
//! with and without JavaScript. A zone that cannot be reached does not fail the page: its
//! failure is reported beside the clusters of the zones that answered. When no zone answers,
//! the list is `Unavailable` (503), not an empty list.

use leptos::prelude::*;

use crate::clusters::{ClusterDetail, ClusterList, ClusterQuery};
use crate::error::AppError;

/// The organization's clusters in every zone it uses, filtered, sorted and paged.
#[server(endpoint = "list_clusters")]
pub async fn list_clusters(
    #[server(default)] query: ClusterQuery,
) -> Result<ClusterList, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::clusters::list(&portal, &caller, &query).await
}

/// One cluster of the organization, with its nodepools and their instances.
#[server(endpoint = "get_cluster")]
pub async fn get_cluster(zone: String, id: String) -> Result<ClusterDetail, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::clusters::detail(&portal, &caller, &zone, &id).await
}

/// The cluster's health, asked of the service now: the inspection's checks and the deprecated
/// APIs still in use.
#[server(endpoint = "get_cluster_health")]
pub async fn get_cluster_health(
    zone: String,
    id: String,
) -> Result<crate::health::ClusterHealth, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::health::health(&portal, &caller, &zone, &id).await
}
