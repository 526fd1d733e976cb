//! The portal domain's integration tests, in one binary: the store and its migrations,
//! accounts, create requests and the catalog, each scenario on SQLite and then on PostgreSQL
//! (`support::on_both`).

mod support;

mod accounts;
mod catalog;
mod create_requests;
mod store;
