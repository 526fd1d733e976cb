//! Changing a cluster: its settings (name, description, labels, auto-upgrade, add-ons), its
//! service level (starter → pro), and deleting it — its nodepools first when it has some.

use leptos::prelude::*;

use crate::clusters::ClusterSettings;
use crate::error::AppError;

/// The cluster's settings.
#[server(endpoint = "get_cluster_settings")]
pub async fn get_cluster_settings(zone: String, id: String) -> Result<ClusterSettings, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    portal::settings::settings(&portal, &caller, &zone, &id).await
}

/// Saves the cluster's name, description, labels, auto-upgrade and the add-ons that can be
/// turned on later (`addons[]` checkboxes among [`crate::clusters::LATE_ADDONS`]: present means on).
#[server(endpoint = "update_cluster")]
pub async fn update_cluster(
    zone: String,
    id: String,
    name: String,
    description: String,
    labels: String,
    #[server(default)] auto_upgrade: Option<String>,
    #[server(default)] addons: Option<Vec<String>>,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Create).await?;
    let form = portal::settings::SettingsForm {
        name,
        description,
        labels,
        auto_upgrade: auto_upgrade.is_some(),
        addons: addons.unwrap_or_default(),
    };
    let then = format!("/clusters/{zone}/{id}/settings?saved=1");
    crate::ssr::then_go(
        &then,
        portal::settings::update(&portal, &caller, &zone, &id, form).await,
    )
}

/// Moves a starter cluster to the pro level (there is no way back).
#[server(endpoint = "upgrade_service_level")]
pub async fn upgrade_service_level(zone: String, id: String) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Upgrade).await?;
    let then = format!("/clusters/{zone}/{id}/settings");
    crate::ssr::then_go(
        &then,
        portal::settings::upgrade_level(&portal, &caller, &zone, &id).await,
    )
}

/// Turns deletion protection of a cluster on (`on` = `true`) or off; admins and owners only,
/// audited. While it is on, `delete_cluster` refuses.
#[server(endpoint = "set_deletion_protection")]
pub async fn set_deletion_protection(zone: String, id: String, on: bool) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Delete).await?;
    let then = format!("/clusters/{zone}/{id}/settings");
    crate::ssr::then_go(
        &then,
        portal::protection::set(&portal, &caller, &zone, &id, on).await,
    )
}

/// Deletes a cluster once its name is typed back. With nodepools, `delete_nodepools` must be
/// ticked: they are deleted first, then the cluster, in a task that outlives the request (the
/// list shows the progress; failures land in the activity log).
#[server(endpoint = "delete_cluster")]
pub async fn delete_cluster(
    zone: String,
    id: String,
    confirm_name: String,
    #[server(default)] delete_nodepools: Option<String>,
) -> Result<(), AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Delete).await?;
    portal::delete::delete_cluster(
        &portal,
        &caller,
        &zone,
        &id,
        &confirm_name,
        delete_nodepools.is_some(),
    )
    .await?;
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect("/clusters");
    }
    Ok(())
}
