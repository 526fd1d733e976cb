//! Nodepools: create, get, update, delete, reset a field, scale, evict named instances; and the
//! instance pool behind each one.
//!
//! What an update changes, where the spec is silent (chosen as Exoscale's instance pools
//! behave): a nodepool's nodes are made from its template, so every field of
//! `update-sks-nodepool` but `name` and `description` (instance type, disk size, labels,
//! taints, groups, networks, deploy target, prefix, public IP, kubelet settings) reaches only
//! the instances created after it; running instances keep what they were made with until they
//! are evicted or replaced. `reset-sks-nodepool-field` empties a list or clears a field (the
//! service's default), with the same reach. Taints and the prefix have no reset: an empty set
//! of taints is sent as an update.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use sks_api::validate::Validate;
use sks_api::{
    CreateSksNodepoolRequest, EvictSksNodepoolMembersRequest, InstancePool, NodepoolAddon,
    NodepoolResetField, Operation, PublicIpAssignment, Ref, ScaleSksNodepoolRequest, SksNodepool,
    UpdateSksNodepoolRequest,
};
use uuid::Uuid;

use super::clusters::{MAX_NODEPOOLS, find};
use super::network::{ANTI_AFFINITY_GROUP, DEPLOY_TARGET, PRIVATE_NETWORK, SECURITY_GROUP};
use super::{
    ApiError, ApiResult, ApiState, Tenant, Valid, Zone, accepted, decode, new_operation, parse_id,
    render,
};
use crate::model::{
    ClusterRecord, InstancePhase, NodepoolRecord, NodepoolSpec, ResourceKind, catalog, now_ms,
};

/// Smallest disk the `storage-lvm` add-on works with, GiB.
const LVM_MIN_DISK: i64 = 100;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v2/sks-cluster/{id}/nodepool", post(create))
        .route(
            "/v2/sks-cluster/{id}/nodepool/{nodepool}",
            get(show).put(change).delete(remove),
        )
        .route(
            "/v2/sks-cluster/{id}/nodepool/{nodepool}/{field}",
            delete(reset_field),
        )
        .route("/v2/instance-pool/{id}", get(instance_pool))
}

async fn find_nodepool(
    state: &ApiState,
    cluster: &ClusterRecord,
    id: &str,
) -> ApiResult<NodepoolRecord> {
    let id = parse_id("nodepool", id)?;
    state
        .store
        .nodepools(cluster.id)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(|| ApiError::not_found("nodepool", id))
}

/// Checks that referenced resources exist for the tenant in the zone.
async fn check_refs(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    kind: &str,
    field: &str,
    refs: &[Ref],
) -> ApiResult<()> {
    for (i, reference) in refs.iter().enumerate() {
        if state
            .store
            .resource(tenant.0, zone.0.as_str(), kind, reference.id)
            .await?
            .is_none()
        {
            return Err(ApiError::bad_request(format!(
                "invalid request: {field}[{i}]: {kind} {} not found in {}",
                reference.id, zone.0
            )));
        }
    }
    Ok(())
}

async fn check_instance_type(zone: &Zone, id: Uuid) -> ApiResult<()> {
    let Some(instance_type) = catalog::instance_type(id) else {
        return Err(ApiError::bad_request(format!(
            "invalid request: instance-type.id: no instance type {id}"
        )));
    };
    let offered = instance_type
        .zones
        .as_ref()
        .is_some_and(|zones| zones.contains(&zone.0));
    if !offered {
        return Err(ApiError::bad_request(format!(
            "invalid request: instance-type.id: {} is not offered in {}",
            instance_type.display_name().unwrap_or_default(),
            zone.0
        )));
    }
    Ok(())
}

