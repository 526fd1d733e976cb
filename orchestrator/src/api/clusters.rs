//! Clusters: create, list, get, update, delete, upgrade, service level, rotations, access
//! (authorities, kubeconfigs), versions, deprecated resources, inspection, Karpenter manifests
//! and nodepool templates.

use axum::extract::{Path, Query, State};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use sks_api::{
    Authority, AuthorityCertResponse, ClusterAddon, ClusterResetField, ClusterState, Cni,
    CreateSksClusterRequest, KarpenterNodeclassResponse, KarpenterNodepoolResponse,
    KubeconfigResponse, Level, ListSksClusterVersionsResponse, ListSksClustersResponse, Operation,
    SksAudit, SksCluster, SksClusterDeprecatedResource, SksKubeconfigRequest, TemplateVariant,
    UpdateSksClusterRequest, UpgradeSksClusterRequest,
};
use uuid::Uuid;

use super::{
    ApiError, ApiResult, ApiState, Tenant, Valid, Zone, accepted, new_operation, parse_id, render,
};
use crate::model::{
    ClusterRecord, ClusterSpec, ClusterStatus, ResourceKind, Rotation, catalog, now_ms, rfc3339,
};
use crate::pki;

/// Default kubeconfig validity: 30 days, as upstream.
const DEFAULT_KUBECONFIG_TTL: i64 = 30 * 24 * 3600;
/// Most nodepools per cluster.
pub const MAX_NODEPOOLS: usize = 16;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v2/sks-cluster", get(list).post(create))
        .route("/v2/sks-cluster/{id}", get(show).put(update).delete(remove))
        .route("/v2/sks-cluster/{id}/{field}", delete(reset_field))
        .route("/v2/sks-cluster/{id}/upgrade", put(upgrade))
        .route(
            "/v2/sks-cluster/{id}/upgrade-service-level",
            put(upgrade_service_level),
        )
        .route(
            "/v2/sks-cluster/{id}/rotate-ccm-credentials",
            put(rotate_ccm_credentials),
        )
        .route(
            "/v2/sks-cluster/{id}/rotate-csi-credentials",
            put(rotate_csi_credentials),
        )
        .route(
            "/v2/sks-cluster/{id}/rotate-karpenter-credentials",
            put(rotate_karpenter_credentials),
        )
        .route(
            "/v2/sks-cluster/{id}/rotate-operators-ca",
            put(rotate_operators_ca),
        )
        .route(
            "/v2/sks-cluster/{id}/authority/{authority}/cert",
            get(authority_cert),
        )
        .route("/v2/sks-cluster/{id}/inspection", get(inspection))
        .route(
            "/v2/sks-cluster/{id}/generate-karpenter-nodepool",
            put(karpenter_nodepool),
        )
        .route(
            "/v2/sks-cluster/{id}/generate-karpenter-exoscale-nodeclass",
            put(karpenter_nodeclass),
        )
        .route("/v2/sks-cluster-kubeconfig/{id}", post(kubeconfig))
        .route("/v2/sks-cluster-version", get(versions))
        .route(
            "/v2/sks-cluster-deprecated-resources/{id}",
            get(deprecated_resources),
        )
        .route("/v2/sks-template/{version}/{variant}", get(template))
}

