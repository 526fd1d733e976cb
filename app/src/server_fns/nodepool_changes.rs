//! A cluster's nodepools (the Nodepools tab), adding one to a running cluster, and changing
//! one: editing, scaling it up or down — choosing which instances leave, or letting the service
//! choose —, recycling it (every node or one) and deleting it.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

use crate::error::AppError;
use crate::nodepools::{
    ClusterNodepools, NewNodepoolOptions, NodepoolEditOptions, NodepoolScaleInfo,
};
use crate::wizard::ClusterForm;

/// The cluster and every setting of each of its nodepools, for the Nodepools tab.
#[server(endpoint = "get_cluster_nodepools")]
pub async fn get_cluster_nodepools(zone: String, id: String) -> Result<ClusterNodepools, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::nodepools::list(&portal, &caller, &zone, &id).await
}

/// What the add-a-nodepool page offers: the cluster, its pools' names, the zone's choices.
#[server(endpoint = "get_new_nodepool_options")]
pub async fn get_new_nodepool_options(
    zone: String,
    id: String,
) -> Result<NewNodepoolOptions, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
    portal::nodepools::add_options(&portal, &caller, &zone, &id).await
}

/// Adds the nodepool of `form` (its first, the wizard's nodepool step) to a running cluster and
/// sends the browser to the cluster's Nodepools tab, where it comes up live. Refuses bad input
/// with every field named and sends nothing to the API. Without JavaScript a refusal goes back
/// to the form with what was typed.
#[server(endpoint = "add_nodepool")]
pub async fn add_nodepool(zone: String, id: String, form: ClusterForm) -> Result<String, AppError> {
    use portal::accounts::authz::Action;

    let added = async {
        let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
        portal::nodepools::add(&portal, &caller, &zone, &id, &form).await
    };
    match added.await {
        Ok(path) => {
            leptos_axum::redirect(&path);
            Ok(path)
        }
        Err(error) => {
            let page = format!("/clusters/{zone}/{id}/nodepools/new");
            super::create_cluster::back_to_form(&page, AddNodepool::PATH, &form, &error);
            Err(error)
        }
    }
}

/// What the edit page of a nodepool offers: the pool as a form, its siblings' names, the
/// zone's choices.
#[server(endpoint = "get_nodepool_edit_options")]
pub async fn get_nodepool_edit_options(
    zone: String,
    id: String,
    nodepool: String,
) -> Result<NodepoolEditOptions, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
    portal::nodepools::edit_options(&portal, &caller, &zone, &id, &nodepool).await
}

/// Saves an edit of a nodepool (its first pool of `form`): only what changed is sent, emptied
/// lists are reset to the service's default; then the browser goes to the Nodepools tab.
/// Refuses bad input with the field named and changes nothing. Without JavaScript a refusal
/// goes back to the form with what was typed.
#[server(endpoint = "edit_nodepool")]
pub async fn edit_nodepool(
    zone: String,
    id: String,
    nodepool: String,
    form: ClusterForm,
) -> Result<String, AppError> {
    use portal::accounts::authz::Action;

    let saved = async {
        let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
        portal::nodepools::edit(&portal, &caller, &zone, &id, &nodepool, &form).await
    };
    match saved.await {
        Ok(path) => {
            leptos_axum::redirect(&path);
            Ok(path)
        }
        Err(error) => {
            let page = format!("/clusters/{zone}/{id}/nodepools/{nodepool}/edit");
            super::create_cluster::back_to_form(&page, EditNodepool::PATH, &form, &error);
            Err(error)
        }
    }
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

/// Deletes a nodepool and its instances once its name is typed back (`confirm_name`), and sends
/// the browser to the cluster's Nodepools tab.
#[server(endpoint = "delete_nodepool")]
pub async fn delete_nodepool(
    zone: String,
    id: String,
    nodepool: String,
    confirm_name: String,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Delete).await?;
    let then = format!("/clusters/{zone}/{id}/nodepools");
    crate::ssr::then_go(
        &then,
        portal::nodepools::delete(&portal, &caller, &zone, &id, &nodepool, &confirm_name).await,
    )
}

/// Recycles a nodepool on the upgrade plans' engine: every node (`which` = `pool`), `surge`
/// new nodes at a time, or one node (`which` = `node`, `node` its id); sends the browser to the
/// Nodepools tab, where it shows live.
#[server(endpoint = "recycle_nodepool")]
pub async fn recycle_nodepool(
    zone: String,
    id: String,
    nodepool: String,
    which: String,
    #[server(default)] surge: String,
    #[server(default)] node: String,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Scale).await?;
    let then = format!("/clusters/{zone}/{id}/nodepools");
    crate::ssr::then_go(
        &then,
        portal::nodepools::recycle(
            &portal, &caller, &zone, &id, &nodepool, &which, &surge, &node,
        )
        .await,
    )
}
