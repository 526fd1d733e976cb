//! The server's HTTP surface, driven in-process through the real router (and once over a real
//! socket): pages, 404, health, readiness, metrics, server functions and shutdown.

use crate::support::*;
use axum::body::Body;
use http::{Request, StatusCode, header};
use tower::ServiceExt;

#[tokio::test]
async fn home_page_is_complete_server_rendered_html() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "home@example.com").await;
    let (status, headers, body) = send(&h.router, get_with("/", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.starts_with("<!DOCTYPE html>"), "{body:.200}");
    assert!(
        body.contains(r#"<nav aria-label="Primary""#),
        "navigation missing"
    );
    for section in ["Clusters", "Catalog", "Activity", "Settings"] {
        assert!(body.contains(section), "{section} missing");
    }
    assert!(body.contains("/pkg/capstan.js"), "hydration script missing");
    assert!(body.contains("/pkg/capstan.css"), "stylesheet missing");
    assert!(
        body.contains(&format!("v{}", app::VERSION)),
        "version missing"
    );
    assert!(
        body.contains(r#"data-theme="system""#),
        "default theme missing"
    );
}

#[tokio::test]
async fn each_section_renders_on_the_server() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "sections@example.com").await;
    for (path, title) in [
        ("/clusters", "Clusters · Capstan"),
        ("/catalog", "Catalog · Capstan"),
        ("/activity", "Activity · Capstan"),
        ("/settings", "Settings · Capstan"),
    ] {
        let (status, _, body) = send(&h.router, get_with(path, &cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            body.contains(&format!("<title>{title}</title>")),
            "{path}: title"
        );
        assert!(
            body.contains(r#"aria-current="page""#),
            "{path}: current section"
        );
    }
}

#[tokio::test]
async fn settings_shows_the_database_and_the_orchestrator_without_javascript() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "settings@example.com").await;
    let (_, _, body) = send(&h.router, get_with("/settings", &cookie)).await;
    assert!(
        body.contains("SQLite"),
        "the About facts must be in the HTML"
    );
    // Read from the embedded orchestrator over HTTP with the signed client.
    assert!(
        body.contains("Local orchestrator (http://127.0.0.1:"),
        "{body}"
    );
    assert!(body.contains("1.36.3, 1.35.6, 1.34.10"), "{body}");
}

