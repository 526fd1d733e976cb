//! Health endpoints for load balancers and orchestrators: `/healthz` says the process answers,
//! `/readyz` says it can serve (the database answers).

use std::time::Duration;

use axum::extract::State;
use axum::response::IntoResponse;
use http::StatusCode;
use portal::Portal;

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// `GET /readyz`: 200 when the database answers in time, 503 otherwise.
pub async fn readyz(State(state): State<Portal>) -> impl IntoResponse {
    match state.store.ping(READY_TIMEOUT).await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database does not answer\n".to_owned(),
            )
        }
    }
}
