//! Reading clusters from the orchestration API into the shapes the pages show.
//!
//! The server functions and the live hub's watchers both build their data here, so a page
//! rendered on the server and a snapshot pushed over the live stream are the same data.

use sks_api::ZoneName;
use sks_api::client::{Client, Error as ClientError};

use portal_types::clusters::{
    ClusterDetail, ClusterList, ClusterQuery, ClusterRow, InstanceDetail, NodepoolDetail,
    ZoneFailure, select, version_key,
};
use portal_types::error::AppError;

use crate::Portal;
use crate::orchestration::{upstream_failure, upstream_unavailable};

/// Every zone's clusters, with node counts from their instance pools; zones at once. A zone that
/// does not answer in full (its cluster list, or any of its instance pools) is reported in the
/// failures with none of its rows: a part read is not shown as nodes gone.
pub async fn list_rows(client: &Client, zones: &[ZoneName]) -> (Vec<ClusterRow>, Vec<ZoneFailure>) {
    let mut tasks = tokio::task::JoinSet::new();
    for zone in zones {
        let (client, zone) = (client.clone(), zone.clone());
        tasks.spawn(async move {
            let rows = zone_rows(&client, &zone).await;
            (zone, rows)
        });
    }
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((zone, result)) = joined else { continue };
        match result {
            Ok(zone_rows) => rows.extend(zone_rows),
            Err(error) => {
                tracing::warn!(%zone, %error, "cannot list clusters");
                failures.push(ZoneFailure {
                    zone: zone.to_string(),
                    message: error.to_string(),
                });
            }
        }
    }
    failures.sort_by(|a, b| a.zone.cmp(&b.zone));
    (rows, failures)
}

/// Like [`list_rows`], but `Unavailable` when not one zone answered (there is nothing to show
/// beside the failures).
pub async fn list_answered(
    client: &Client,
    zones: &[ZoneName],
) -> Result<(Vec<ClusterRow>, Vec<ZoneFailure>), AppError> {
    let (rows, failures) = list_rows(client, zones).await;
    if !zones.is_empty() && failures.len() == zones.len() {
        let first = failures.first().map(|f| f.message.as_str());
        return Err(upstream_unavailable(first.unwrap_or_default()));
    }
    Ok((rows, failures))
}

/// The rows of one zone, or the first error reading them.
async fn zone_rows(client: &Client, zone: &ZoneName) -> Result<Vec<ClusterRow>, ClientError> {
    let mut rows = Vec::new();
    for cluster in client.list_sks_clusters(zone).await? {
        rows.push(row(client, zone, cluster).await?);
    }
    Ok(rows)
}

async fn row(
    client: &Client,
    zone: &ZoneName,
    cluster: sks_api::SksCluster,
) -> Result<ClusterRow, ClientError> {
    let nodepools = cluster.nodepools.clone().unwrap_or_default();
    let desired = nodepools.iter().filter_map(|n| n.size).sum();
    let mut running = 0;
    for pool in nodepools.iter().filter_map(|n| n.instance_pool) {
        running += instances(client, zone, pool.id)
            .await?
            .iter()
            .filter(|i| i.state == Some(sks_api::InstanceState::Running))
            .count() as i64;
    }
    Ok(ClusterRow {
        id: cluster.id.map(|id| id.to_string()).unwrap_or_default(),
        name: cluster.name.unwrap_or_default(),
        zone: zone.to_string(),
        version: cluster.version.unwrap_or_default(),
        level: cluster.level.map(|l| l.to_string()).unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        nodepools: nodepools.len(),
        nodes_running: running,
        nodes_desired: desired,
        created_at: cluster.created_at.unwrap_or_default(),
        labels: cluster.labels.unwrap_or_default(),
    })
}

/// The instances of an instance pool; none when the pool is gone (its nodepool was deleted
/// between the two reads). Any other failure is an error: the caller did not read it all.
async fn instances(
    client: &Client,
    zone: &ZoneName,
    pool: uuid::Uuid,
) -> Result<Vec<sks_api::InstanceRef>, ClientError> {
    match client.get_instance_pool(zone, pool).await {
        Ok(pool) => Ok(pool.instances.unwrap_or_default()),
        Err(error) if error.is_not_found() => Ok(vec![]),
        Err(other) => Err(other),
    }
}

/// One cluster with its nodepools and their instances. `NotFound` when the zone is not one of
/// `zones`, the id is not a cluster id, or the API does not know it (for these credentials:
/// another organization's cluster is not found either); `Unavailable` when the API fails,
/// for any of the reads (a part read is not shown as instances gone).
pub async fn cluster_detail(
    client: &Client,
    zones: &[ZoneName],
    zone: &str,
    id: &str,
) -> Result<ClusterDetail, AppError> {
    let not_found = || AppError::NotFound(format!("cluster {id} in {zone}"));
    let zone_name = ZoneName::from_wire(zone);
    if !zones.contains(&zone_name) {
        return Err(not_found());
    }
    let uuid = id.parse().map_err(|_| not_found())?;
    let cluster = client
        .get_sks_cluster(&zone_name, uuid)
        .await
        .map_err(|e| upstream_failure(e, &format!("cluster {id} in {zone}")))?;
    describe(client, &zone_name, cluster).await
}

