//! The Leptos side of the server: what a render or a server function reads from its request
//! context. The domain itself is the `portal` crate, which takes its state explicitly; this
//! module finds that state ([`portal`]) and the caller allowed to act ([`portal_for`]) in the
//! context the server provides, and writes what a server function sends back besides its value
//! (cookies, `Retry-After`, the redirect of a plain form post).
//!
//! Nothing here is compiled into the browser bundle.

pub mod auth;
pub mod security;

use leptos::prelude::*;
pub use portal::Portal;

use crate::error::AppError;
use crate::theme::Theme;

/// The portal of the current request (provided by the server for every render and every
/// server function call).
pub fn portal() -> Result<Portal, AppError> {
    use_context::<Portal>().ok_or_else(|| AppError::Internal("the portal state is missing".into()))
}

/// The portal and the caller of the current request, allowed to do `action`
/// ([`Portal::authorize`]: `Unauthenticated` without a session, `Forbidden` without the role).
/// The one place a server function that acts for someone reads its context and checks the role.
pub async fn portal_for(
    action: portal::accounts::authz::Action,
) -> Result<(Portal, auth::Caller), AppError> {
    let portal = portal()?;
    let caller = auth::require_in(&portal, action).await?;
    Ok((portal, caller))
}

/// The theme the current request's cookie asks for.
pub fn request_theme() -> Theme {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::COOKIE)
                .and_then(|value| value.to_str().ok())
                .map(Theme::from_cookie_header)
        })
        .unwrap_or_default()
}

/// Sends a plain HTML form post (no JavaScript) on to `then` once `result` succeeded; a
/// browser running the app stays where it is.
pub fn then_go(then: &str, result: Result<(), AppError>) -> Result<(), AppError> {
    if result.is_ok() && auth::plain_form_post() {
        leptos_axum::redirect(then);
    }
    result
}
