//! The orchestrator's integration tests, in one binary: its API over HTTP on both databases
//! (`api`, `properties`), a process killed mid-write (`crash`), and Exoscale's own Python
//! client driving a whole lifecycle (`python_client`). Each test still runs in a process of its
//! own under nextest.

mod support;

mod api;
mod crash;
mod properties;
mod python_client;
