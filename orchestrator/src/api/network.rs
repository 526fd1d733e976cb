//! Security groups, anti-affinity groups, private networks and deploy targets. Their changes
//! take effect at once: the operation returned is already `success`.
//!
//! Each organization starts, in every zone, with a `default` security group, an `sks-nodes`
//! security group holding the rules SKS nodes need, an anti-affinity group, a private network
//! and a deploy target, so the wizard's pickers are never empty.

use axum::extract::{Path, Query, State};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sks_api::{
    AddRuleToSecurityGroupRequest, AntiAffinityGroup, CreateNamedRequest,
    CreatePrivateNetworkRequest, DeployTarget, ListAntiAffinityGroupsResponse,
    ListDeployTargetsResponse, ListPrivateNetworksResponse, ListSecurityGroupsResponse, Operation,
    PrivateNetwork, SecurityGroup, SecurityGroupRule, UpdatePrivateNetworkRequest, Visibility,
};
use uuid::Uuid;

use super::{
    ApiError, ApiResult, ApiState, Tenant, Valid, Zone, accepted, new_operation, parse_id,
};
use crate::model::{ResourceKind, catalog};
use crate::store::ResourceRow;

pub const SECURITY_GROUP: &str = "security-group";
pub const ANTI_AFFINITY_GROUP: &str = "anti-affinity-group";
pub const PRIVATE_NETWORK: &str = "private-network";
pub const DEPLOY_TARGET: &str = "deploy-target";

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/v2/security-group",
            get(list_security_groups).post(create_security_group),
        )
        .route(
            "/v2/security-group/{id}",
            get(show_security_group).delete(delete_security_group),
        )
        .route("/v2/security-group/{id}/rules", post(add_rule))
        .route("/v2/security-group/{id}/rules/{rule}", delete(delete_rule))
        .route(
            "/v2/anti-affinity-group",
            get(list_anti_affinity_groups).post(create_anti_affinity_group),
        )
        .route(
            "/v2/anti-affinity-group/{id}",
            get(show_anti_affinity_group).delete(delete_anti_affinity_group),
        )
        .route(
            "/v2/private-network",
            get(list_private_networks).post(create_private_network),
        )
        .route(
            "/v2/private-network/{id}",
            get(show_private_network)
                .put(update_private_network)
                .delete(delete_private_network),
        )
        .route("/v2/deploy-target", get(list_deploy_targets))
        .route("/v2/deploy-target/{id}", get(show_deploy_target))
}

/// The rules SKS nodes need: NodePort services from anywhere, kubelet logs and exec from the
/// control plane, and CNI traffic between nodes (Calico VXLAN, Cilium VXLAN and health).
fn sks_rules(group: Uuid) -> Vec<SecurityGroupRule> {
    let rule = |description: &str, protocol: &str, start: i64, end: i64, own_group: bool| {
        serde_json::from_value::<SecurityGroupRule>(json!({
            "id": Uuid::new_v4(),
            "description": description,
            "flow-direction": "ingress",
            "protocol": protocol,
            "start-port": start,
            "end-port": end,
            "network": if own_group { Value::Null } else { json!("0.0.0.0/0") },
            "security-group": if own_group { json!({"id": group, "name": "sks-nodes"}) } else { Value::Null },
        }))
        .expect("rules are well formed")
    };
    vec![
        rule("NodePort services", "tcp", 30000, 32767, false),
        rule("kubelet (logs, exec)", "tcp", 10250, 10250, true),
        rule("Calico VXLAN", "udp", 4789, 4789, true),
        rule("Cilium VXLAN", "udp", 8472, 8472, true),
        rule("Cilium health checks", "tcp", 4240, 4240, true),
    ]
}

