//! The simulated provider: nothing boots, but everything takes the time it would.
//!
//! At `--speed 1` a control plane takes about 100 s and a node about 120 s (±20 % jitter);
//! `--speed 50` divides every duration by 50. `--fail-rate 0.1` makes that share of instance
//! boots fail.

use std::time::Duration;

use rand::Rng;

use super::{Boot, Provider};
use crate::model::Task;

/// Durations at speed 1, in seconds.
const CONTROL_PLANE_CREATE: f64 = 100.0;
const CONTROL_PLANE_UPGRADE: f64 = 90.0;
const CONTROL_PLANE_DELETE: f64 = 30.0;
const LEVEL_UPGRADE: f64 = 30.0;
const ROTATION: f64 = 20.0;
const UPDATE: f64 = 5.0;
const INSTANCE_BOOT: f64 = 120.0;
const INSTANCE_TEARDOWN: f64 = 30.0;
/// Relative spread of every duration.
const JITTER: f64 = 0.2;

/// The simulated provider.
#[derive(Debug, Clone)]
pub struct Simulated {
    speed: f64,
    fail_rate: f64,
}

impl Simulated {
    /// `speed` > 0 divides every duration; `fail_rate` in 0..=1 is the share of failing boots.
    pub fn new(speed: f64, fail_rate: f64) -> Simulated {
        Simulated {
            speed: if speed > 0.0 { speed } else { 1.0 },
            fail_rate: fail_rate.clamp(0.0, 1.0),
        }
    }

    fn duration(&self, seconds: f64) -> Duration {
        let jitter = rand::rng().random_range(1.0 - JITTER..=1.0 + JITTER);
        Duration::from_secs_f64(seconds * jitter / self.speed)
    }
}

impl Provider for Simulated {
    fn control_plane(&self, task: &Task) -> Duration {
        self.duration(match task {
            Task::Create { .. } => CONTROL_PLANE_CREATE,
            Task::Upgrade { .. } => CONTROL_PLANE_UPGRADE,
            Task::Delete => CONTROL_PLANE_DELETE,
            Task::Level { .. } => LEVEL_UPGRADE,
            Task::Rotate { .. } => ROTATION,
            Task::Update => UPDATE,
        })
    }

    fn boot_instance(&self) -> Boot {
        Boot {
            duration: self.duration(INSTANCE_BOOT),
            fails: rand::rng().random_bool(self.fail_rate),
        }
    }

    fn destroy_instance(&self) -> Duration {
        self.duration(INSTANCE_TEARDOWN)
    }

    fn public_ip(&self) -> String {
        // 194.182.160.0/19 is an Exoscale range; the simulation only borrows its shape.
        let mut rng = rand::rng();
        format!(
            "194.182.{}.{}",
            rng.random_range(160..192),
            rng.random_range(2..255)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_scale_with_speed_and_stay_within_the_jitter() {
        let normal = Simulated::new(1.0, 0.0);
        let fast = Simulated::new(50.0, 0.0);
        for _ in 0..100 {
            let boot = normal.boot_instance().duration.as_secs_f64();
            assert!((96.0..=144.0).contains(&boot), "{boot}");
            let quick = fast.boot_instance().duration.as_secs_f64();
            assert!((1.92..=2.88).contains(&quick), "{quick}");
            let create = normal
                .control_plane(&Task::Create {
                    version: "1.35.6".into(),
                })
                .as_secs_f64();
            assert!((80.0..=120.0).contains(&create), "{create}");
        }
    }

    #[test]
    fn the_fail_rate_is_the_share_of_failing_boots() {
        assert!(!(0..1000).any(|_| Simulated::new(1.0, 0.0).boot_instance().fails));
        assert!((0..1000).all(|_| Simulated::new(1.0, 1.0).boot_instance().fails));
        let failures = (0..10_000)
            .filter(|_| Simulated::new(1.0, 0.1).boot_instance().fails)
            .count();
        assert!((700..1300).contains(&failures), "{failures}");
    }
}