/// The cluster `id` of the tenant in the zone, or 404.
pub async fn find(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    id: &str,
) -> ApiResult<ClusterRecord> {
    let id = parse_id("cluster", id)?;
    state
        .store
        .cluster(tenant.0, zone.0.as_str(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("cluster", id))
}

/// Refuses changes to a cluster on its way out.
fn not_deleting(cluster: &ClusterRecord) -> ApiResult<()> {
    if cluster.spec.deleting {
        Err(ApiError::conflict(format!(
            "cluster {} is being deleted",
            cluster.id
        )))
    } else {
        Ok(())
    }
}

/// Writes a changed spec with its operation; answers 409 if the cluster changed meanwhile.
async fn save(
    state: &ApiState,
    tenant: Tenant,
    zone: &Zone,
    cluster: &ClusterRecord,
) -> ApiResult<Json<Operation>> {
    let operation = new_operation(
        tenant,
        zone,
        ResourceKind::Cluster,
        cluster.id,
        None,
        cluster.generation + 1,
        false,
    );
    if !state.store.update_cluster_spec(cluster, &operation).await? {
        return Err(ApiError::conflict(format!(
            "cluster {} changed while this request was handled; send it again",
            cluster.id
        )));
    }
    Ok(accepted(state, &operation))
}

async fn list(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
) -> ApiResult<Json<ListSksClustersResponse>> {
    let clusters = state.store.clusters(tenant.0, zone.0.as_str()).await?;
    let nodepools = state
        .store
        .nodepools_of_org(tenant.0, zone.0.as_str())
        .await?;
    Ok(Json(ListSksClustersResponse {
        sks_clusters: clusters
            .iter()
            .map(|c| render::cluster(c, &nodepools))
            .collect(),
    }))
}

async fn show(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<SksCluster>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let nodepools = state.store.nodepools(cluster.id).await?;
    Ok(Json(render::cluster(&cluster, &nodepools)))
}

/// Rules of the service on add-ons beyond the schema.
fn check_addons(level: &Level, addons: &[ClusterAddon], field: &str) -> ApiResult<()> {
    let has = |addon: &ClusterAddon| addons.contains(addon);
    if has(&ClusterAddon::ExoscaleContainerStorageInterface)
        && !has(&ClusterAddon::ExoscaleCloudController)
    {
        return Err(ApiError::bad_request(format!(
            "invalid request: {field}: exoscale-container-storage-interface requires exoscale-cloud-controller"
        )));
    }
    if has(&ClusterAddon::Karpenter) && *level != Level::Pro {
        return Err(ApiError::bad_request(format!(
            "invalid request: {field}: karpenter requires the pro level"
        )));
    }
    Ok(())
}

async fn create(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Valid(request): Valid<CreateSksClusterRequest>,
) -> ApiResult<Json<Operation>> {
    let known = catalog::versions(true);
    if !known.contains(&request.version.as_str()) {
        return Err(ApiError::bad_request(format!(
            "invalid request: version: {:?} is not offered; use one of: {}",
            request.version,
            catalog::versions(false).join(", ")
        )));
    }
    let addons = request.addons.clone().unwrap_or_default();
    check_addons(&request.level, &addons, "addons")?;
    let id = Uuid::new_v4();
    let now = now_ms();
    let default_security_group_id = if request.create_default_security_group == Some(true) {
        let group = super::network::create_sks_security_group(
            &state,
            tenant,
            &zone,
            &format!("sks-{}-{}", request.name, &id.simple().to_string()[..8]),
        )
        .await?;
        Some(group)
    } else {
        None
    };
    let cilium = request.cni == Some(Cni::Cilium);
    let spec = ClusterSpec {
        name: request.name,
        description: request.description,
        labels: request.labels.unwrap_or_default(),
        cni: request.cni,
        auto_upgrade: request.auto_upgrade.unwrap_or(false),
        oidc: request.oidc,
        enable_operators_ca: true,
        enable_kube_proxy: request.enable_kube_proxy.unwrap_or(!cilium),
        level: request.level.clone(),
        feature_gates: request.feature_gates.unwrap_or_default(),
        addons,
        audit: request.audit.map(|audit| SksAudit {
            endpoint: Some(audit.endpoint),
            enabled: Some(true),
            initial_backoff: Some(audit.initial_backoff.unwrap_or_else(|| "10s".into())),
        }),
        networking: request.networking,
        version: request.version,
        default_security_group_id,
        rotations: vec![],
        deleting: false,
    };
    let cluster = ClusterRecord {
        id,
        org_id: tenant.0,
        zone: zone.0.as_str().to_owned(),
        spec,
        generation: 1,
        status: ClusterStatus {
            state: ClusterState::Creating,
            version: None,
            level: request.level,
            endpoint: None,
            rotations_done: 0,
            task: None,
        },
        observed_generation: 0,
        revision: 1,
        created_at: now,
    };
    let operation = new_operation(tenant, &zone, ResourceKind::Cluster, id, None, 1, false);
    state.store.insert_cluster(&cluster, &operation).await?;
    Ok(accepted(&state, &operation))
}

async fn update(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<UpdateSksClusterRequest>,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    not_deleting(&cluster)?;
    let spec = &mut cluster.spec;
    if let Some(addons) = request.addons {
        let had_ccm = spec.addons.contains(&ClusterAddon::ExoscaleCloudController);
        let has_ccm = addons.contains(&ClusterAddon::ExoscaleCloudController);
        if had_ccm != has_ccm {
            return Err(ApiError::bad_request(
                "invalid request: addons: exoscale-cloud-controller can only be chosen when the cluster is created",
            ));
        }
        let had_metrics = spec.addons.contains(&ClusterAddon::MetricsServer);
        if had_metrics != addons.contains(&ClusterAddon::MetricsServer) {
            return Err(ApiError::bad_request(
                "invalid request: addons: metrics-server can only be chosen when the cluster is created",
            ));
        }
        check_addons(&spec.level, &addons, "addons")?;
        spec.addons = addons;
    }
    if let Some(name) = request.name {
        spec.name = name;
    }
    if let Some(description) = request.description {
        spec.description = Some(description);
    }
    if let Some(labels) = request.labels {
        spec.labels = labels;
    }
    if let Some(auto_upgrade) = request.auto_upgrade {
        spec.auto_upgrade = auto_upgrade;
    }
    if let Some(oidc) = request.oidc {
        spec.oidc = Some(oidc);
    }
    if let Some(enabled) = request.enable_operators_ca {
        spec.enable_operators_ca = enabled;
    }
    if let Some(gates) = request.feature_gates {
        spec.feature_gates = gates;
    }
    if let Some(audit) = request.audit {
        let current = spec.audit.clone().unwrap_or_default();
        spec.audit = Some(SksAudit {
            endpoint: audit.endpoint.or(current.endpoint),
            enabled: audit.enabled.or(current.enabled),
            initial_backoff: audit.initial_backoff.or(current.initial_backoff),
        });
    }
    save(&state, tenant, &zone, &cluster).await
}

async fn remove(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    let nodepools = state.store.nodepools(cluster.id).await?;
    if !nodepools.is_empty() {
        return Err(ApiError::conflict(format!(
            "cluster {} still has {} nodepool(s): delete them first",
            cluster.id,
            nodepools.len()
        )));
    }
    if cluster.spec.deleting {
        return Err(ApiError::conflict(format!(
            "cluster {} is already being deleted",
            cluster.id
        )));
    }
    cluster.spec.deleting = true;
    save(&state, tenant, &zone, &cluster).await
}

async fn reset_field(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, field)): Path<(String, String)>,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    not_deleting(&cluster)?;
    match ClusterResetField::from_wire(&field) {
        ClusterResetField::Description => cluster.spec.description = None,
        ClusterResetField::Labels => cluster.spec.labels.clear(),
        ClusterResetField::Unknown(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid request: field: {other:?} cannot be reset; one of: {}",
                ClusterResetField::allowed()
            )));
        }
    }
    save(&state, tenant, &zone, &cluster).await
}

