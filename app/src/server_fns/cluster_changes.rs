//! Changing a cluster: its settings (name, description, labels, auto-upgrade, add-ons), its
//! service level (starter → pro), and deleting it — its nodepools first when it has some.

use leptos::prelude::*;

use crate::clusters::ClusterSettings;
#[cfg(feature = "ssr")]
use crate::clusters::LATE_ADDONS;
use crate::error::AppError;

/// The cluster's settings.
#[server(endpoint = "get_cluster_settings")]
pub async fn get_cluster_settings(zone: String, id: String) -> Result<ClusterSettings, AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::{Action, permits};
    use portal::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Read).await?;
    let (org, _, role) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let cluster = scope
        .client
        .get_sks_cluster(&scope.zone, scope.id)
        .await
        .map_err(|e| upstream_failure(e, &format!("cluster {id} in {zone}")))?;
    let labels = cluster.labels.unwrap_or_default();
    Ok(ClusterSettings {
        name: cluster.name.unwrap_or_default(),
        description: cluster.description.unwrap_or_default(),
        labels: crate::labels::format_labels(&labels),
        auto_upgrade: cluster.auto_upgrade.unwrap_or(false),
        level: cluster.level.map(|l| l.to_string()).unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        addons: cluster
            .addons
            .unwrap_or_default()
            .iter()
            .map(|a| a.to_string())
            .collect(),
        nodepools: cluster
            .nodepools
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.name.unwrap_or_default(), p.size.unwrap_or_default()))
            .collect(),
        may_change: permits(role, Action::Create),
        may_upgrade: permits(role, Action::Upgrade),
        may_delete: permits(role, Action::Delete),
    })
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
    use crate::error::FieldError;
    use crate::ssr::auth::require;
    use portal::accounts::authz::Action;
    use portal::orchestration::{Change, cluster_scope, conclude};
    use sks_api::validate::Validate;
    use sks_api::{ClusterAddon, UpdateSksClusterRequest};

    let caller = require(Action::Create).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let cluster = scope.cluster().await?;

    let mut fields = Vec::new();
    let labels = match crate::labels::parse_labels(&labels) {
        Ok(labels) => Some(labels),
        Err(message) => {
            fields.push(FieldError::new("labels", message));
            None
        }
    };
    let wanted = addons.unwrap_or_default();
    if let Some(unknown) = wanted
        .iter()
        .find(|a| !LATE_ADDONS.iter().any(|(name, _, _)| name == a))
    {
        fields.push(FieldError::new(
            "addons",
            format!(
                "{unknown:?} cannot be turned on here; choose among: {}.",
                LATE_ADDONS.map(|(name, _, _)| name).join(", ")
            ),
        ));
    }
    let mut addons = cluster.addons.clone().unwrap_or_default();
    for addon in [
        ClusterAddon::ExoscaleContainerStorageInterface,
        ClusterAddon::Karpenter,
    ] {
        let wanted = wanted.iter().any(|a| a == addon.as_str());
        match (wanted, addons.contains(&addon)) {
            (true, false) => addons.push(addon),
            (false, true) => addons.retain(|a| *a != addon),
            _ => {}
        }
    }
    let has = |a: &ClusterAddon| addons.contains(a);
    if has(&ClusterAddon::ExoscaleContainerStorageInterface)
        && !has(&ClusterAddon::ExoscaleCloudController)
    {
        fields.push(FieldError::new(
            "addons",
            "Storage needs the cloud controller, which can only be chosen when a cluster is created.",
        ));
    }
    if has(&ClusterAddon::Karpenter) {
        if cluster.level != Some(sks_api::Level::Pro) {
            fields.push(FieldError::new(
                "addons",
                "Karpenter needs the pro level: upgrade the service level first.",
            ));
        } else if !has(&ClusterAddon::ExoscaleCloudController) {
            fields.push(FieldError::new(
                "addons",
                "Karpenter needs the cloud controller, which can only be chosen when a cluster is created.",
            ));
        }
    }
    let request = UpdateSksClusterRequest {
        name: Some(name.trim().to_owned()),
        description: Some(description.trim().to_owned()),
        labels,
        auto_upgrade: Some(auto_upgrade.is_some()),
        addons: (Some(&addons) != cluster.addons.as_ref()).then_some(addons),
        ..UpdateSksClusterRequest::default()
    };
    if let Err(invalid) = request.validate() {
        fields.extend(invalid.0.into_iter().map(|f| {
            let message = if f.field == "name" && name.trim().is_empty() {
                "Enter a name (1 to 255 characters).".to_owned()
            } else {
                f.message
            };
            FieldError::new(f.field, message)
        }));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let result = scope
        .client
        .update_sks_cluster(&scope.zone, scope.id, &request)
        .await;
    let change = Change {
        action: "cluster.update",
        target: scope.target(),
        what: scope.what.clone(),
    };
    let then = format!("/clusters/{zone}/{id}/settings?saved=1");
    crate::ssr::then_go(
        &then,
        conclude(&crate::ssr::portal()?, &caller, &scope, change, result).await,
    )
}

