//! Every request but a live stream answers within a bound (`--request-timeout-ms`).
//!
//! Each dependency has a bound of its own (database pool and locks, the orchestration API's
//! client); this one is the backstop for whatever has none, so that a browser, or a client of
//! the server functions, always gets an answer: 503 with what did not answer in time, and a
//! `Retry-After`. The request's work is dropped at that point.
//!
//! At most `--max-concurrent-requests` of them are served at once; the others wait for a turn
//! within the same bound. Live streams and `/healthz` are neither bounded nor counted.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use portal::Portal;
use portal_types::error::AppError;

/// Whether `path` is a live stream (Server-Sent Events), which stays open by design.
fn is_stream(path: &str) -> bool {
    path.starts_with("/live/")
}

/// The bound of one request, and the turns to be served.
#[derive(Debug)]
pub struct Bounds {
    timeout: Duration,
    turns: tokio::sync::Semaphore,
}

impl Bounds {
    /// From the portal's settings.
    pub fn of(portal: &Portal) -> Bounds {
        Bounds {
            timeout: portal.request_timeout,
            turns: tokio::sync::Semaphore::new(portal.max_concurrent_requests),
        }
    }
}

/// Answers 503 when the rest of the stack has not produced the response head within the
/// bound (waiting for a turn included).
pub async fn bounded(
    State(bounds): State<std::sync::Arc<Bounds>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if is_stream(path) || path == "/healthz" {
        return next.run(request).await;
    }
    let bound = bounds.timeout;
    let method = request.method().clone();
    let path = path.to_owned();
    let served = async {
        let _turn = bounds.turns.acquire().await;
        next.run(request).await
    };
    match tokio::time::timeout(bound, served).await {
        Ok(response) => response,
        Err(_) => {
            // The path only: a query may carry tokens.
            tracing::error!(%method, %path, ?bound, "request did not answer in time");
            too_late(&path, bound)
        }
    }
}

/// The answer to a request that ran out of time: the server functions' error shape for
/// `/api/*`, a short page for the rest.
fn too_late(path: &str, bound: Duration) -> Response {
    let message = format!("it did not answer within {}", seconds(bound));
    let mut response = if path.starts_with("/api/") {
        let error = AppError::Unavailable {
            service: "The portal".into(),
            message,
        };
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response()
    } else {
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Service unavailable · Capstan</title></head><body>\
             <h1>Service unavailable</h1><p>The portal: {message}. Try again in a moment.</p>\
             </body></html>\n"
        );
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `30 s`, `1.5 s`: how people read a bound.
fn seconds(bound: Duration) -> String {
    let millis = bound.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", bound.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn only_live_streams_are_unbounded() {
        assert!(is_stream("/live/clusters"));
        assert!(is_stream("/live/clusters/ch-gva-2/abc"));
        assert!(!is_stream("/"));
        assert!(!is_stream("/api/sign_in"));
        assert!(!is_stream("/clusters/live"));
    }

    #[tokio::test]
    async fn a_late_server_function_gets_the_error_shape_naming_the_portal() {
        let response = too_late("/api/whoami", Duration::from_secs(30));
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let error: AppError = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            error,
            AppError::Unavailable {
                service: "The portal".into(),
                message: "it did not answer within 30 s".into()
            }
        );
    }
}
