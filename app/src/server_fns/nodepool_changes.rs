//! A cluster's nodepools (the Nodepools tab), and changing one: scaling it up or down —
//! choosing which instances leave, or letting the service choose — and deleting it.

use leptos::prelude::*;

use crate::error::AppError;
use crate::nodepools::{ClusterNodepools, NodepoolScaleInfo};

/// The cluster and every setting of each of its nodepools, for the Nodepools tab.
#[server(endpoint = "get_cluster_nodepools")]
pub async fn get_cluster_nodepools(zone: String, id: String) -> Result<ClusterNodepools, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::nodepools::list(&portal, &caller, &zone, &id).await
}

/// The nodepool as the scale page shows it.
#[server(endpoint = "get_nodepool_scale_info")]
pub async fn get_nodepool_scale_info(
    zone: String,
    id: String,
    nodepool: String,
) -> Result<NodepoolScaleInfo, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::nodepools::scale_info(&portal, &caller, &zone, &id, &nodepool).await
}

/// Scales a nodepool to `size`; when scaling down, `evict` may name the instances that leave
/// (exactly as many as the size drops), otherwise the service chooses.
#[server(endpoint = "scale_nodepool")]
pub async fn scale_nodepool(
    zone: String,
    id: String,
    nodepool: String,
    size: String,
    #[server(default)] evict: Option<Vec<String>>,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Scale).await?;
    let then = format!("/clusters/{zone}/{id}");
    let evict = evict.unwrap_or_default();
    crate::ssr::then_go(
        &then,
        portal::nodepools::scale(&portal, &caller, &zone, &id, &nodepool, &size, evict).await,
    )
}

/// Deletes a nodepool and its instances.
#[server(endpoint = "delete_nodepool")]
pub async fn delete_nodepool(zone: String, id: String, nodepool: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Delete).await?;
    let then = format!("/clusters/{zone}/{id}");
    crate::ssr::then_go(
        &then,
        portal::nodepools::delete(&portal, &caller, &zone, &id, &nodepool).await,
    )
}