/// Moves a starter cluster to the pro level (there is no way back).
#[server(endpoint = "upgrade_service_level")]
pub async fn upgrade_service_level(zone: String, id: String) -> Result<(), AppError> {
    use crate::ssr::auth::require;
    use portal::accounts::authz::Action;
    use portal::orchestration::{Change, cluster_scope, conclude};

    let caller = require(Action::Upgrade).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
    let result = scope
        .client
        .upgrade_sks_cluster_service_level(&scope.zone, scope.id)
        .await;
    let change = Change {
        action: "cluster.level-pro",
        target: scope.target(),
        what: scope.what.clone(),
    };
    let then = format!("/clusters/{zone}/{id}/settings");
    crate::ssr::then_go(
        &then,
        conclude(&crate::ssr::portal()?, &caller, &scope, change, result).await,
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
    use crate::error::FieldError;
    use crate::ssr::auth::{audit, require};
    use portal::accounts::authz::Action;
    use portal::orchestration::{cluster_scope, upstream_failure};

    let caller = require(Action::Delete).await?;
    let (org, _, _) = caller.org()?;
    let state = crate::ssr::portal()?;
    let scope = cluster_scope(&state, org, &zone, &id).await?;
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
    if !nodepools.is_empty() && delete_nodepools.is_none() {
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
        audit(
            &caller,
            "cluster.delete",
            Some(&target),
            "success",
            op.as_deref(),
        )
        .await;
    } else {
        audit(
            &caller,
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
            state.clone(),
            caller.clone(),
            scope,
            nodepools,
        ));
    }
    // Viewers of this cluster and of the list see the change at once.
    state.live.poke(org, &zone, &id);
    if crate::ssr::auth::plain_form_post() {
        leptos_axum::redirect("/clusters");
    }
    Ok(())
}

/// Deletes each nodepool, waits for them to go, then deletes the cluster, riding out outages of
/// the orchestration API meanwhile; every step and any failure is in the audit log.
#[cfg(feature = "ssr")]
async fn delete_in_order(
    state: portal::Portal,
    caller: portal::auth::Caller,
    scope: portal::orchestration::ClusterScope,
    nodepools: Vec<uuid::Uuid>,
) {
    use portal::orchestration::ride_out;
    use sks_api::client::Error;

    let audit =
        |action: &'static str, target: String, outcome: &'static str, op: Option<String>| {
            let (state, caller) = (state.clone(), caller.clone());
            async move {
                state
                    .audit(&caller, action, Some(&target), outcome, op.as_deref())
                    .await
            }
        };
    let target = scope.target();
    let options = portal::orchestration::background_wait();
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
            Err(Error::Api { status: 404, .. }) => Ok(None),
            // Already being deleted (by someone else, or by a first try whose answer an
            // outage swallowed): wait until it is gone.
            Err(Error::Api { status: 409, .. }) => {
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
/// [`OUTAGE_PATIENCE`](portal::orchestration::OUTAGE_PATIENCE).
#[cfg(feature = "ssr")]
async fn nodepool_gone(
    client: &sks_api::client::Client,
    zone: &sks_api::ZoneName,
    id: uuid::Uuid,
    pool: uuid::Uuid,
) -> Result<(), sks_api::client::Error> {
    let started = std::time::Instant::now();
    loop {
        match client.get_sks_nodepool(zone, id, pool).await {
            Err(sks_api::client::Error::Api { status: 404, .. }) => return Ok(()),
            Err(error) if !error.is_outage() => return Err(error),
            _ if started.elapsed() > portal::orchestration::OUTAGE_PATIENCE => {
                return Err(sks_api::client::Error::WaitAbandoned {
                    id: pool.to_string(),
                    reason: "the nodepool was still there after an hour".into(),
                });
            }
            _ => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}
