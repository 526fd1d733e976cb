//! The HTTP API: the contract's paths under `/{zone}/v2` (and `/v2` for the default zone),
//! signature authentication scoped to an organization, errors in the spec's shape.
//!
//! Every request except `GET /zone` must carry a valid EXO2-HMAC-SHA256 signature; the key
//! decides the organization, and every lookup is limited to that organization and the zone of
//! the path (another organization's id answers 404).

mod clusters;
mod compute;
mod network;
mod nodepools;
mod render;

pub use network::seed_defaults;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use sks_api::sign::SignedHeader;
use sks_api::validate::{Invalid, Validate};
use sks_api::{ErrorBody, Operation, OperationReference, OperationState, ZoneName};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::model::{ResourceKind, catalog, now_ms};
use crate::store::{OperationRecord, Store, StoreError};

/// Largest request body accepted.
const MAX_BODY: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    /// Wakes the reconciler after a write.
    pub wake: Arc<Notify>,
}

/// The zone a request addresses (from its path prefix, or the default zone).
#[derive(Debug, Clone)]
pub struct Zone(pub ZoneName);

/// The path as the client sent and signed it (before the zone prefix is taken off).
#[derive(Debug, Clone)]
struct SignedPath(String);

/// The organization the request's key belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Tenant(pub Uuid);

/// An error answered in the spec's classic shape, `{"message": "…"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str, id: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        tracing::error!(%error, "store failure");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal failure")
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> ApiError {
        ApiError::bad_request(format!("invalid request: {invalid}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(ErrorBody::message(self.message))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body, decoded with the failing field named, then checked against the contract's
/// rules. Nothing is stored on a rejected request.
pub struct Valid<T>(pub T);

impl<S, T> FromRequest<S> for Valid<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
        let value = decode::<T>(&bytes)?;
        value.validate()?;
        Ok(Valid(value))
    }
}

/// Decodes JSON, naming the field that does not fit.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        bytes
    };
    let deserializer = &mut serde_json::Deserializer::from_slice(text);
    let value = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let malformed = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        let located = !(path == "." || path.is_empty());
        if malformed && located {
            // Malformed at a known field, e.g. a number beyond every integer and float.
            ApiError::bad_request(format!("invalid request body: {path}: {inner}"))
        } else if malformed || !located {
            ApiError::bad_request(format!("invalid request body: {inner}"))
        } else {
            ApiError::bad_request(format!("invalid request: {path}: {inner}"))
        }
    })?;
    // The body is valid JSON here, so this parse succeeds; it only looks for NUL characters.
    if let Ok(tree) = serde_json::from_slice::<serde_json::Value>(text)
        && let Some(path) = nul_at(&tree, String::new())
    {
        return Err(ApiError::bad_request(format!(
            "invalid request: {path}: must not contain NUL characters"
        )));
    }
    Ok(value)
}

/// The path (`name`, `labels.team`, `groups[1]`) of the first string or key holding a NUL
/// character. Text is stored as given, and PostgreSQL refuses NUL in text; refusing it here
/// answers a 400 on every store alike instead of a failed write.
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    let field = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            if name.contains('\0') {
                // Name the object, not the key that cannot be printed.
                Some(if path.is_empty() {
                    "body".to_owned()
                } else {
                    path.clone()
                })
            } else {
                nul_at(item, field(name))
            }
        }),
        _ => None,
    }
}

/// Parses an id from the path, with the spec's 404 for anything that is not one.
pub fn parse_id(what: &str, raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(what, raw))
}

/// A new operation on a resource, pending until the reconciler ends it (or already done).
pub fn new_operation(
    tenant: Tenant,
    zone: &Zone,
    kind: ResourceKind,
    resource: Uuid,
    parent: Option<Uuid>,
    target_generation: i64,
    done: bool,
) -> OperationRecord {
    let now = now_ms();
    OperationRecord {
        id: Uuid::new_v4(),
        org_id: tenant.0,
        zone: zone.0.as_str().to_owned(),
        state: if done { "success" } else { "pending" }.to_owned(),
        reason: None,
        message: None,
        resource_kind: kind,
        resource_id: resource,
        parent_id: parent,
        target_generation,
        created_at: now,
        updated_at: now,
    }
}

/// An operation on the wire. Its reference points at the resource the way the spec shows
/// (`/v2/sks-cluster/ID`, command `get-sks-cluster`).
pub fn render_operation(operation: &OperationRecord, link: Option<(String, &str)>) -> Operation {
    let (link, command) = match link {
        Some((link, command)) => (Some(link), Some(command.to_owned())),
        None => (None, None),
    };
    Operation {
        id: Some(operation.id),
        reason: operation
            .reason
            .as_deref()
            .map(sks_api::OperationReason::from_wire),
        reference: Some(OperationReference {
            id: Some(operation.resource_id),
            link,
            command,
        }),
        message: operation.message.clone(),
        state: Some(OperationState::from_wire(&operation.state)),
    }
}

