//! What crosses the wire between Capstan's browser app and its server, one module per resource,
//! and the pure rules both sides apply.
//!
//! Views are what a page shows (built by the server from the orchestration API's models and the
//! portal's store); rules are checks and readings that must agree in the browser and on the
//! server (the wizard's form, the list's filters, the sign-up checks, prices). Nothing here
//! knows about Leptos, a database or HTTP clients: the crate builds for the browser (wasm) and
//! for the server alike. Of the workspace it depends only on the API's wire types (`sks-api`,
//! without features); `AppError`'s server-function encoding is behind the `server-fn` feature.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod catalog;
pub mod clusters;
pub mod credentials;
pub mod error;
pub mod health;
pub mod installation;
pub mod labels;
pub mod live;
pub mod members;
pub mod nodepools;
pub mod pricing;
pub mod roles;
pub mod state;
pub mod theme;
pub mod upgrades;
pub mod url;
pub mod wizard;
