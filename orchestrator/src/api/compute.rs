//! Instance types.

use axum::extract::{Path, Query};
use axum::routing::get;
use axum::{Json, Router};
use sks_api::{InstanceType, ListInstanceTypesResponse};

use super::{ApiError, ApiResult, ApiState, parse_id};
use crate::model::catalog;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v2/instance-type", get(list))
        .route("/v2/instance-type/{id}", get(show))
}

async fn list(
    Query(_): Query<std::collections::HashMap<String, String>>,
) -> Json<ListInstanceTypesResponse> {
    Json(ListInstanceTypesResponse {
        instance_types: catalog::instance_types(),
    })
}

async fn show(Path(id): Path<String>) -> ApiResult<Json<InstanceType>> {
    let id = parse_id("instance type", &id)?;
    catalog::instance_type(id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("instance type", id))
}
