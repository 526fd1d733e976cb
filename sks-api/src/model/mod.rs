//! Wire types of the contract, one module per area. Names follow the spec's schemas
//! (`sks-cluster` → [`SksCluster`]); request bodies are named after their operation
//! (`create-sks-cluster` → [`CreateSksClusterRequest`]).

mod access;
mod cluster;
mod common;
mod compute;
mod network;
mod nodepool;

pub use access::*;
pub use cluster::*;
pub use common::*;
pub use compute::*;
pub use network::*;
pub use nodepool::*;
