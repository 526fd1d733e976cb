//! Waiting for an operation to end, at the cadence Exoscale's own clients use: every 3 s for
//! the first 30 s, then slowing linearly to every 60 s at 15 minutes, then every 60 s.

use std::time::Duration;

use tokio::time::Instant;

use super::{Client, Error};
use crate::model::{Operation, OperationState, ZoneName};

/// How to wait for an operation.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Multiplies the upstream cadence (1.0 = as Exoscale's clients; smaller for a fast local
    /// orchestrator).
    pub cadence: f64,
    /// Give up after this long (none: wait as long as it takes).
    pub deadline: Option<Duration>,
    /// Give up after this many polling errors in a row (both upstream clients use 5).
    pub max_consecutive_errors: u32,
    /// Keep waiting while the API is out ([`Error::is_outage`]: unreachable, hanging,
    /// answering 5xx or 429) until the deadline; only other errors count toward
    /// [`WaitOptions::max_consecutive_errors`]. For background tasks that must not give up on
    /// an operation because the API was away for a while.
    pub through_outages: bool,
}

impl WaitOptions {
    /// The same options, riding out outages (see [`WaitOptions::through_outages`]).
    pub fn through_outages(self) -> WaitOptions {
        WaitOptions {
            through_outages: true,
            ..self
        }
    }
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            cadence: 1.0,
            deadline: None,
            max_consecutive_errors: 5,
            through_outages: false,
        }
    }
}

/// The pause before the next poll, `elapsed` after the wait began.
pub fn poll_interval(elapsed: Duration) -> Duration {
    let t = elapsed.as_secs_f64();
    let seconds = if t < 30.0 {
        3.0
    } else if t < 900.0 {
        // Linear from 3 s at 30 s to 60 s at 900 s.
        3.0 + (t - 30.0) * 57.0 / 870.0
    } else {
        60.0
    };
    Duration::from_secs_f64(seconds)
}

impl Client {
    /// Polls `operation` until it ends. `success` returns the final operation; `failure` and
    /// `timeout` return [`Error::OperationFailed`] with its reason and message.
    pub async fn wait(
        &self,
        zone: &ZoneName,
        operation: &Operation,
        options: &WaitOptions,
    ) -> Result<Operation, Error> {
        let id = operation.id.ok_or_else(|| Error::Decode {
            url: "operation".into(),
            message: "the operation has no id".into(),
        })?;
        let started = Instant::now();
        let mut current = operation.clone();
        let mut errors_in_a_row = 0;
        loop {
            match &current.state {
                Some(OperationState::Success) => return Ok(current),
                Some(OperationState::Failure | OperationState::Timeout) => {
                    return Err(Error::OperationFailed(Box::new(current)));
                }
                Some(OperationState::Pending) | None => {}
                Some(OperationState::Unknown(state)) => {
                    return Err(Error::Decode {
                        url: format!("/operation/{id}"),
                        message: format!("unknown operation state {state:?}"),
                    });
                }
            }
            let pause = poll_interval(started.elapsed()).mul_f64(options.cadence.max(0.0));
            if let Some(deadline) = options.deadline
                && started.elapsed() + pause > deadline
            {
                return Err(Error::WaitAbandoned {
                    id: id.to_string(),
                    reason: format!("still pending after {deadline:?}"),
                });
            }
            tokio::time::sleep(pause).await;
            match self.get_operation(zone, id).await {
                Ok(operation) => {
                    current = operation;
                    errors_in_a_row = 0;
                }
                Err(error) if options.through_outages && error.is_outage() => {
                    // The deadline, checked before the next pause, bounds the wait.
                    errors_in_a_row = 0;
                }
                Err(error) => {
                    errors_in_a_row += 1;
                    if errors_in_a_row >= options.max_consecutive_errors {
                        return Err(Error::WaitAbandoned {
                            id: id.to_string(),
                            reason: format!(
                                "{errors_in_a_row} polling errors in a row, last: {error}"
                            ),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence_matches_the_upstream_clients() {
        assert_eq!(poll_interval(Duration::ZERO), Duration::from_secs(3));
        assert_eq!(
            poll_interval(Duration::from_secs(29)),
            Duration::from_secs(3)
        );
        let mid = poll_interval(Duration::from_secs(465)).as_secs_f64();
        assert!((mid - 31.5).abs() < 0.01, "{mid}");
        assert!((poll_interval(Duration::from_secs(899)).as_secs_f64() - 60.0).abs() < 0.1);
        assert_eq!(
            poll_interval(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn cadence_never_speeds_up() {
        let mut previous = Duration::ZERO;
        for second in 0..1200 {
            let interval = poll_interval(Duration::from_secs(second));
            assert!(interval >= previous, "at {second}s");
            previous = interval;
        }
    }
}
