//! Security headers and caching rules on every response.
//!
//! - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
//!   `X-Frame-Options: DENY`, and `Strict-Transport-Security` when the public URL is https.
//! - A Content-Security-Policy on every response: pages get theirs from the shell, with the
//!   nonce of their inline scripts ([`app::ssr::security::page_policy`]); everything else gets
//!   [`app::ssr::security::FALLBACK_POLICY`], which allows nothing to run.
//! - Caching: nothing the portal answers from its own data is stored (`no-store` on pages,
//!   server functions, errors and health); the static files under `/pkg` and the icon are not
//!   content-hashed, so browsers keep them but ask again each time (`no-cache`, answered 304
//!   when unchanged). A response that set its own `Cache-Control` (a live stream, a download)
//!   keeps it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, header};

use crate::security::Origins;

/// HSTS: two years, as browsers' preload lists ask.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Whether `path` is one of the static files (built JS, wasm, CSS, icons).
fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
}

/// Adds the headers above to every response.
pub async fn secure(State(origins): State<Arc<Origins>>, request: Request, next: Next) -> Response {
    let is_static = is_static_file(request.uri().path());
    let mut response = next.run(request).await;
    let redirect = response.status().is_redirection();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if origins.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    // A redirect gets none: the page it leads to brings its own (Chrome has been seen to
    // blame the page being left for loads under a redirect's policy).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) && !redirect {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::ssr::security::FALLBACK_POLICY),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let rule = if is_static { "no-cache" } else { "no-store" };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(rule));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn headers_of(public_url: &str, path: &str, router: Router) -> http::HeaderMap {
        let origins = Arc::new(Origins::from_public_url(public_url).unwrap());
        let router = router.layer(axum::middleware::from_fn_with_state(origins, secure));
        let request = http::Request::get(path).body(Body::empty()).unwrap();
        router.oneshot(request).await.unwrap().headers().clone()
    }

    fn routes() -> Router {
        Router::new()
            .route("/clusters", get(|| async { "page" }))
            .route("/pkg/capstan.js", get(|| async { "js" }))
            .route(
                "/live/clusters",
                get(|| async { ([(header::CACHE_CONTROL, "no-cache")], "stream") }),
            )
    }

    #[tokio::test]
    async fn every_answer_carries_the_security_headers_and_is_not_stored() {
        let headers = headers_of("http://127.0.0.1:3000", "/clusters", routes()).await;
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert!(
            !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS over plain http"
        );
        let https = headers_of("https://portal.example.com", "/clusters", routes()).await;
        assert_eq!(https[header::STRICT_TRANSPORT_SECURITY], HSTS);
    }

    #[tokio::test]
    async fn static_files_are_revalidated_and_own_rules_are_kept() {
        let js = headers_of("http://127.0.0.1:3000", "/pkg/capstan.js", routes()).await;
        assert_eq!(js[header::CACHE_CONTROL], "no-cache");
        let stream = headers_of("http://127.0.0.1:3000", "/live/clusters", routes()).await;
        assert_eq!(stream[header::CACHE_CONTROL], "no-cache");
    }
}
