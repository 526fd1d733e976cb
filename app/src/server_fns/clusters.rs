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
    use crate::clusters::{ClusterRow, select, version_key};
    use crate::ssr::auth::require;
    use portal::accounts::authz::Action;

    let caller = require(Action::Read).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let (client, zones) = portal::orchestration::client_for(&state, org).await?;
    let (all, failures) = portal::clusters::list_answered(&client, &zones).await?;

    let facet = |f: fn(&ClusterRow) -> &String| {
        let mut values: Vec<String> = all.iter().map(|r| f(r).clone()).collect();
        values.sort();
        values.dedup();
        values
    };
    let (states, zone_names, mut versions) = (
        facet(|r| &r.state),
        facet(|r| &r.zone),
        facet(|r| &r.version),
    );
    versions.sort_by_key(|v| std::cmp::Reverse(version_key(v)));
    let total = all.len();
    let (rows, matching, page, pages) = select(all, &query);
    Ok(ClusterList {
        rows,
        matching,
        total,
        page,
        pages,
        failures,
        states,
        zones: zone_names,
        versions,
    })
}

/// One cluster of the organization, with its nodepools and their instances.
#[server(endpoint = "get_cluster")]
pub async fn get_cluster(zone: String, id: String) -> Result<ClusterDetail, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::Action;

    let caller = require(Action::Read).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let (client, zones) = portal::orchestration::client_for(&state, org).await?;
    portal::clusters::cluster_detail(&client, &zones, &zone, &id).await
}
