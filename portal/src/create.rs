//! The server side of the wizard: what the form can offer in a zone ([`choices`]) and the
//! create itself ([`create`]).
//!
//! The create runs [`portal_types::wizard::plan`], the same function the browser runs, so both
//! refuse the same input with the same words, and nothing is created from a refused form. A
//! form is created at most once: its idempotency token is claimed in the portal store first
//! ([`crate::create_requests`]), so a double submit lands on the first submit's cluster.

use std::time::Duration;

use portal_types::error::AppError;
use portal_types::wizard::{
    ClusterForm, CreatePlan, InstanceTypeChoice, NamedChoice, WizardChoices,
};
use sks_api::client::{Client, Error as ClientError};
use sks_api::{CreateSksNodepoolRequest, Operation, ZoneName};

use crate::auth::{Caller, store_failure};
use crate::create_requests::{self, Claim};
use crate::orchestration::{upstream_failure, upstream_unavailable};
use crate::{Portal, now_ms};

/// How long a repeated submit waits for the first one to finish creating.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(30);

/// The zone to offer: the one asked for when the organization uses it, else the default
/// zone, else the first.
fn pick_zone(zones: &[ZoneName], asked: &str) -> Option<ZoneName> {
    zones
        .iter()
        .find(|z| z.as_str() == asked)
        .or_else(|| zones.iter().find(|z| **z == ZoneName::DEFAULT))
        .or_else(|| zones.first())
        .cloned()
}

/// What the form can offer in `asked` (or the default zone), read from the API.
pub async fn choices(
    client: &Client,
    zones: &[ZoneName],
    asked: &str,
) -> Result<WizardChoices, AppError> {
    let zone = pick_zone(zones, asked).ok_or_else(|| {
        AppError::Conflict(
            "this organization uses no zone; an owner can choose zones in Settings".into(),
        )
    })?;
    let (versions, types, security_groups, anti_affinity_groups, private_networks, targets) = tokio::join!(
        client.list_sks_cluster_versions(&zone, false),
        client.list_instance_types(&zone),
        client.list_security_groups(&zone, None),
        client.list_anti_affinity_groups(&zone),
        client.list_private_networks(&zone),
        client.list_deploy_targets(&zone),
    );
    let named = |id: Option<uuid::Uuid>, name: Option<String>| {
        let id = id?.to_string();
        Some(NamedChoice {
            name: name.filter(|n| !n.is_empty()).unwrap_or_else(|| id.clone()),
            id,
        })
    };
    let mut instance_types: Vec<InstanceTypeChoice> = types
        .map_err(upstream_unavailable)?
        .into_iter()
        .filter(|t| t.zones.as_ref().is_none_or(|zones| zones.contains(&zone)))
        .filter_map(|t| {
            Some(InstanceTypeChoice {
                id: t.id?.to_string(),
                name: t.display_name()?,
                cpus: t.cpus.unwrap_or_default(),
                memory_bytes: t.memory.unwrap_or_default(),
                gpus: t.gpus.unwrap_or_default(),
                authorized: t.authorized.unwrap_or(true),
            })
        })
        .collect();
    instance_types.sort_by(|a, b| {
        (a.gpus, a.cpus, a.memory_bytes, &a.name).cmp(&(b.gpus, b.cpus, b.memory_bytes, &b.name))
    });
    // Groups and networks are optional extras: a zone that cannot list them still offers
    // the rest of the form.
    let optional = |what: &str, result: Result<Vec<NamedChoice>, ClientError>| {
        result.unwrap_or_else(|error| {
            tracing::warn!(%zone, %error, "cannot list {what}");
            vec![]
        })
    };
    Ok(WizardChoices {
        token: uuid::Uuid::new_v4().simple().to_string(),
        zone: zone.to_string(),
        zones: zones.iter().map(|z| z.to_string()).collect(),
        versions: versions.map_err(upstream_unavailable)?,
        instance_types,
        security_groups: optional(
            "security groups",
            security_groups.map(|l| l.into_iter().filter_map(|g| named(g.id, g.name)).collect()),
        ),
        anti_affinity_groups: optional(
            "anti-affinity groups",
            anti_affinity_groups
                .map(|l| l.into_iter().filter_map(|g| named(g.id, g.name)).collect()),
        ),
        private_networks: optional(
            "private networks",
            private_networks.map(|l| l.into_iter().filter_map(|n| named(n.id, n.name)).collect()),
        ),
        deploy_targets: optional(
            "deploy targets",
            targets.map(|l| {
                l.into_iter()
                    .filter_map(|t| named(Some(t.id), t.name))
                    .collect()
            }),
        ),
    })
}