/// The checks create and update share: references exist, the instance type is offered.
#[allow(clippy::too_many_arguments)]
async fn check_nodepool_refs(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    instance_type: Option<Uuid>,
    security_groups: Option<&[Ref]>,
    private_networks: Option<&[Ref]>,
    anti_affinity_groups: Option<&[Ref]>,
    deploy_target: Option<&Ref>,
) -> ApiResult<()> {
    if let Some(id) = instance_type {
        check_instance_type(zone, id).await?;
    }
    let lists = [
        (SECURITY_GROUP, "security-groups", security_groups),
        (PRIVATE_NETWORK, "private-networks", private_networks),
        (
            ANTI_AFFINITY_GROUP,
            "anti-affinity-groups",
            anti_affinity_groups,
        ),
    ];
    for (kind, field, refs) in lists {
        if let Some(refs) = refs {
            check_refs(state, tenant, zone, kind, field, refs).await?;
        }
    }
    if let Some(target) = deploy_target {
        check_refs(
            state,
            tenant,
            zone,
            DEPLOY_TARGET,
            "deploy-target",
            &[*target],
        )
        .await
        .map_err(|_| {
            ApiError::bad_request(format!(
                "invalid request: deploy-target.id: deploy target {} not found in {}",
                target.id, zone.0
            ))
        })?;
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<CreateSksNodepoolRequest>,
) -> ApiResult<Json<Operation>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    if cluster.spec.deleting {
        return Err(ApiError::conflict(format!(
            "cluster {} is being deleted",
            cluster.id
        )));
    }
    let existing = state.store.nodepools(cluster.id).await?;
    if existing.len() >= MAX_NODEPOOLS {
        return Err(ApiError::bad_request(format!(
            "cluster {} already has the most nodepools allowed ({MAX_NODEPOOLS})",
            cluster.id
        )));
    }
    check_nodepool_refs(
        &state,
        tenant,
        &zone,
        Some(request.instance_type.id),
        request.security_groups.as_deref(),
        request.private_networks.as_deref(),
        request.anti_affinity_groups.as_deref(),
        request.deploy_target.as_ref(),
    )
    .await?;
    let addons = request.addons.unwrap_or_default();
    if addons.contains(&NodepoolAddon::StorageLvm) && request.disk_size < LVM_MIN_DISK {
        return Err(ApiError::bad_request(format!(
            "invalid request: disk-size: the storage-lvm add-on needs at least {LVM_MIN_DISK} GiB"
        )));
    }
    // The cluster's default security group goes on every nodepool, as upstream.
    let mut security_groups = request.security_groups.unwrap_or_default();
    if let Some(default) = cluster.spec.default_security_group_id
        && !security_groups.iter().any(|r| r.id == default)
    {
        security_groups.push(Ref::from(default));
    }
    let spec = NodepoolSpec {
        name: request.name,
        description: request.description,
        size: request.size,
        disk_size: request.disk_size,
        instance_type: request.instance_type.id,
        instance_prefix: request.instance_prefix.unwrap_or_else(|| "pool".into()),
        labels: request.labels.unwrap_or_default(),
        taints: request.taints.unwrap_or_default(),
        security_groups,
        private_networks: request.private_networks.unwrap_or_default(),
        anti_affinity_groups: request.anti_affinity_groups.unwrap_or_default(),
        deploy_target: request.deploy_target,
        kubelet_image_gc: request.kubelet_image_gc,
        kubelet_max_pods: request.kubelet_max_pods,
        public_ip_assignment: request
            .public_ip_assignment
            .unwrap_or(PublicIpAssignment::Inet4),
        addons,
        nvidia_mig_profiles: request.nvidia_mig_profiles,
        evict: vec![],
        deleting: false,
    };
    let nodepool = NodepoolRecord::new(&cluster, spec, now_ms());
    let operation = new_operation(
        tenant,
        &zone,
        ResourceKind::Nodepool,
        nodepool.id,
        Some(cluster.id),
        1,
        false,
    );
    state.store.insert_nodepool(&nodepool, &operation).await?;
    Ok(accepted(&state, &operation))
}

async fn show(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, nodepool)): Path<(String, String)>,
) -> ApiResult<Json<SksNodepool>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let nodepool = find_nodepool(&state, &cluster, &nodepool).await?;
    Ok(Json(render::nodepool(&nodepool, &cluster)))
}

/// Writes a changed nodepool spec with its operation.
async fn save(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    nodepool: &NodepoolRecord,
) -> ApiResult<Json<Operation>> {
    let operation = new_operation(
        tenant,
        zone,
        ResourceKind::Nodepool,
        nodepool.id,
        Some(nodepool.cluster_id),
        nodepool.generation + 1,
        false,
    );
    if !state
        .store
        .update_nodepool_spec(nodepool, &operation)
        .await?
    {
        return Err(ApiError::conflict(format!(
            "nodepool {} changed while this request was handled; send it again",
            nodepool.id
        )));
    }
    Ok(accepted(state, &operation))
}

fn not_deleting(nodepool: &NodepoolRecord) -> ApiResult<()> {
    if nodepool.spec.deleting {
        Err(ApiError::conflict(format!(
            "nodepool {} is being deleted",
            nodepool.id
        )))
    } else {
        Ok(())
    }
}

/// `PUT …/nodepool/{id}` updates; `PUT …/nodepool/{id}:scale` and `…:evict` act on the pool.
async fn change(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, target)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Operation>> {
    let (nodepool_id, action) = match target.split_once(':') {
        Some((nodepool, action)) => (nodepool.to_owned(), Some(action.to_owned())),
        None => (target.clone(), None),
    };
    let cluster = find(&state, tenant, &zone, &id).await?;
    let mut nodepool = find_nodepool(&state, &cluster, &nodepool_id).await?;
    not_deleting(&nodepool)?;
    match action.as_deref() {
        None => {
            let request: UpdateSksNodepoolRequest = decode(&body)?;
            request.validate()?;
            update(&state, tenant, &zone, &mut nodepool, request).await?;
        }
        Some("scale") => {
            let request: ScaleSksNodepoolRequest = decode(&body)?;
            request.validate()?;
            nodepool.spec.size = request.size;
        }
        Some("evict") => {
            let request: EvictSksNodepoolMembersRequest = decode(&body)?;
            request.validate()?;
            evict(&state, &mut nodepool, &request.instances).await?;
        }
        Some(other) => {
            return Err(ApiError::not_found(
                "nodepool action",
                format!("{other:?} (use :scale or :evict)"),
            ));
        }
    }
    save(&state, tenant, &zone, &nodepool).await
}