/// Refuses a control-plane change while another one runs or the cluster is not created yet.
fn idle(cluster: &ClusterRecord) -> ApiResult<()> {
    not_deleting(cluster)?;
    if cluster.status.version.is_none() {
        return Err(ApiError::conflict(format!(
            "cluster {} is still being created",
            cluster.id
        )));
    }
    if cluster.spec.version != cluster.status.version.clone().unwrap_or_default() {
        return Err(ApiError::conflict(format!(
            "cluster {} is already upgrading to {}",
            cluster.id, cluster.spec.version
        )));
    }
    Ok(())
}

async fn upgrade(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<UpgradeSksClusterRequest>,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    idle(&cluster)?;
    if let Some(refusal) = catalog::upgrade_refusal(&cluster.spec.version, &request.version) {
        return Err(ApiError::bad_request(format!(
            "invalid request: version: {refusal}"
        )));
    }
    cluster.spec.version = request.version;
    save(&state, tenant, &zone, &cluster).await
}

async fn upgrade_service_level(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    not_deleting(&cluster)?;
    if cluster.spec.level == Level::Pro {
        return Err(ApiError::bad_request(
            "the cluster is already at the pro level; the service level cannot go down",
        ));
    }
    cluster.spec.level = Level::Pro;
    save(&state, tenant, &zone, &cluster).await
}

