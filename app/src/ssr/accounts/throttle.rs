//! Sign-in throttling: after repeated failures for one account or from one client address,
//! each further attempt must wait, longer and longer. The answer never says whether the
//! account exists: an unknown email is throttled like a known one.

use std::time::Duration;

/// Failures for one account before waits begin.
pub const ACCOUNT_FREE_FAILURES: i64 = 3;
/// Failures from one address before waits begin (several people may share an address).
pub const ADDRESS_FREE_FAILURES: i64 = 10;
/// Longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// What is throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Account(String),
    Address(String),
}

impl Subject {
    /// The key stored for it.
    pub fn key(&self) -> String {
        match self {
            Subject::Account(email) => format!("account:{}", email.to_lowercase()),
            Subject::Address(address) => format!("address:{address}"),
        }
    }

    fn free_failures(&self) -> i64 {
        match self {
            Subject::Account(_) => ACCOUNT_FREE_FAILURES,
            Subject::Address(_) => ADDRESS_FREE_FAILURES,
        }
    }

    /// How long to refuse attempts after `failures` failures: nothing for the first few, then
    /// 1 s, 2 s, 4 s… up to [`MAX_WAIT`].
    pub fn wait_after(&self, failures: i64) -> Duration {
        let over = failures - self.free_failures();
        if over <= 0 {
            return Duration::ZERO;
        }
        let exponent = u32::try_from(over - 1).unwrap_or(u32::MAX).min(20);
        Duration::from_secs(1u64 << exponent).min(MAX_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_are_capped() {
        let account = Subject::Account("Alice@Example.com".into());
        assert_eq!(account.key(), "account:alice@example.com");
        let waits: Vec<u64> = (0..8).map(|n| account.wait_after(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(account.wait_after(1000), MAX_WAIT);
        let address = Subject::Address("192.0.2.7".into());
        assert_eq!(address.wait_after(10), Duration::ZERO);
        assert_eq!(address.wait_after(11), Duration::from_secs(1));
    }
}
