//! Server functions: the only way the browser reaches server-side state. Each one is a POST
//! endpoint under `/api/`, callable from `<ActionForm>` without JavaScript.

pub mod activity;
pub mod auth;
pub mod catalog;
pub mod cluster_access;
pub mod cluster_changes;
pub mod cluster_upgrade;
pub mod clusters;
pub mod create_cluster;
pub mod credentials;
pub mod members;
pub mod nodepool_changes;
pub mod portal;
pub mod theme;
