//! Capstan's user interface: the HTML shell, the routes, the pages and their components, and the
//! server functions they call.
//!
//! The crate compiles twice: with `ssr` for the server (rendering and server functions) and with
//! `hydrate` for the browser (wasm). Server-only code lives in [`ssr`] and never reaches the bundle.

#![recursion_limit = "256"]

pub mod app;
pub mod catalog;
pub mod components;
pub mod error;
pub mod labels;
pub mod live;
pub mod pages;
pub mod pricing;
pub mod roles;
pub mod server_fns;
pub mod theme;
pub mod url;
pub mod wizard;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{App, requires_session, shell};

/// The portal's version, shown in the footer and reported by the server.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
