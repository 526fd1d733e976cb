//! Capstan's user interface: the HTML shell, the routes, the pages and their components, and the
//! server functions they call.
//!
//! The crate compiles twice: with `ssr` for the server (rendering and server functions) and with
//! `hydrate` for the browser (wasm). Server-only code lives in [`ssr`] and never reaches the bundle.
//! The types the server functions exchange, and the rules both sides apply, are `portal-types`'.

#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod pages;
pub mod server_fns;

// What crosses the wire and the rules both sides apply live in `portal-types`; they are named
// from here as if they were the crate's own (`crate::clusters::ClusterRow`).
pub use portal_types::{
    access, accounts, activity, catalog, clusters, credentials, error, health, installation,
    labels, live, members, nodepools, pricing, roles, state, theme, upgrades, url, wizard,
};

#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{App, requires_session, shell};

/// The portal's version, shown in the footer and reported by the server.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
