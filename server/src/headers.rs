//! Security headers and caching rules on every response.
//!
//! - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
//!   `X-Frame-Options: DENY`, and `Strict-Transport-Security` when the public URL is https.
//! - A Content-Security-Policy on every response. A request that may render a page gets a fresh
//!   nonce ([`app::ssr::security::PageNonce`], a request extension the render's scripts use);
//!   if the answer is HTML, it gets [`app::ssr::security::page_policy`] with that nonce (a
//!   script without it does not run). Everything else gets
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

/// Whether `path` may answer with a page the app renders (not a static file, a server
/// function, a live stream, a download or a probe).
fn may_render_a_page(path: &str) -> bool {
    !(is_static_file(path)
        || path.starts_with("/api/")
        || path.starts_with("/live/")
        || path.starts_with("/catalog/") && path.ends_with("/download")
        || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

/// Adds the headers above to every response.
pub async fn secure(
    State(origins): State<Arc<Origins>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_static = is_static_file(path);
    let nonce = may_render_a_page(path).then(app::ssr::security::new_nonce);
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(nonce.clone());
    }
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
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if let (Some(nonce), true) = (&nonce, is_html)
        && let Ok(policy) = HeaderValue::from_str(&app::ssr::security::page_policy(&nonce.0))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
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

    /// A page that writes the nonce it was handed into its script, as the shell does.
    async fn page(request: axum::extract::Request) -> axum::response::Html<String> {
        let nonce = request
            .extensions()
            .get::<app::ssr::security::PageNonce>()
            .map(|n| n.0.clone())
            .unwrap_or_default();
        axum::response::Html(format!("<script nonce=\"{nonce}\"></script>"))
    }

    fn routes() -> Router {
        Router::new()
            .route("/clusters", get(page))
            .route("/api/whoami", get(page))
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

    async fn answer(path: &str) -> (http::HeaderMap, String) {
        let origins = Arc::new(Origins::from_public_url("http://127.0.0.1:3000").unwrap());
        let router = routes().layer(axum::middleware::from_fn_with_state(origins, secure));
        let request = http::Request::get(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_page_is_allowed_exactly_the_scripts_carrying_its_own_fresh_nonce() {
        let (first, body) = answer("/clusters").await;
        let policy = first[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let nonce = body
            .strip_prefix("<script nonce=\"")
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert!(nonce.len() >= 22, "128 bits at least: {nonce:?}");
        assert_eq!(policy, app::ssr::security::page_policy(nonce));
        let (second, _) = answer("/clusters").await;
        assert_ne!(
            second[header::CONTENT_SECURITY_POLICY],
            first[header::CONTENT_SECURITY_POLICY],
            "a new nonce for every page"
        );
        // A server function's answer, even HTML, never runs anything.
        let (api, body) = answer("/api/whoami").await;
        assert_eq!(body, "<script nonce=\"\"></script>");
        assert_eq!(
            api[header::CONTENT_SECURITY_POLICY],
            app::ssr::security::FALLBACK_POLICY
        );
    }

    #[tokio::test]
    async fn static_files_are_revalidated_and_own_rules_are_kept() {
        let js = headers_of("http://127.0.0.1:3000", "/pkg/capstan.js", routes()).await;
        assert_eq!(js[header::CACHE_CONTROL], "no-cache");
        let stream = headers_of("http://127.0.0.1:3000", "/live/clusters", routes()).await;
        assert_eq!(stream[header::CACHE_CONTROL], "no-cache");
    }
}
