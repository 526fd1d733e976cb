//! The portal's server-side domain: accounts and authorization, the portal store, the
//! orchestration clients, the live hub, upgrade plans and the catalog engine.
//!
//! Everything here takes its state explicitly — a [`Portal`] (built once at start) and, for
//! what a person asks, an [`auth::Caller`] (resolved from the request's headers by
//! [`Portal::authorize`]). There is no Leptos in this crate: the server functions in `app` and
//! the server's own routes (the live streams) call it alike.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod auth;
pub mod catalog;
pub mod clusters;
pub mod create;
pub mod create_requests;
pub mod credentials;
pub mod delete;
pub mod health;
pub mod live;
pub mod members;
pub mod nodepools;
pub mod orchestration;
pub mod protection;
pub mod sessions;
pub mod settings;
pub mod store;
pub mod upgrades;

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

/// Everything a request handler, a server function or a background task needs, built once at
/// start. Cheap to clone (it is handles all the way down).
#[derive(Clone)]
pub struct Portal {
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

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
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

/// Unix milliseconds as RFC 3339 in UTC (`2026-12-13T17:20:00Z`).
pub fn utc_rfc3339(ms: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "unknown".to_owned())
}