/// The cluster's page.
fn detail(zone: &str, id: &str) -> String {
    format!("/clusters/{zone}/{id}")
}

/// Creates the cluster `form` describes for `caller` (allowed to create), then its nodepools;
/// the answer is the address of the cluster's page. Refuses an invalid form with every field
/// error and creates nothing; a second submit of the same form (same token) creates nothing
/// either and answers the first submit's cluster.
pub async fn create(
    portal: &Portal,
    caller: &Caller,
    form: &ClusterForm,
) -> Result<String, AppError> {
    let org = caller.org_id()?;
    let (client, zones) = crate::orchestration::client_for(portal, org).await?;
    let choices = choices(&client, &zones, &form.zone).await?;
    let plan = portal_types::wizard::plan(form, &choices)
        .map_err(|fields| AppError::Validation { fields })?;
    let token = match form.token.trim() {
        // A form without a token (a hand-made post) is created once per submit.
        "" => uuid::Uuid::new_v4().simple().to_string(),
        token => token.to_owned(),
    };

    let started = tokio::time::Instant::now();
    loop {
        match create_requests::claim(&portal.store, &token, org, &plan.zone, now_ms())
            .await
            .map_err(store_failure)?
        {
            Claim::Won => break,
            Claim::Created { zone, cluster_id } => return Ok(detail(&zone, &cluster_id)),
            Claim::Foreign => {
                return Err(AppError::Conflict(
                    "this form belongs to another organization; open the create page again".into(),
                ));
            }
            Claim::InProgress if started.elapsed() < WAIT_FOR_FIRST => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Claim::InProgress => {
                return Err(AppError::Conflict(
                    "this form is still being created by an earlier submit; the cluster \
                     list shows it once it exists"
                        .into(),
                ));
            }
        }
    }

    match create_claimed(portal, caller, &client, &plan, &token).await {
        Ok(path) => Ok(path),
        Err(error) => {
            if let Err(e) = create_requests::release(&portal.store, &token).await {
                tracing::error!(%e, "cannot release a create request");
            }
            portal
                .audit(
                    caller,
                    "cluster.create",
                    Some(&format!("{} in {}", plan.cluster.name, plan.zone)),
                    "failure",
                    None,
                )
                .await;
            Err(error)
        }
    }
}

/// The operation's resource id: at once when the operation names it, else once it does.
async fn resource_id(
    client: &Client,
    zone: &ZoneName,
    operation: &Operation,
) -> Result<uuid::Uuid, AppError> {
    let mut current = operation.clone();
    for _ in 0..60 {
        if let Some(id) = current.reference.as_ref().and_then(|r| r.id) {
            return Ok(id);
        }
        if current.is_done() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let id = current
            .id
            .ok_or_else(|| upstream_unavailable("an operation without an id"))?;
        current = client
            .get_operation(zone, id)
            .await
            .map_err(upstream_unavailable)?;
    }
    Err(upstream_unavailable(format!(
        "operation {:?} never named the cluster it creates",
        current.id
    )))
}

