//! Server-only parts of the app: the state every request can reach, and the portal store.
//!
//! Nothing here is compiled into the browser bundle.

pub mod accounts;
pub mod store;

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
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: store::Store,
    pub orchestration: Orchestration,
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