/// A cluster already read, with the instances of its nodepools and the names of their
/// instance types; `Unavailable` when any of these reads fails (a part read is not shown as
/// instances gone).
pub async fn describe(
    client: &Client,
    zone_name: &ZoneName,
    cluster: sks_api::SksCluster,
) -> Result<ClusterDetail, AppError> {
    let zone = zone_name.as_str();
    let types = client
        .list_instance_types(zone_name)
        .await
        .map_err(upstream_unavailable)?;
    let type_name = |id: Option<uuid::Uuid>| -> String {
        let Some(id) = id else { return String::new() };
        types
            .iter()
            .find(|t| t.id == Some(id))
            .and_then(|t| t.display_name())
            .unwrap_or_else(|| id.to_string())
    };
    let gpus = |id: Option<uuid::Uuid>| -> i64 {
        id.and_then(|id| types.iter().find(|t| t.id == Some(id)))
            .and_then(|t| t.gpus)
            .unwrap_or_default()
    };
    let mut nodepools = Vec::new();
    for pool in cluster.nodepools.clone().unwrap_or_default() {
        let instances = match pool.instance_pool {
            Some(reference) => instances(client, zone_name, reference.id)
                .await
                .map_err(upstream_unavailable)?
                .into_iter()
                .map(|i| InstanceDetail {
                    id: i.id.to_string(),
                    name: i.name.unwrap_or_else(|| i.id.to_string()),
                    state: i.state.map(|s| s.to_string()).unwrap_or_default(),
                    public_ip: i.public_ip,
                })
                .collect(),
            None => vec![],
        };
        nodepools.push(NodepoolDetail {
            id: pool.id.map(|i| i.to_string()).unwrap_or_default(),
            name: pool.name.unwrap_or_default(),
            state: pool.state.map(|s| s.to_string()).unwrap_or_default(),
            size: pool.size.unwrap_or_default(),
            instance_type: type_name(pool.instance_type.map(|r| r.id)),
            gpus: gpus(pool.instance_type.map(|r| r.id)),
            disk_size: pool.disk_size.unwrap_or_default(),
            version: pool.version.unwrap_or_default(),
            instances,
            labels: pool.labels.unwrap_or_default().into_iter().collect(),
            taints: pool
                .taints
                .unwrap_or_default()
                .into_iter()
                .map(|(key, taint)| format!("{key}={}:{}", taint.value, taint.effect))
                .collect(),
            security_groups: pool.security_groups.map_or(0, |g| g.len()),
            private_networks: pool.private_networks.map_or(0, |n| n.len()),
            anti_affinity_groups: pool.anti_affinity_groups.map_or(0, |g| g.len()),
        });
    }
    Ok(ClusterDetail {
        id: cluster.id.map(|i| i.to_string()).unwrap_or_default(),
        name: cluster.name.unwrap_or_default(),
        description: cluster.description.filter(|d| !d.is_empty()),
        zone: zone.to_owned(),
        version: cluster.version.unwrap_or_default(),
        level: cluster.level.map(|l| l.to_string()).unwrap_or_default(),
        state: cluster.state.map(|s| s.to_string()).unwrap_or_default(),
        endpoint: cluster.endpoint,
        cni: cluster.cni.map(|c| c.to_string()),
        addons: cluster
            .addons
            .unwrap_or_default()
            .iter()
            .map(|a| a.to_string())
            .collect(),
        labels: cluster.labels.unwrap_or_default().into_iter().collect(),
        auto_upgrade: cluster.auto_upgrade.unwrap_or(false),
        created_at: cluster.created_at.unwrap_or_default(),
        nodepools,
    })
}

/// `caller`'s organization's clusters in every zone it uses, filtered, sorted and paged by
/// `query`, with the values each filter can take. A zone that cannot be reached does not fail
/// the list: its failure is reported beside the clusters of the zones that answered. When no
/// zone answers, the list is `Unavailable` (503), not an empty list.
pub async fn list(
    portal: &Portal,
    caller: &crate::auth::Caller,
    query: &ClusterQuery,
) -> Result<ClusterList, AppError> {
    let org = caller.org_id()?;
    let (client, zones) = crate::orchestration::client_for(portal, org).await?;
    let (all, failures) = list_answered(&client, &zones).await?;

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
    let selector_error = portal_types::clusters::selector_of(query)
        .err()
        .map(|why| format!("The label selector is not valid: {why}."));
    let (rows, matching, page, pages) = select(all, query);
    Ok(ClusterList {
        selector_error,
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

/// One cluster of `caller`'s organization, with its nodepools and their instances.
pub async fn detail(
    portal: &Portal,
    caller: &crate::auth::Caller,
    zone: &str,
    id: &str,
) -> Result<ClusterDetail, AppError> {
    let org = caller.org_id()?;
    let (client, zones) = crate::orchestration::client_for(portal, org).await?;
    cluster_detail(&client, &zones, zone, id).await
}