/// Creates the cluster of a claimed form and its nodepools. Nodepools the API does not
/// accept yet (a cluster still being created, on some services) are added by a background
/// task once the cluster is up; its outcome goes to the activity log.
async fn create_claimed(
    portal: &Portal,
    caller: &Caller,
    client: &Client,
    plan: &CreatePlan,
    token: &str,
) -> Result<String, AppError> {
    let zone = ZoneName::from_wire(&plan.zone);
    let operation = client
        .create_sks_cluster(&zone, &plan.cluster)
        .await
        .map_err(|e| upstream_failure(e, &format!("zone {}", plan.zone)))?;
    let id = resource_id(client, &zone, &operation).await?;
    create_requests::complete(&portal.store, token, &id.to_string())
        .await
        .map_err(store_failure)?;
    // Under the cluster's audit target, so its Activity tab shows how it began.
    let target = format!(
        "{} ({})",
        crate::orchestration::cluster_target(&plan.zone, &id.to_string()),
        plan.cluster.name
    );
    let operation_id = operation.id.map(|o| o.to_string());
    portal
        .audit(
            caller,
            "cluster.create",
            Some(&target),
            "success",
            operation_id.as_deref(),
        )
        .await;

    let mut pools = plan.nodepools.iter();
    for pool in pools.by_ref() {
        match client.create_sks_nodepool(&zone, id, pool).await {
            Ok(op) => {
                let op = op.id.map(|o| o.to_string());
                portal
                    .audit(
                        caller,
                        "nodepool.create",
                        Some(&format!("{target} nodepool {}", pool.name)),
                        "success",
                        op.as_deref(),
                    )
                    .await;
            }
            Err(error) => {
                tracing::info!(%error, cluster = %id, "nodepools wait for the cluster");
                let rest: Vec<CreateSksNodepoolRequest> =
                    std::iter::once(pool).chain(pools).cloned().collect();
                later(
                    portal,
                    caller,
                    client,
                    zone.clone(),
                    operation,
                    id,
                    rest,
                    target,
                );
                break;
            }
        }
    }
    if let Ok(org) = caller.org_id() {
        // The organization's list shows the new cluster at once.
        portal.live.poke(org, &plan.zone, &id.to_string());
    }
    Ok(detail(&plan.zone, &id.to_string()))
}

/// Adds `pool` to cluster `id`, riding out outages of the API. A create is not sent twice
/// blindly: after a failed try the cluster is read, and a nodepool of that name there means
/// the try got through (its answer was lost). The operation's id when this call started it.
async fn add_nodepool(
    client: &Client,
    zone: &ZoneName,
    id: uuid::Uuid,
    pool: &CreateSksNodepoolRequest,
) -> Result<Option<String>, ClientError> {
    use crate::orchestration::{OUTAGE_PATIENCE, ride_out};
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match client.create_sks_nodepool(zone, id, pool).await {
            Ok(operation) => return Ok(operation.id.map(|o| o.to_string())),
            Err(error) if error.is_outage() && started.elapsed() < OUTAGE_PATIENCE => {
                tracing::warn!(%error, cluster = %id, pool = %pool.name, "orchestration API out; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
                let cluster =
                    ride_out("reading a new cluster", || client.get_sks_cluster(zone, id)).await?;
                let added = cluster
                    .nodepools
                    .unwrap_or_default()
                    .iter()
                    .any(|p| p.name.as_deref() == Some(pool.name.as_str()));
                if added {
                    return Ok(None);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// Adds `pools` to cluster `id` once its create operation has succeeded, in a task that
/// outlives the request; each outcome is written to the activity log.
#[allow(clippy::too_many_arguments)]
fn later(
    portal: &Portal,
    caller: &Caller,
    client: &Client,
    zone: ZoneName,
    operation: Operation,
    id: uuid::Uuid,
    pools: Vec<CreateSksNodepoolRequest>,
    target: String,
) {
    let (portal, caller, client) = (portal.clone(), caller.clone(), client.clone());
    tokio::spawn(async move {
        let options = crate::orchestration::background_wait();
        let ready = client.wait(&zone, &operation, &options).await;
        for pool in pools {
            let (outcome, operation_id) = match &ready {
                Err(error) => {
                    tracing::warn!(%error, cluster = %id, "cluster create failed; nodepool not added");
                    ("failure", None::<String>)
                }
                Ok(_) => match add_nodepool(&client, &zone, id, &pool).await {
                    Ok(op) => ("success", op),
                    Err(error) => {
                        tracing::warn!(%error, cluster = %id, pool = %pool.name, "cannot add nodepool");
                        ("failure", None)
                    }
                },
            };
            portal
                .audit(
                    &caller,
                    "nodepool.create",
                    Some(&format!("{target} nodepool {}", pool.name)),
                    outcome,
                    operation_id.as_deref(),
                )
                .await;
        }
    });
}
