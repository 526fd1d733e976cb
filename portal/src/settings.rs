//! A cluster's settings (name, description, labels, auto-upgrade, the add-ons that can be
//! turned on later) and its service level (starter → pro).

use portal_types::clusters::{ClusterSettings, LATE_ADDONS};
use portal_types::error::{AppError, FieldError};
use sks_api::validate::Validate;
use sks_api::{ClusterAddon, UpdateSksClusterRequest};

use crate::Portal;
use crate::accounts::authz::{Action, permits};
use crate::auth::Caller;
use crate::orchestration::{Change, cluster_scope, conclude};

/// What the settings form sends.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub name: String,
    pub description: String,
    /// `key=value` pairs, one per line or comma-separated.
    pub labels: String,
    pub auto_upgrade: bool,
    /// The add-ons among [`LATE_ADDONS`] to have on (those absent go off).
    pub addons: Vec<String>,
}

/// The cluster's settings, and what `caller` may change.
pub async fn settings(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterSettings, AppError> {
    let role = caller.org()?.role;
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let cluster = scope.cluster().await?;
    let labels = cluster.labels.unwrap_or_default();
    let protected_by = crate::protection::protected_by(
        &portal.store,
        caller.org_id()?,
        scope.zone.as_str(),
        &scope.id.to_string(),
    )
    .await
    .map_err(crate::auth::store_failure)?
    .map(|(by, _)| by);
    Ok(ClusterSettings {
        protected_by,
        name: cluster.name.unwrap_or_default(),
        description: cluster.description.unwrap_or_default(),
        labels: portal_types::labels::format_labels(&labels),
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

/// Saves the cluster's name, description, labels, auto-upgrade and late add-ons.
pub async fn update(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
    form: SettingsForm,
) -> Result<(), AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let cluster = scope.cluster().await?;
    let SettingsForm {
        name,
        description,
        labels,
        auto_upgrade,
        addons,
    } = form;

    let mut fields = Vec::new();
    let labels = match portal_types::labels::parse_labels(&labels) {
        Ok(labels) => Some(labels),
        Err(message) => {
            fields.push(FieldError::new("labels", message));
            None
        }
    };
    let wanted = addons;
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
        auto_upgrade: Some(auto_upgrade),
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
    conclude(portal, caller, &scope, change, result).await
}

/// Moves a starter cluster to the pro level (there is no way back).
pub async fn upgrade_level(
    portal: &Portal,
    caller: &Caller,
    zone: &str,
    id: &str,
) -> Result<(), AppError> {
    let scope = cluster_scope(portal, caller, zone, id).await?;
    let result = scope
        .client
        .upgrade_sks_cluster_service_level(&scope.zone, scope.id)
        .await;
    let change = Change {
        action: "cluster.level-pro",
        target: scope.target(),
        what: scope.what.clone(),
    };
    conclude(portal, caller, &scope, change, result).await
}
