//! The orchestration contract Capstan speaks: the SKS subset of Exoscale's public API v2
//! (`shared/contracts/exoscale-v2-sks.openapi.json`).
//!
//! - [`model`]: serde types for every request and response, field names exactly as on the wire
//!   (kebab-case). Optional fields are omitted when absent; unknown fields are ignored when
//!   reading, and enum values this version does not know are kept (`Unknown(..)`) instead of
//!   failing the whole response.
//! - [`validate`]: the spec's rules (lengths, ranges, enums, required fields, list sizes) in one
//!   place, used by the local orchestrator on every body and by the portal on its forms.
//! - `sign` (feature `sign`): the EXO2-HMAC-SHA256 request signer and its verifier.
//! - `client` (feature `client`): the typed async client, with retries and an operation waiter.
//!
//! Without features the crate is plain data and builds for `wasm32-unknown-unknown`, so the UI
//! shares the types and the validation.

#[macro_use]
mod wire_enum;

pub mod model;
pub mod validate;

#[cfg(feature = "sign")]
pub mod sign;

#[cfg(feature = "client")]
pub mod client;

#[cfg(feature = "contract")]
pub mod contract;

pub use model::*;