/// The four rotation endpoints: same extractors, one rotation each.
macro_rules! rotation_handler {
    ($name:ident, $rotation:expr) => {
        async fn $name(
            state: State<ApiState>,
            tenant: Extension<Tenant>,
            zone: Extension<Zone>,
            id: Path<String>,
        ) -> ApiResult<Json<Operation>> {
            rotate(state, tenant, zone, id, $rotation).await
        }
    };
}

rotation_handler!(rotate_ccm_credentials, Rotation::CcmCredentials);
rotation_handler!(rotate_csi_credentials, Rotation::CsiCredentials);
rotation_handler!(rotate_karpenter_credentials, Rotation::KarpenterCredentials);
rotation_handler!(rotate_operators_ca, Rotation::OperatorsCa);

async fn rotate(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    rotation: Rotation,
) -> ApiResult<Json<Operation>> {
    let mut cluster = find(&state, tenant, &zone, &id).await?;
    idle(&cluster)?;
    let needs = match rotation {
        Rotation::CcmCredentials => Some(ClusterAddon::ExoscaleCloudController),
        Rotation::CsiCredentials => Some(ClusterAddon::ExoscaleContainerStorageInterface),
        Rotation::KarpenterCredentials => Some(ClusterAddon::Karpenter),
        Rotation::OperatorsCa => None,
    };
    if let Some(addon) = needs
        && !cluster.spec.addons.contains(&addon)
    {
        return Err(ApiError::bad_request(format!(
            "the {addon} add-on is not enabled on cluster {}",
            cluster.id
        )));
    }
    cluster.spec.rotations.push(rotation);
    save(&state, tenant, &zone, &cluster).await
}

/// The stored authority of `kind`, created on first use.
async fn authority(
    state: &ApiState,
    cluster: Uuid,
    kind: &Authority,
) -> ApiResult<(String, String)> {
    let fresh = pki::new_authority(cluster, kind.as_str()).map_err(|e| {
        tracing::error!(%e, "cannot create an authority");
        ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal failure")
    })?;
    Ok(state
        .store
        .ensure_authority(cluster, kind.as_str(), &fresh.cert, &fresh.key)
        .await?)
}

async fn authority_cert(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path((id, kind)): Path<(String, String)>,
) -> ApiResult<Json<AuthorityCertResponse>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let kind = Authority::from_wire(&kind);
    if !kind.is_known() {
        return Err(ApiError::not_found("authority", kind));
    }
    let (cert, _) = authority(&state, cluster.id, &kind).await?;
    Ok(Json(AuthorityCertResponse {
        cacert: STANDARD.encode(cert),
    }))
}

async fn kubeconfig(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
    Valid(request): Valid<SksKubeconfigRequest>,
) -> ApiResult<Json<KubeconfigResponse>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let Some(endpoint) = cluster.status.endpoint.clone() else {
        return Err(ApiError::conflict(format!(
            "cluster {} has no control plane yet",
            cluster.id
        )));
    };
    let kind = Authority::ControlPlane;
    let (ca_cert, ca_key) = authority(&state, cluster.id, &kind).await?;
    let ttl = request.ttl.unwrap_or(DEFAULT_KUBECONFIG_TTL);
    let client = pki::issue_client(
        cluster.id,
        kind.as_str(),
        &ca_key,
        &request.user,
        &request.groups,
        ttl,
    )
    .map_err(|e| ApiError::bad_request(format!("invalid request: ttl: {e}")))?;
    let config = pki::kubeconfig(
        &cluster.spec.name,
        &endpoint,
        &ca_cert,
        &request.user,
        &client,
    );
    Ok(Json(KubeconfigResponse {
        kubeconfig: STANDARD.encode(config),
    }))
}

#[derive(Deserialize)]
struct VersionsQuery {
    #[serde(rename = "include-deprecated")]
    include_deprecated: Option<String>,
}