/// Creates what a new organization starts with in every zone (idempotent).
pub async fn seed_defaults(
    store: &crate::store::Store,
    org: Uuid,
) -> Result<(), crate::store::StoreError> {
    for zone in catalog::zones() {
        let id = |name: &str| catalog::stable_id(&format!("{org}/{zone}"), name);
        let default_group = id("security-group/default");
        let nodes_group = id("security-group/sks-nodes");
        let seeds: Vec<(&str, Uuid, &str, Value)> = vec![
            (
                SECURITY_GROUP,
                default_group,
                "default",
                json!({"id": default_group, "name": "default", "description": "Default security group", "rules": []}),
            ),
            (
                SECURITY_GROUP,
                nodes_group,
                "sks-nodes",
                json!({"id": nodes_group, "name": "sks-nodes", "description": "Rules SKS nodes need", "rules": sks_rules(nodes_group)}),
            ),
            (
                ANTI_AFFINITY_GROUP,
                id("anti-affinity-group/spread"),
                "spread",
                json!({"id": id("anti-affinity-group/spread"), "name": "spread", "description": "One instance per hypervisor"}),
            ),
            (
                PRIVATE_NETWORK,
                id("private-network/lan"),
                "lan",
                json!({"id": id("private-network/lan"), "name": "lan", "description": "Managed private network",
                       "start-ip": "10.0.0.10", "end-ip": "10.0.0.250", "netmask": "255.255.255.0", "vni": 1001}),
            ),
            (
                DEPLOY_TARGET,
                id("deploy-target/dedicated"),
                "dedicated-1",
                json!({"id": id("deploy-target/dedicated"), "name": "dedicated-1", "type": "dedicated",
                       "description": "Dedicated hypervisors"}),
            ),
        ];
        for (kind, id, name, body) in seeds {
            let row = ResourceRow {
                org,
                zone: zone.as_str(),
                kind,
                id,
                name,
                body: &body,
            };
            store.insert_resource(&row, None).await?;
        }
    }
    Ok(())
}

/// Creates the security group a cluster asked for with `create-default-security-group`.
pub async fn create_sks_security_group(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    name: &str,
) -> ApiResult<Uuid> {
    let id = Uuid::new_v4();
    let body = json!({"id": id, "name": name, "description": "Created for an SKS cluster", "rules": sks_rules(id)});
    let row = ResourceRow {
        org: tenant.0,
        zone: zone.0.as_str(),
        kind: SECURITY_GROUP,
        id,
        name,
        body: &body,
    };
    state.store.insert_resource(&row, None).await?;
    Ok(id)
}

async fn list_of<T: serde::de::DeserializeOwned>(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    kind: &str,
) -> ApiResult<Vec<T>> {
    state
        .store
        .resources(tenant.0, zone.0.as_str(), kind)
        .await?
        .into_iter()
        .map(|(_, body)| {
            serde_json::from_value(body).map_err(|e| {
                tracing::error!(%e, kind, "corrupt resource body");
                ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal failure")
            })
        })
        .collect()
}

async fn one_of<T: serde::de::DeserializeOwned>(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    kind: &str,
    id: &str,
) -> ApiResult<(Uuid, T)> {
    let id = parse_id(kind, id)?;
    let body = state
        .store
        .resource(tenant.0, zone.0.as_str(), kind, id)
        .await?
        .ok_or_else(|| ApiError::not_found(kind, id))?;
    let value = serde_json::from_value(body).map_err(|e| {
        tracing::error!(%e, kind, "corrupt resource body");
        ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal failure")
    })?;
    Ok((id, value))
}

/// Stores a new resource and answers with its (finished) operation.
async fn created(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    kind: &str,
    name: &str,
    body: impl FnOnce(Uuid) -> Value,
) -> ApiResult<Json<Operation>> {
    let id = Uuid::new_v4();
    let operation = new_operation(tenant, zone, ResourceKind::Other, id, None, 0, true);
    let body = body(id);
    let row = ResourceRow {
        org: tenant.0,
        zone: zone.0.as_str(),
        kind,
        id,
        name,
        body: &body,
    };
    state.store.insert_resource(&row, Some(&operation)).await?;
    Ok(accepted(state, &operation))
}

