//! Request checks in front of every route: state-changing requests must come from the portal's
//! own pages (cross-site request forgery), and pages need a signed-in session.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{Method, StatusCode, Uri, header};
use portal::Portal;

/// The origins (scheme://host:port) state-changing requests may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    allowed: Vec<String>,
}

impl Origins {
    /// From the public URL. A loopback public URL also allows the other loopback names with the
    /// same port (`localhost`, `127.0.0.1`, `[::1]`), since browsers send what was typed.
    pub fn from_public_url(url: &str) -> anyhow::Result<Origins> {
        let uri: Uri = url
            .parse()
            .map_err(|e| anyhow::anyhow!("--public-url {url:?} is not a URL: {e}"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            anyhow::bail!(
                "--public-url {url:?} needs a scheme and a host, like https://portal.example.com"
            );
        };
        let host = authority.host();
        let port = authority
            .port_u16()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        let mut allowed = vec![format!("{scheme}://{host}{port}")];
        if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            for alias in ["127.0.0.1", "localhost", "[::1]"] {
                let origin = format!("{scheme}://{alias}{port}");
                if !allowed.contains(&origin) {
                    allowed.push(origin);
                }
            }
        }
        Ok(Origins { allowed })
    }

    /// Whether the public URL is https (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.allowed[0].starts_with("https://")
    }

    /// Whether `origin` (scheme://host[:port]) is the portal's own.
    pub fn allows(&self, origin: &str) -> bool {
        self.allowed.iter().any(|a| a == origin)
    }
}

/// The origin (scheme://host[:port]) of a Referer URL.
fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{}://{}{port}", uri.scheme_str()?, uri.host()?))
}

/// Refuses a state-changing request whose Origin (or, without one, Referer) is not the
/// portal's own.
pub async fn same_origin(
    State(origins): State<Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => Some(origin.to_owned()),
        None => headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(origin_of),
    };
    match origin {
        Some(origin) if origins.allows(&origin) => next.run(request).await,
        _ => {
            tracing::warn!(path = %request.uri().path(), "cross-site request refused");
            (
                StatusCode::FORBIDDEN,
                "cross-site request refused: submit the form from the portal's own pages\n",
            )
                .into_response()
        }
    }
}

/// Sends a signed-out browser asking for a portal page to the sign-in page, to come back after.
pub async fn pages_need_a_session(
    State(state): State<Portal>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if request.method() != Method::GET || !app::requires_session(path) {
        return next.run(request).await;
    }
    let token = portal::auth::session_token(
        request.headers(),
        portal::auth::session_cookie_name(&state.auth),
    );
    if let Some(token) = token {
        match state
            .accounts
            .session(&token, state.auth.policy, portal::now_ms())
            .await
        {
            Ok(Some(_)) => return next.run(request).await,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "cannot read the session");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the portal database does not answer\n",
                )
                    .into_response();
            }
        }
    }
    let wanted = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let next_param: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
    Redirect::to(&format!("/sign-in?next={next_param}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_public_urls_allow_every_loopback_name() {
        let origins = Origins::from_public_url("http://127.0.0.1:3000").unwrap();
        assert!(origins.allows("http://127.0.0.1:3000"));
        assert!(origins.allows("http://localhost:3000"));
        assert!(!origins.allows("http://localhost:3001"));
        assert!(!origins.allows("https://127.0.0.1:3000"));
        assert!(!origins.is_https());
    }

    #[test]
    fn a_public_host_allows_itself_only() {
        let origins = Origins::from_public_url("https://portal.example.com").unwrap();
        assert!(origins.allows("https://portal.example.com"));
        assert!(!origins.allows("https://evil.example.com"));
        assert!(!origins.allows("http://portal.example.com"));
        assert!(origins.is_https());
        assert!(Origins::from_public_url("portal.example.com").is_err());
    }

    #[test]
    fn referers_are_reduced_to_their_origin() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/settings?x=1").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("https://portal.example.com/a").as_deref(),
            Some("https://portal.example.com")
        );
        assert_eq!(origin_of("not a url"), None);
    }
}
