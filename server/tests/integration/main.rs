//! The server's integration tests, in one binary: the whole router over HTTP with a real
//! embedded orchestrator and store (`support` is the harness), the binary as a process
//! (`process`), several replicas on one database (`replicas`), outages (`faults`). One binary
//! links the server once; each test still runs in a process of its own under nextest,
//! bounded by `.config/nextest.toml`.

mod support;

mod auth;
mod catalog;
mod catalog_pages;
mod cluster_actions;
mod clusters;
mod faults;
mod live;
mod nodepools;
mod process;
mod properties;
mod replicas;
mod streams;
mod surface;
mod wizard;