async fn versions(Query(query): Query<VersionsQuery>) -> Json<ListSksClusterVersionsResponse> {
    let include = query.include_deprecated.as_deref() == Some("true");
    Json(ListSksClusterVersionsResponse {
        sks_cluster_versions: catalog::versions(include)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// APIs a workload might still use, removed in a later minor (the simulation picks some per
/// cluster, so the upgrade pre-flight has something to show).
const DEPRECATED_APIS: &[(&str, &str, &str)] = &[
    ("flowcontrol.apiserver.k8s.io", "v1beta3", "flowschemas"),
    ("autoscaling", "v2beta2", "horizontalpodautoscalers"),
    ("storage.k8s.io", "v1beta1", "csistoragecapacities"),
];

async fn deprecated_resources(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<SksClusterDeprecatedResource>>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let version = cluster
        .status
        .version
        .clone()
        .unwrap_or(cluster.spec.version.clone());
    let Some((major, minor, _)) = catalog::parse_version(&version) else {
        return Ok(Json(vec![]));
    };
    let count = (cluster.id.as_u128() % 3) as usize;
    Ok(Json(
        DEPRECATED_APIS
            .iter()
            .take(count)
            .map(|(group, api, resource)| SksClusterDeprecatedResource {
                group: Some((*group).to_owned()),
                version: Some((*api).to_owned()),
                resource: Some((*resource).to_owned()),
                subresource: None,
                removed_release: Some(format!("{major}.{}", minor + 1)),
            })
            .collect(),
    ))
}

/// `get-sks-cluster-inspection`. The API documents only "a free-form object" from checks that
/// "run every couple of minutes"; this orchestrator answers
/// `{"checked-at", "checks": [{"name", "status": ok|warning|error, "message"}], "note"}`, with
/// a check for the control plane, the nodes' readiness, each nodepool, and pools without a
/// security group (SKS nodes need rules for Calico's VXLAN, the kubelet and NodePorts). The
/// portal reads this shape, and any other object key by key.
async fn inspection(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    let pools = state.store.nodepools(cluster.id).await?;
    let instances = state.store.instances_of_cluster(cluster.id).await?;
    Ok(Json(serde_json::json!({
        "checked-at": rfc3339(now_ms()),
        "checks": inspect(&cluster, &pools, &instances),
        "note": "inspection simulated by the Capstan local orchestrator",
    })))
}

/// The checks of one inspection, as JSON objects.
fn inspect(
    cluster: &ClusterRecord,
    pools: &[crate::model::NodepoolRecord],
    instances: &[crate::model::InstanceRecord],
) -> Vec<serde_json::Value> {
    use crate::model::InstancePhase;
    use sks_api::{ClusterState, NodepoolState};

    let check = |name: &str, status: &str, message: String| serde_json::json!({"name": name, "status": status, "message": message});
    let version = cluster.status.version.clone().unwrap_or_default();
    let mut checks = vec![match &cluster.status.state {
        ClusterState::Running => check(
            "control-plane",
            "ok",
            format!("the API server answers; Kubernetes {version}"),
        ),
        ClusterState::Error => check(
            "control-plane",
            "error",
            "the control plane is in error: contact support".into(),
        ),
        other => check(
            "control-plane",
            "warning",
            format!("the control plane is {other}"),
        ),
    }];
    let live: Vec<_> = instances
        .iter()
        .filter(|i| i.phase != InstancePhase::Destroying)
        .collect();
    let ready = live
        .iter()
        .filter(|i| i.phase == InstancePhase::Running)
        .count();
    let failed = live
        .iter()
        .filter(|i| i.phase == InstancePhase::Failed)
        .count();
    let status = if live.is_empty() || ready == live.len() {
        "ok"
    } else if failed > 0 {
        "error"
    } else {
        "warning"
    };
    let mut message = if live.is_empty() {
        "no nodes: nothing runs workloads".to_owned()
    } else {
        format!("{ready} of {} nodes ready", live.len())
    };
    if failed > 0 {
        message.push_str(&format!("; {failed} failed to boot and are being replaced"));
    }
    checks.push(check("nodes-ready", status, message));
    for pool in pools.iter().filter(|p| !p.spec.deleting) {
        let name = format!("nodepool {}", pool.spec.name);
        checks.push(match &pool.status.state {
            NodepoolState::Running => {
                check(&name, "ok", format!("{} node(s), as asked", pool.spec.size))
            }
            NodepoolState::Error => check(&name, "error", "the nodepool is in error".into()),
            other => check(&name, "warning", format!("the nodepool is {other}")),
        });
    }
    let ungrouped: Vec<&str> = pools
        .iter()
        .filter(|p| !p.spec.deleting && p.spec.security_groups.is_empty())
        .map(|p| p.spec.name.as_str())
        .collect();
    checks.push(if ungrouped.is_empty() {
        check(
            "security-groups",
            "ok",
            "every nodepool has a security group".into(),
        )
    } else {
        check(
            "security-groups",
            "warning",
            format!(
                "no security group on {}: SKS nodes need rules for Calico VXLAN (UDP 4789 between nodes), the kubelet (TCP 10250) and NodePorts (TCP 30000-32767)",
                ungrouped.join(", ")
            ),
        )
    });
    checks
}

fn karpenter_cluster(cluster: &ClusterRecord) -> ApiResult<()> {
    if cluster.spec.addons.contains(&ClusterAddon::Karpenter) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "the karpenter add-on is not enabled on cluster {}",
            cluster.id
        )))
    }
}