/// Deletes a resource unless a nodepool uses it.
async fn deleted(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    kind: &str,
    id: &str,
) -> ApiResult<Json<Operation>> {
    let id = parse_id(kind, id)?;
    let in_use = state
        .store
        .nodepools_of_org(tenant.0, zone.0.as_str())
        .await?
        .into_iter()
        .find(|n| {
            let spec = &n.spec;
            spec.security_groups.iter().any(|r| r.id == id)
                || spec.private_networks.iter().any(|r| r.id == id)
                || spec.anti_affinity_groups.iter().any(|r| r.id == id)
        });
    if let Some(nodepool) = in_use {
        return Err(ApiError::conflict(format!(
            "{kind} {id} is used by nodepool {}",
            nodepool.id
        )));
    }
    let operation = new_operation(tenant, zone, ResourceKind::Other, id, None, 0, true);
    if !state
        .store
        .delete_resource(tenant.0, id, &operation)
        .await?
    {
        return Err(ApiError::not_found(kind, id));
    }
    Ok(accepted(state, &operation))
}

#[derive(Deserialize)]
struct VisibilityQuery {
    visibility: Option<String>,
}

async fn list_security_groups(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Query(query): Query<VisibilityQuery>,
) -> ApiResult<Json<ListSecurityGroupsResponse>> {
    let visibility = query.visibility.as_deref().map(Visibility::from_wire);
    let security_groups = match visibility {
        // Every group here belongs to the organization; there are no public ones.
        Some(Visibility::Public) => vec![],
        Some(Visibility::Unknown(other)) => {
            return Err(ApiError::bad_request(format!(
                "invalid request: visibility: must be one of: {}; not {other:?}",
                Visibility::allowed()
            )));
        }
        _ => list_of(&state, tenant, &zone, SECURITY_GROUP).await?,
    };
    Ok(Json(ListSecurityGroupsResponse { security_groups }))
}

async fn show_security_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<SecurityGroup>> {
    Ok(Json(
        one_of(&state, tenant, &zone, SECURITY_GROUP, &id).await?.1,
    ))
}

async fn create_security_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Valid(request): Valid<CreateNamedRequest>,
) -> ApiResult<Json<Operation>> {
    let name = request.name.clone();
    created(&state, tenant, &zone, SECURITY_GROUP, &name, |id| {
        json!({"id": id, "name": request.name, "description": request.description, "rules": []})
    })
    .await
}

async fn delete_security_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Operation>> {
    deleted(&state, tenant, &zone, SECURITY_GROUP, &id).await
}

/// Saves a changed security group with a finished operation.
async fn save_group(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    id: Uuid,
    group: &SecurityGroup,
) -> ApiResult<Json<Operation>> {
    let operation = new_operation(tenant, zone, ResourceKind::Other, id, None, 0, true);
    let body = serde_json::to_value(group).expect("groups serialize");
    let name = group.name.clone().unwrap_or_default();
    if !state
        .store
        .update_resource(tenant.0, id, &name, &body, &operation)
        .await?
    {
        return Err(ApiError::not_found(SECURITY_GROUP, id));
    }
    Ok(accepted(state, &operation))
}

async fn add_rule(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<AddRuleToSecurityGroupRequest>,
) -> ApiResult<Json<Operation>> {
    let (id, mut group): (Uuid, SecurityGroup) =
        one_of(&state, tenant, &zone, SECURITY_GROUP, &id).await?;
    let rule = SecurityGroupRule {
        id: Some(Uuid::new_v4()),
        description: request.description,
        start_port: request.start_port,
        end_port: request.end_port,
        protocol: Some(request.protocol),
        icmp: request.icmp,
        security_group: request.security_group,
        network: request.network,
        flow_direction: Some(request.flow_direction),
    };
    group.rules.get_or_insert_with(Vec::new).push(rule);
    save_group(&state, tenant, &zone, id, &group).await
}

