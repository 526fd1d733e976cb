//! The Content-Security-Policy of the portal's pages.
//!
//! Leptos writes its hydration and resource scripts inline, each with the render's nonce (the
//! server chooses one per page request, [`PageNonce`]); the policy allows scripts from the
//! portal itself and inline ones carrying that nonce, and lets the wasm be compiled
//! (`'wasm-unsafe-eval'`). There are no inline styles, so styles come only from the portal's
//! stylesheet.

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

/// The nonce the server chose for the page a request renders, handed to the render as a request
/// extension. The server's header layer makes it ([`new_nonce`]) and, when the answer is a page,
/// sends [`page_policy`] with it; the render's inline scripts carry it ([`use_page_nonce`]). The
/// policy is decided where the response leaves, not through the render's response options:
/// headers a render sets there have been seen not to reach the response (issue 14's note).
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

/// A fresh nonce: 128 random bits, URL-safe base64 (what leptos makes for its own).
pub fn new_nonce() -> PageNonce {
    PageNonce(leptos::nonce::Nonce::new().to_string())
}

/// Makes the render use the nonce the server chose for this request (see [`PageNonce`]), in
/// place of the one leptos made: the hydration script, the resources' scripts and the policy
/// then agree. Called first thing in the shell, on the render's root owner.
pub fn use_page_nonce() {
    let chosen = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = chosen {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
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