async fn karpenter_nodepool(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<KarpenterNodepoolResponse>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    karpenter_cluster(&cluster)?;
    let manifest = "apiVersion: karpenter.sh/v1\n\
kind: NodePool\n\
metadata:\n  name: default\n\
spec:\n\
\x20 template:\n\
\x20   spec:\n\
\x20     nodeClassRef:\n\
\x20       group: karpenter.exoscale.com\n\
\x20       kind: ExoscaleNodeClass\n\
\x20       name: default\n\
\x20     requirements:\n\
\x20       - key: kubernetes.io/arch\n\
\x20         operator: In\n\
\x20         values: [\"amd64\"]\n\
\x20 limits:\n\
\x20   cpu: \"100\"\n\
\x20 disruption:\n\
\x20   consolidationPolicy: WhenEmptyOrUnderutilized\n\
\x20   consolidateAfter: 1m\n"
        .to_owned();
    Ok(Json(KarpenterNodepoolResponse { nodepool: manifest }))
}

async fn karpenter_nodeclass(
    State(state): State<ApiState>,
    Extension(tenant): Extension<Tenant>,
    Extension(zone): Extension<Zone>,
    Path(id): Path<String>,
) -> ApiResult<Json<KarpenterNodeclassResponse>> {
    let cluster = find(&state, tenant, &zone, &id).await?;
    karpenter_cluster(&cluster)?;
    let version = cluster
        .status
        .version
        .clone()
        .unwrap_or(cluster.spec.version.clone());
    let template = catalog::template_id(&version, "standard")
        .map(|id| id.to_string())
        .unwrap_or_default();
    let groups = cluster
        .spec
        .default_security_group_id
        .map(|id| format!("\n    - \"{id}\""))
        .unwrap_or_default();
    let manifest = format!(
        "apiVersion: karpenter.exoscale.com/v1\n\
kind: ExoscaleNodeClass\n\
metadata:\n  name: default\n\
spec:\n\
\x20 templateID: \"{template}\"\n\
\x20 diskSize: 50\n\
\x20 securityGroups:{groups}\n"
    );
    Ok(Json(KarpenterNodeclassResponse {
        exoscale_nodeclass: manifest,
    }))
}

async fn template(
    Path((version, variant)): Path<(String, String)>,
) -> ApiResult<Json<sks_api::ActiveTemplateResponse>> {
    let variant = TemplateVariant::from_wire(&variant);
    if !variant.is_known() {
        return Err(ApiError::not_found("template variant", variant));
    }
    let id = catalog::template_id(&version, variant.as_str())
        .ok_or_else(|| ApiError::not_found("template for Kubernetes", &version))?;
    Ok(Json(sks_api::ActiveTemplateResponse {
        active_template: id,
    }))
}