async fn delete_rule(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, rule)): Path<(String, String)>,
) -> ApiResult<Json<Operation>> {
    let (id, mut group): (Uuid, SecurityGroup) =
        one_of(&state, tenant, &zone, SECURITY_GROUP, &id).await?;
    let rule = parse_id("rule", &rule)?;
    let rules = group.rules.get_or_insert_with(Vec::new);
    let before = rules.len();
    rules.retain(|r| r.id != Some(rule));
    if rules.len() == before {
        return Err(ApiError::not_found("rule", rule));
    }
    save_group(&state, tenant, &zone, id, &group).await
}

async fn list_anti_affinity_groups(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
) -> ApiResult<Json<ListAntiAffinityGroupsResponse>> {
    Ok(Json(ListAntiAffinityGroupsResponse {
        anti_affinity_groups: list_of(&state, tenant, &zone, ANTI_AFFINITY_GROUP).await?,
    }))
}

async fn show_anti_affinity_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<AntiAffinityGroup>> {
    Ok(Json(
        one_of(&state, tenant, &zone, ANTI_AFFINITY_GROUP, &id)
            .await?
            .1,
    ))
}

async fn create_anti_affinity_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Valid(request): Valid<CreateNamedRequest>,
) -> ApiResult<Json<Operation>> {
    let name = request.name.clone();
    created(
        &state,
        tenant,
        &zone,
        ANTI_AFFINITY_GROUP,
        &name,
        |id| json!({"id": id, "name": request.name, "description": request.description}),
    )
    .await
}

async fn delete_anti_affinity_group(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Operation>> {
    deleted(&state, tenant, &zone, ANTI_AFFINITY_GROUP, &id).await
}

async fn list_private_networks(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
) -> ApiResult<Json<ListPrivateNetworksResponse>> {
    Ok(Json(ListPrivateNetworksResponse {
        private_networks: list_of(&state, tenant, &zone, PRIVATE_NETWORK).await?,
    }))
}

async fn show_private_network(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<PrivateNetwork>> {
    Ok(Json(
        one_of(&state, tenant, &zone, PRIVATE_NETWORK, &id).await?.1,
    ))
}

async fn create_private_network(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Valid(request): Valid<CreatePrivateNetworkRequest>,
) -> ApiResult<Json<Operation>> {
    let name = request.name.clone();
    created(&state, tenant, &zone, PRIVATE_NETWORK, &name, |id| {
        let mut body = serde_json::to_value(&request).expect("requests serialize");
        body["id"] = json!(id);
        body
    })
    .await
}

async fn update_private_network(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<UpdatePrivateNetworkRequest>,
) -> ApiResult<Json<Operation>> {
    let (id, current): (Uuid, PrivateNetwork) =
        one_of(&state, tenant, &zone, PRIVATE_NETWORK, &id).await?;
    let network = PrivateNetwork {
        name: request.name.or(current.name),
        description: request.description.or(current.description),
        netmask: request.netmask.or(current.netmask),
        start_ip: request.start_ip.or(current.start_ip),
        end_ip: request.end_ip.or(current.end_ip),
        labels: request.labels.or(current.labels),
        options: request.options.or(current.options),
        ..current
    };
    let operation = new_operation(tenant, &zone, ResourceKind::Other, id, None, 0, true);
    let body = serde_json::to_value(&network).expect("networks serialize");
    let name = network.name.clone().unwrap_or_default();
    state
        .store
        .update_resource(tenant.0, id, &name, &body, &operation)
        .await?;
    Ok(accepted(&state, &operation))
}

async fn delete_private_network(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Operation>> {
    deleted(&state, tenant, &zone, PRIVATE_NETWORK, &id).await
}

async fn list_deploy_targets(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
) -> ApiResult<Json<ListDeployTargetsResponse>> {
    Ok(Json(ListDeployTargetsResponse {
        deploy_targets: list_of(&state, tenant, &zone, DEPLOY_TARGET).await?,
    }))
}

async fn show_deploy_target(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeployTarget>> {
    Ok(Json(
        one_of(&state, tenant, &zone, DEPLOY_TARGET, &id).await?.1,
    ))
}
