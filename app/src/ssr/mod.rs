//! Server-only parts of the app: the state every request can reach, and the portal store.
//!
//! Nothing here is compiled into the browser bundle.

pub mod accounts;
pub mod auth;
pub mod catalog;
pub mod clusters;
pub mod create_requests;
pub mod live;
pub mod orchestration;
pub mod security;
pub mod store;
pub mod upgrades;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::error::AppError;
use crate::theme::Theme;

/// The orchestration API the portal drives, and how it reaches it.
#[derive(Clone, Debug)]
pub struct Orchestration {
    /// What it is, for people: "Local orchestrator" or "Exoscale".
    pub kind: String,
    /// The endpoint template (`…/{zone}/v2`).
    pub endpoint: String,
    /// A client signed with the portal's key.
    pub client: sks_api::client::Client,
}

/// Everything a request handler or server function needs, built once at start.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: store::Store,
    pub accounts: accounts::Accounts,
    pub sealer: accounts::secrets::Sealer,
    pub auth: auth::AuthConfig,
    /// Mints orchestration credentials for a new organization.
    pub minter: auth::Minter,
    pub orchestration: Orchestration,
    /// Endpoint template of Exoscale's API (for organizations that bring a key).
    pub exoscale_endpoint: String,
    /// Longest wait for one answer of the orchestration API (each attempt of a call).
    pub orchestration_timeout: std::time::Duration,
    /// Longest time a request (not a live stream) may take before it is answered 503.
    pub request_timeout: std::time::Duration,
    /// Requests (other than live streams) served at once.
    pub max_concurrent_requests: usize,
    /// The one-time token the first account needs, when the portal listens beyond loopback
    /// (printed in the log at start); `None` on loopback.
    pub bootstrap: Option<std::sync::Arc<str>>,
    /// The organizations' orchestration clients, reused while their credentials stay the same.
    pub clients: orchestration::Clients,
    /// Watchers of clusters and their subscribers (the live pages).
    pub live: live::Hub,
    /// Blueprints and add-ons, loaded and checked at start.
    pub catalog: std::sync::Arc<catalog::Catalog>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("auth", &self.auth)
            .field("orchestration", &self.orchestration)
            .finish_non_exhaustive()
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Unix milliseconds as people read a moment: `2026-12-13 17:20 UTC`.
pub fn utc_minute(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(at) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        ),
        Err(_) => "an unknown time".to_owned(),
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The application state of the current request (provided by the server for every render and
/// every server function call).
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::Internal("the application state is missing".into()))
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
