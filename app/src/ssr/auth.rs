//! The session of the current request, read from the Leptos context: the caller
//! ([`signed_in`], and [`super::portal_for`]'s check through [`portal::Portal::authorize`], which
//! the live streams call directly), and what a server function writes on its response besides
//! its value (the session cookie, `Retry-After`).

use http::header::{HeaderValue, SET_COOKIE};
use leptos::prelude::*;
use portal::accounts::authz::Action;
pub use portal::auth::Caller;

use super::portal;
use crate::error::AppError;

fn request_parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The connection's peer address, as the server recorded it.
fn peer(parts: &http::request::Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// The session token of the current request, if it carries one.
pub fn request_token() -> Option<String> {
    let parts = request_parts()?;
    portal().ok()?.session_token(&parts.headers)
}

/// Whether the current request is a plain HTML form post (no JavaScript): its answer is a
/// page to go to, not data.
pub fn plain_form_post() -> bool {
    request_parts()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The client's address of the current request ([`portal::auth::client_address`]).
pub fn client_address() -> Option<String> {
    let parts = request_parts()?;
    let portal = portal().ok()?;
    portal::auth::client_address(&parts.headers, peer(&parts), &portal.auth.trusted_proxies)
}

/// Sets (or clears) the session cookie on the current response.
pub fn set_session_cookie(token: Option<&str>) -> Result<(), AppError> {
    let portal = portal()?;
    let value = HeaderValue::from_str(&portal::auth::session_cookie(token, &portal.auth))
        .map_err(|e| AppError::Internal(format!("session cookie: {e}")))?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(SET_COOKIE, value);
    }
    Ok(())
}

/// `result`, with `Retry-After` on the response when it is a refusal for too many attempts
/// ([`AppError::RateLimited`]).
pub fn retry_after<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(AppError::RateLimited(seconds)) = &result
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        response.insert_header(http::header::RETRY_AFTER, HeaderValue::from(*seconds));
    }
    result
}

/// The signed-in caller of the current request, if it has a live session.
pub async fn signed_in() -> Result<Option<Caller>, AppError> {
    let portal = portal()?;
    let Some(parts) = request_parts() else {
        return Ok(None);
    };
    portal.caller(&parts.headers, peer(&parts)).await
}

/// The caller of the current request, allowed to do `action` ([`super::portal_for`]).
pub(super) async fn require_in(
    portal: &portal::Portal,
    action: Action,
) -> Result<Caller, AppError> {
    let parts = request_parts().ok_or(AppError::Unauthenticated)?;
    portal.authorize(&parts.headers, peer(&parts), action).await
}
