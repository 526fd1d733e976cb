//! The boundary between the reconciler and whatever runs clusters: the [`Provider`] trait.
//!
//! The reconciler asks it to start work (a control-plane change, an instance boot, a teardown)
//! and records what it answered (how long, whether it will fail) in the store, so a restarted
//! orchestrator carries on where it stopped. [`simulated::Simulated`] is the only provider: it
//! boots nothing, but takes realistic time, with jitter and injected failures.

pub mod simulated;

use std::time::Duration;

use crate::model::Task;

/// How an instance boot will go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boot {
    pub duration: Duration,
    /// The boot will end in an error (the reconciler replaces the instance).
    pub fails: bool,
}

/// Runs control planes and instances.
pub trait Provider: Send + Sync + 'static {
    /// Starts a control-plane task; how long it takes.
    fn control_plane(&self, task: &Task) -> Duration;
    /// Starts an instance.
    fn boot_instance(&self) -> Boot;
    /// Starts tearing an instance down; how long it takes.
    fn destroy_instance(&self) -> Duration;
    /// A public IPv4 address for a new instance.
    fn public_ip(&self) -> String;
}
