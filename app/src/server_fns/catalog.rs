//! The catalog of blueprints and add-ons: listing, an entry's page, rendering with values,
//! and the difference between two versions. Every member of an organization may read it.

use std::collections::BTreeMap;

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::catalog::KUBECONFIG_USER;
use crate::catalog::{CatalogCluster, CatalogList, EntryDetail, ManifestDiff, Rendered};
use crate::error::AppError;

/// The catalog's entries whose text holds every word of `q`, in `category` when one is given.
#[server(endpoint = "list_catalog")]
pub async fn list_catalog(
    #[server(default)] q: String,
    #[server(default)] category: String,
) -> Result<CatalogList, AppError> {
    let portal = reader().await?;
    let all = portal.catalog.summaries();
    let total = all.len();
    let entries = all
        .into_iter()
        .filter(|e| crate::catalog::matches(e, &q, &category))
        .collect();
    Ok(CatalogList { entries, total })
}

/// One entry: metadata, README, parameters, steps and changelog.
#[server(endpoint = "get_catalog_entry")]
pub async fn get_catalog_entry(name: String) -> Result<EntryDetail, AppError> {
    let portal = reader().await?;
    let entry = find(&portal, &name)?;
    Ok(entry.detail.clone())
}

/// An entry's manifests for a version (empty: the current one) and parameter values (by
/// parameter name; a missing value takes its default). Refused values come back field by
/// field in `errors`.
#[server(endpoint = "render_catalog_entry")]
pub async fn render_catalog_entry(
    name: String,
    #[server(default)] version: String,
    #[server(default)] values: BTreeMap<String, String>,
) -> Result<Rendered, AppError> {
    let portal = reader().await?;
    let entry = find(&portal, &name)?;
    entry
        .render(Some(&version), &values)
        .map_err(|e| render_failure(&name, e))
}

/// The difference of an entry's output from version `from` to version `to` for the same values.
#[server(endpoint = "diff_catalog_entry")]
pub async fn diff_catalog_entry(
    name: String,
    from: String,
    to: String,
    #[server(default)] values: BTreeMap<String, String>,
) -> Result<ManifestDiff, AppError> {
    let portal = reader().await?;
    let entry = find(&portal, &name)?;
    entry
        .diff(&from, &to, &values)
        .map_err(|e| render_failure(&name, e))
}

/// The organization's cluster `id` in `zone`, for the install commands of an entry.
#[server(endpoint = "get_catalog_cluster")]
pub async fn get_catalog_cluster(zone: String, id: String) -> Result<CatalogCluster, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    let org = caller.org_id()?;
    let (client, zones) = portal::orchestration::client_for(&portal, org).await?;
    let detail = portal::clusters::cluster_detail(&client, &zones, &zone, &id).await?;
    Ok(CatalogCluster {
        kubeconfig_file: crate::access::kubeconfig_file_name(&detail.name, KUBECONFIG_USER),
        facts: detail.catalog_facts(),
        zone: detail.zone,
        id: detail.id,
        name: detail.name,
    })
}

/// The application state, for a signed-in member of an organization.
#[cfg(feature = "ssr")]
async fn reader() -> Result<portal::Portal, AppError> {
    let (portal, _) = crate::ssr::portal_for(portal::accounts::authz::Action::Read).await?;
    Ok(portal)
}

#[cfg(feature = "ssr")]
fn find<'a>(state: &'a portal::Portal, name: &str) -> Result<&'a portal::catalog::Entry, AppError> {
    state
        .catalog
        .get(name)
        .ok_or_else(|| AppError::NotFound(format!("catalog entry {name}")))
}

/// A version that does not exist is the caller's mistake; anything else failing to render is
/// ours (the load-time checks should have caught it).
#[cfg(feature = "ssr")]
fn render_failure(name: &str, reason: String) -> AppError {
    if reason.contains(" has no version ") {
        return AppError::Validation {
            fields: vec![crate::error::FieldError::new("version", reason)],
        };
    }
    tracing::error!(entry = name, %reason, "a catalog entry failed to render");
    AppError::Internal(format!("the catalog entry {name} could not be rendered"))
}
