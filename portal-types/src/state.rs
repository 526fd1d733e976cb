//! What a state word means, for every state the portal shows: a cluster's, a nodepool's or an
//! instance's (the API's wire values), and the outcome of an operation, an upgrade step or an
//! audited action. The server decides from it how closely to watch a cluster; the UI maps it
//! to a colour — never the other way round.

/// Where a resource or an operation stands, read from its state word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Working as asked, or finished well.
    Settled,
    /// On its way somewhere: worth watching closely.
    Moving,
    /// Failed, or needs attention.
    Failed,
    /// Nothing to say (unknown, stopped or skipped).
    Idle,
}

/// The standing of a state word (the API's, or the portal's own outcome words).
pub fn standing(state: &str) -> Standing {
    match state {
        // Resources, then outcomes of operations, plans and audited actions.
        "running" | "success" | "done" => Standing::Settled,
        "error" | "degraded" | "failure" | "failed" | "timeout" | "denied" => Standing::Failed,
        "started" | "creating" | "deleting" | "upgrading" | "updating" | "scaling" | "resuming"
        | "suspending" | "starting" | "stopping" | "destroying" | "renewing-token" | "pending" => {
            Standing::Moving
        }
        s if s.starts_with("rotating-") => Standing::Moving,
        _ => Standing::Idle,
    }
}

/// Whether a cluster, nodepool or instance state is on its way somewhere.
pub fn is_transitional(state: &str) -> bool {
    standing(state) == Standing::Moving
}

#[cfg(test)]
mod tests {
    use super::*;
    use sks_api::{ClusterState, NodepoolState};

    #[test]
    fn every_state_the_api_sends_is_read_as_the_api_means_it() {
        for state in ClusterState::ALL {
            assert_eq!(
                is_transitional(state.as_str()),
                state.is_transitional(),
                "cluster {state:?}"
            );
        }
        for state in NodepoolState::ALL {
            assert_eq!(
                is_transitional(state.as_str()),
                state.is_transitional(),
                "nodepool {state:?}"
            );
        }
    }

    #[test]
    fn outcomes_read_as_settled_failed_or_idle() {
        for (state, expected) in [
            ("success", Standing::Settled),
            ("done", Standing::Settled),
            ("failed", Standing::Failed),
            ("denied", Standing::Failed),
            ("timeout", Standing::Failed),
            ("started", Standing::Moving),
            ("pending", Standing::Moving),
            ("skipped", Standing::Idle),
            ("stopped", Standing::Idle),
            ("something-new", Standing::Idle),
        ] {
            assert_eq!(standing(state), expected, "{state}");
        }
    }
}