/// The reference of an operation: where to read the resource it acts on.
fn operation_link(operation: &OperationRecord) -> Option<(String, &'static str)> {
    match operation.resource_kind {
        ResourceKind::Cluster => Some((
            format!("/v2/sks-cluster/{}", operation.resource_id),
            "get-sks-cluster",
        )),
        ResourceKind::Nodepool => operation.parent_id.map(|cluster| {
            (
                format!(
                    "/v2/sks-cluster/{cluster}/nodepool/{}",
                    operation.resource_id
                ),
                "get-sks-nodepool",
            )
        }),
        ResourceKind::Other => None,
    }
}

/// Answers with an operation, and wakes the reconciler.
pub fn accepted(state: &ApiState, operation: &OperationRecord) -> axum::Json<Operation> {
    state.wake.notify_one();
    axum::Json(render_operation(operation, operation_link(operation)))
}

/// The whole API as a service: takes the zone prefix off the path, then routes.
pub fn router(state: ApiState) -> Router {
    let v2 = Router::new()
        .route("/v2/zone", get(list_zones))
        .route("/v2/operation/{id}", get(get_operation))
        .merge(clusters::routes())
        .merge(nodepools::routes())
        .merge(compute::routes())
        .merge(network::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .with_state(state);
    Router::new()
        .fallback_service(v2)
        .layer(axum::middleware::map_request(zone_prefix))
}

/// `/{zone}/v2/…` → `/v2/…` with [`Zone`]; `/v2/…` → the default zone. The original path is
/// kept for the signature check.
async fn zone_prefix(mut request: Request) -> Request {
    let path = request.uri().path().to_owned();
    let (zone, rest) = match path.strip_prefix('/').and_then(|p| p.split_once('/')) {
        Some((first, rest)) if first != "v2" => match catalog::zone(first) {
            Some(zone) => (zone, format!("/{rest}")),
            None => (ZoneName::DEFAULT, path.clone()),
        },
        _ => (ZoneName::DEFAULT, path.clone()),
    };
    let rewritten = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest,
    };
    if let Ok(uri) = rewritten.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    request.extensions_mut().insert(Zone(zone));
    request.extensions_mut().insert(SignedPath(path));
    request
}

/// Checks the signature and records the organization of the key.
async fn authenticate(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // `GET /zone` is public upstream: clients send it unsigned.
    if request.method() == http::Method::GET && request.uri().path() == "/v2/zone" {
        return Ok(next.run(request).await);
    }
    let forbidden = |message: String| ApiError::new(StatusCode::FORBIDDEN, message);
    let header = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| forbidden("missing Authorization header".into()))?
        .to_str()
        .map_err(|_| forbidden("malformed Authorization header".into()))?;
    let signed = SignedHeader::parse(header).map_err(|e| forbidden(e.to_string()))?;
    let Some((org, secret)) = state.store.key(&signed.credential).await? else {
        return Err(forbidden("Invalid request signature".into()));
    };
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))?;
    let path = parts
        .extensions
        .get::<SignedPath>()
        .map(|p| p.0.clone())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    signed
        .verify(
            &secret,
            parts.method.as_str(),
            &path,
            parts.uri.query(),
            &bytes,
            now_ms() / 1000,
        )
        .map_err(|e| forbidden(e.to_string()))?;
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(Tenant(org));
    Ok(next.run(request).await)
}

/// `GET /zone`.
async fn list_zones(headers: http::HeaderMap) -> axum::Json<sks_api::ListZonesResponse> {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let zones = catalog::zones()
        .iter()
        .map(|zone| sks_api::Zone {
            name: Some(zone.clone()),
            api_endpoint: Some(format!("http://{host}/{zone}/v2")),
            sos_endpoint: Some(format!("https://sos-{zone}.exo.io")),
        })
        .collect();
    axum::Json(sks_api::ListZonesResponse { zones })
}

/// `GET /operation/{id}`.
async fn get_operation(
    State(state): State<ApiState>,
    axum::Extension(tenant): axum::Extension<Tenant>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<axum::Json<Operation>> {
    let id = parse_id("operation", &id)?;
    let operation = state
        .store
        .operation(tenant.0, id)
        .await?
        .ok_or_else(|| ApiError::not_found("operation", id))?;
    Ok(axum::Json(render_operation(
        &operation,
        operation_link(&operation),
    )))
}
