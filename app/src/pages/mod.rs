//! One module per page (or per resource, once a resource has several pages).

pub mod account;
pub mod activity;
pub mod auth;
pub mod catalog;
pub mod clusters;
pub mod invite;
pub mod lazy;
pub mod not_found;
pub mod settings;