#[tokio::test]
async fn the_embedded_orchestrator_answers_signed_calls_only() {
    let h = harness().await;
    let orchestration = &h.embedded.orchestration;
    let zone = sks_api::ZoneName::DEFAULT;
    assert!(
        orchestration
            .client
            .list_sks_clusters(&zone)
            .await
            .unwrap()
            .is_empty()
    );
    let url = orchestration.endpoint.replace("{zone}", zone.as_str()) + "/sks-cluster";
    let unsigned = reqwest::get(url).await.unwrap();
    assert_eq!(unsigned.status(), reqwest::StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_paths_answer_404_with_the_not_found_page() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "lost@example.com").await;
    for path in ["/nope", "/clusters/x/y/z", "/pkg/missing.js"] {
        let (status, _, body) = send(&h.router, get_with(path, &cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        if !path.starts_with("/pkg/") {
            assert!(body.contains("Page not found"), "{path}");
        }
    }
}

#[tokio::test]
async fn the_theme_cookie_is_rendered_on_html() {
    let h = harness().await;
    let request = Request::get("/sign-in")
        .header(header::COOKIE, "other=1; capstan_theme=dark")
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&h.router, request).await;
    assert!(body.contains(r#"data-theme="dark""#));
}

#[tokio::test]
async fn setting_the_theme_from_a_plain_form_sets_the_cookie_and_goes_back() {
    let h = harness().await;
    let request = form_post("/api/set_theme")
        .header(header::ORIGIN, ORIGIN)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/catalog")
        .body(Body::from("theme=dark"))
        .unwrap();
    let (status, headers, _) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::FOUND);
    // Back to the page it came from, as a path of this site.
    assert_eq!(headers[header::LOCATION], "/catalog");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("capstan_theme=dark;"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// A plain form post goes back to its `Referer` only when that is a page of the portal
/// (security review M1: every redirect passes the same check).
#[tokio::test]
async fn a_plain_form_post_never_goes_back_to_another_site() {
    let h = harness().await;
    for referer in [
        "https://evil.example/catalog",
        "http://127.0.0.1:3000@evil.example/",
        "http://127.0.0.1:3000//evil.example/",
    ] {
        let request = form_post("/api/set_theme")
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, referer)
            .body(Body::from("theme=dark"))
            .unwrap();
        let (status, headers, _) = send(&h.router, request).await;
        assert_eq!(status, StatusCode::FOUND, "{referer}");
        assert_eq!(headers[header::LOCATION], "/", "{referer}");
    }
}

#[tokio::test]
async fn an_unknown_theme_is_refused_naming_the_field() {
    let h = harness().await;
    let request = form_post("/api/set_theme")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from("theme=purple"))
        .unwrap();
    let (status, headers, body) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert!(
        body.contains("theme") && body.contains("system, light, dark"),
        "{body}"
    );
}

/// The nonce a page's Content-Security-Policy allows inline scripts with.
fn policy_nonce(headers: &http::HeaderMap) -> String {
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let start = policy.find("'nonce-").expect(policy) + "'nonce-".len();
    policy[start..].split('\'').next().unwrap().to_owned()
}

#[tokio::test]
async fn pages_run_only_their_own_scripts_and_nothing_is_cached() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "headers@example.com").await;
    for (path, cookie) in [("/sign-in", None), ("/", Some(&cookie)), ("/nope", None)] {
        let request = match cookie {
            Some(cookie) => get_with(path, cookie),
            None => get(path),
        };
        let (_, headers, body) = send(&h.router, request).await;
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in [
            "'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                policy.contains(directive),
                "{path}: {directive} in {policy}"
            );
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        // Every script of the page carries the policy's nonce.
        let nonce = policy_nonce(&headers);
        let tags: Vec<&str> = body
            .match_indices("<script")
            .map(|(at, _)| &body[at..at + body[at..].find('>').unwrap()])
            .collect();
        assert!(!tags.is_empty(), "{path}: the hydration script");
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {tag} lacks the nonce {nonce}"
            );
        }
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
        assert!(
            !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS over http"
        );
    }
    // A new nonce for every page.
    let (_, first, _) = send(&h.router, get("/sign-in")).await;
    let (_, second, _) = send(&h.router, get("/sign-in")).await;
    assert_ne!(policy_nonce(&first), policy_nonce(&second));

    // Server functions' answers are not stored either, and run nothing.
    let (_, headers, _) = send(&h.router, call("/api/whoami", "", &cookie)).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    // Signing out asks the browser to drop what it cached.
    let (_, headers, _) = send(&h.router, call("/api/sign_out", "", &cookie)).await;
    assert_eq!(headers["clear-site-data"], "\"cache\"");
}

#[tokio::test]
async fn health_and_readiness() {
    let h = harness().await;
    let (status, _, body) = send(&h.router, get("/healthz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, _, _) = send(&h.router, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);

    // Without its database the portal is alive but not ready.
    h.store.close().await;
    let (status, _, _) = send(&h.router, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(&h.router, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("database"), "{body}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let h = harness().await;
    let cookie = sign_up(&h.router, "metrics@example.com").await;
    send(&h.router, get_with("/catalog", &cookie)).await;
    send(&h.router, get_with("/catalog", &cookie)).await;
    send(&h.router, get("/no-such-page-1")).await;
    send(&h.router, get("/no-such-page-2")).await;
    let (status, headers, text) = send(&h.router, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert!(
        text.contains(
            r#"capstan_http_requests_total{method="GET",route="/catalog",status="200"} 2"#
        ),
        "{text}"
    );
    // Unknown addresses share one series, whatever the path.
    assert!(
        text.contains(
            r#"capstan_http_requests_total{method="GET",route="unmatched",status="404"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"capstan_http_request_duration_seconds_bucket{method="GET",route="/catalog",status="200",le="+Inf"} 2"#
    ));
    assert!(!text.contains("no-such-page"));
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let h = harness().await;
    let request = Request::get("/sign-in")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = within("GET /sign-in (gzip)", h.router.clone().oneshot(request))
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn serves_over_a_real_socket_and_shuts_down_gracefully() {
    let h = harness().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, h.router.clone(), async {
        let _ = stopped.await;
    }));

    let response = reqwest::get(format!("http://{address}/readyz"))
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);

    stop.send(()).unwrap();
    server.await.unwrap().expect("a clean shutdown");
    assert!(
        reqwest::get(format!("http://{address}/healthz"))
            .await
            .is_err(),
        "nothing listens after shutdown"
    );
}
