//! The Content-Security-Policy of the portal's pages.
//!
//! Leptos writes its hydration and resource scripts inline, each with the render's nonce
//! (leptos_axum provides one per request); the policy allows scripts from the portal itself and
//! inline ones carrying that nonce, and lets the wasm be compiled (`'wasm-unsafe-eval'`). There
//! are no inline styles, so styles come only from the portal's stylesheet.

use leptos::prelude::*;

/// The policy of a page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of everything that is not a page rendered by the app (server-function answers,
/// static files, plain error pages): nothing may run, only the stylesheet and images load.
pub const FALLBACK_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Sets the page's policy on the response being rendered, with this render's nonce.
pub fn set_page_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_run_only_their_own_scripts() {
        let policy = page_policy("abc123");
        for directive in [
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline"));
        assert!(FALLBACK_POLICY.contains("default-src 'none'"));
    }
}