async fn update(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    nodepool: &mut NodepoolRecord,
    request: UpdateSksNodepoolRequest,
) -> ApiResult<()> {
    check_nodepool_refs(
        state,
        tenant,
        zone,
        request.instance_type.map(|r| r.id),
        request.security_groups.as_deref(),
        request.private_networks.as_deref(),
        request.anti_affinity_groups.as_deref(),
        request.deploy_target.as_ref(),
    )
    .await?;
    let spec = &mut nodepool.spec;
    if let Some(value) = request.name {
        spec.name = value;
    }
    if let Some(value) = request.description {
        spec.description = Some(value);
    }
    if let Some(value) = request.anti_affinity_groups {
        spec.anti_affinity_groups = value;
    }
    if let Some(value) = request.public_ip_assignment {
        spec.public_ip_assignment = value;
    }
    if let Some(value) = request.labels {
        spec.labels = value;
    }
    if let Some(value) = request.taints {
        spec.taints = value;
    }
    if let Some(value) = request.security_groups {
        spec.security_groups = value;
    }
    if let Some(value) = request.instance_type {
        spec.instance_type = value.id;
    }
    if let Some(value) = request.private_networks {
        spec.private_networks = value;
    }
    if let Some(value) = request.kubelet_image_gc {
        spec.kubelet_image_gc = Some(value);
    }
    if let Some(value) = request.instance_prefix {
        spec.instance_prefix = value;
    }
    if let Some(value) = request.deploy_target {
        spec.deploy_target = Some(value);
    }
    if let Some(value) = request.kubelet_max_pods {
        spec.kubelet_max_pods = Some(value);
    }
    if let Some(value) = request.disk_size {
        spec.disk_size = value;
    }
    if let Some(value) = request.nvidia_mig_profiles {
        spec.nvidia_mig_profiles = Some(value);
    }
    Ok(())
}

/// Marks named instances for removal; the pool shrinks by as many. Each must be a current
/// member of this nodepool.
async fn evict(
    state: &ApiState,
    nodepool: &mut NodepoolRecord,
    instances: &[Uuid],
) -> ApiResult<()> {
    let members = state
        .store
        .instances_of_cluster(nodepool.cluster_id)
        .await?;
    for (i, id) in instances.iter().enumerate() {
        let member = members
            .iter()
            .find(|m| m.id == *id && m.nodepool_id == nodepool.id);
        match member {
            Some(m) if matches!(m.phase, InstancePhase::Starting | InstancePhase::Running) => {}
            Some(_) => {
                return Err(ApiError::conflict(format!(
                    "instances[{i}]: instance {id} is already leaving the nodepool"
                )));
            }
            None => {
                return Err(ApiError::bad_request(format!(
                    "invalid request: instances[{i}]: instance {id} is not a member of nodepool {}",
                    nodepool.id
                )));
            }
        }
        if nodepool.spec.evict.contains(id) {
            continue;
        }
        nodepool.spec.evict.push(*id);
        nodepool.spec.size = (nodepool.spec.size - 1).max(0);
    }
    Ok(())
}

async fn remove(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, nodepool)): Path<(String, String)>,
) -> ApiResult<Json<Operation>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let mut nodepool = find_nodepool(&state, &cluster, &nodepool).await?;
    not_deleting(&nodepool)?;
    nodepool.spec.deleting = true;
    save(&state, tenant, &zone, &nodepool).await
}

async fn reset_field(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, nodepool, field)): Path<(String, String, String)>,
) -> ApiResult<Json<Operation>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let mut nodepool = find_nodepool(&state, &cluster, &nodepool).await?;
    not_deleting(&nodepool)?;
    let spec = &mut nodepool.spec;
    match NodepoolResetField::from_wire(&field) {
        NodepoolResetField::AntiAffinityGroups => spec.anti_affinity_groups.clear(),
        NodepoolResetField::DeployTarget => spec.deploy_target = None,
        NodepoolResetField::Description => spec.description = None,
        NodepoolResetField::Labels => spec.labels.clear(),
        NodepoolResetField::PrivateNetworks => spec.private_networks.clear(),
        NodepoolResetField::SecurityGroups => spec.security_groups.clear(),
        NodepoolResetField::Unknown(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid request: field: {other:?} cannot be reset; one of: {}",
                NodepoolResetField::allowed()
            )));
        }
    }
    save(&state, tenant, &zone, &nodepool).await
}

async fn instance_pool(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<InstancePool>> {
    let id = parse_id("instance pool", &id)?;
    let nodepool = state
        .store
        .nodepool_by_instance_pool(tenant.0, zone.0.as_str(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("instance pool", id))?;
    let instances = state
        .store
        .instances_of_cluster(nodepool.cluster_id)
        .await?;
    Ok(Json(render::instance_pool(&nodepool, &instances)))
}
