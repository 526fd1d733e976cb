//! Access to a cluster: kubeconfigs (a client certificate for a user and groups, with a
//! lifetime), the cluster's certificate authorities, and credential rotations.
//!
//! A kubeconfig holds a private key: it goes to the browser that asked and nowhere else — the
//! audit log records who issued one for which user and groups, never the file.

use leptos::prelude::*;

use crate::access::{ClusterAccess, IssuedKubeconfig};
use crate::error::AppError;

/// The Access tab's data: authorities, and which rotations apply.
#[server(endpoint = "get_cluster_access")]
pub async fn get_cluster_access(zone: String, id: String) -> Result<ClusterAccess, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::access::view(&portal, &caller, &zone, &id).await
}

/// Issues a kubeconfig for `user` in `groups` (commas or spaces between them), valid for
/// `ttl_hours`.
#[server(endpoint = "issue_kubeconfig")]
pub async fn issue_kubeconfig(
    zone: String,
    id: String,
    user: String,
    groups: String,
    ttl_hours: String,
) -> Result<IssuedKubeconfig, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::IssueKubeconfig).await?;
    portal::access::issue_kubeconfig(&portal, &caller, &zone, &id, &user, &groups, &ttl_hours).await
}

/// Rotates one set of the cluster's credentials: `operators-ca`, `ccm`, `csi` or `karpenter`.
#[server(endpoint = "rotate_credentials")]
pub async fn rotate_credentials(zone: String, id: String, which: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Upgrade).await?;
    let then = format!("/clusters/{zone}/{id}/access?rotated={which}");
    crate::ssr::then_go(
        &then,
        portal::access::rotate(&portal, &caller, &zone, &id, &which).await,
    )
}

/// Rotates the operators certificate authority of every cluster of the organization, after a
/// member left: kubeconfigs cannot be revoked one by one, and this ends every one issued so far
/// (people who still need access issue new ones). Returns how many clusters were rotated.
#[server(endpoint = "rotate_operators_everywhere")]
pub async fn rotate_operators_everywhere() -> Result<usize, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Upgrade).await?;
    let rotated = portal::access::rotate_operators_everywhere(&portal, &caller).await?;
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect(&format!("/settings?rotated={rotated}"));
    }
    Ok(rotated)
}
