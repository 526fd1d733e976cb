//! Throttling of guesses: signing in (per account and per client address), signing up (per
//! client address) and changing a password (per account). After a few free attempts each
//! further one must wait, longer and longer. The answer never says whether an account exists:
//! an unknown email is throttled like a known one.
//!
//! An attempt is counted *before* the password is looked at, in one statement that also
//! refuses it while the subject must wait ([`crate::accounts::Accounts::reserve_attempt`]).
//! Fifty parallel guesses are therefore as many guesses as the free attempts allow, not fifty.
//! A successful attempt forgets the count (sign-up never does); a quiet day forgets it too.

use std::net::IpAddr;
use std::time::Duration;

/// Longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// After this long without an attempt, a subject starts afresh.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// What is throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Sign-in attempts for one email address.
    Account(String),
    /// Sign-in attempts from one client address.
    Address(String),
    /// Accounts created from one client address.
    SignUp(String),
    /// Attempts to change the password of one account (by user id).
    PasswordChange(String),
}

impl Subject {
    /// The sign-in subject of a client address: IPv6 addresses by their /64 network (one
    /// customer's whole allocation), IPv4 addresses alone.
    pub fn address(address: &str) -> Subject {
        Subject::Address(bucket(address))
    }

    /// The sign-up subject of a client address, bucketed like [`Subject::address`].
    pub fn sign_up(address: &str) -> Subject {
        Subject::SignUp(bucket(address))
    }

    /// The key stored for it.
    pub fn key(&self) -> String {
        match self {
            Subject::Account(email) => format!("account:{}", email.to_lowercase()),
            Subject::Address(address) => format!("address:{address}"),
            Subject::SignUp(address) => format!("sign-up:{address}"),
            Subject::PasswordChange(user) => format!("password:{user}"),
        }
    }

    /// Attempts that never wait.
    pub fn free_attempts(&self) -> i64 {
        match self {
            Subject::Account(_) | Subject::PasswordChange(_) => 3,
            // Several people may share an address.
            Subject::Address(_) => 10,
            // A class or an office may sign up together behind one address.
            Subject::SignUp(_) => 20,
        }
    }

    /// How long the next attempt must wait once `attempts` were counted: nothing while they are
    /// fewer than the free ones, then 1 s, 2 s, 4 s… up to [`MAX_WAIT`].
    pub fn wait_after(&self, attempts: i64) -> Duration {
        let over = attempts - self.free_attempts();
        if over < 0 {
            return Duration::ZERO;
        }
        let exponent = u32::try_from(over).unwrap_or(u32::MAX).min(20);
        Duration::from_secs(1u64 << exponent).min(MAX_WAIT)
    }

    /// [`Subject::wait_after`] in milliseconds as an SQL expression (the same in SQLite and
    /// PostgreSQL) of `attempts`, an SQL expression itself.
    pub fn wait_ms_sql(&self, attempts: &str) -> String {
        let over = format!("(({attempts}) - {})", self.free_attempts());
        let max_ms = MAX_WAIT.as_millis();
        // 2^10 s is past MAX_WAIT: from there on the wait is MAX_WAIT (and no shift overflows).
        let seconds = format!("(1 << CAST({over} AS INTEGER))");
        format!(
            "(CASE WHEN {over} < 0 THEN 0 WHEN {over} >= 10 THEN {max_ms} \
             WHEN 1000 * {seconds} > {max_ms} THEN {max_ms} ELSE 1000 * {seconds} END)"
        )
    }
}

/// An address as throttled: IPv6 by its /64 (IPv4-mapped ones as IPv4), anything unparsable as
/// it is.
fn bucket(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_attempts_and_are_capped() {
        let account = Subject::Account("Alice@Example.com".into());
        assert_eq!(account.key(), "account:alice@example.com");
        let waits: Vec<u64> = (0..8).map(|n| account.wait_after(n).as_secs()).collect();
        // Three free attempts: the fourth waits a second, the fifth two…
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(account.wait_after(1000), MAX_WAIT);
        let address = Subject::address("192.0.2.7");
        assert_eq!(address.wait_after(9), Duration::ZERO);
        assert_eq!(address.wait_after(10), Duration::from_secs(1));
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64() {
        assert_eq!(
            Subject::address("2001:db8:1:2:aaaa::1").key(),
            "address:2001:db8:1:2::/64"
        );
        assert_eq!(
            Subject::address("2001:db8:1:2:ffff:1:2:3"),
            Subject::address("2001:db8:1:2::9")
        );
        assert_ne!(
            Subject::address("2001:db8:1:3::1"),
            Subject::address("2001:db8:1:2::1")
        );
        assert_eq!(
            Subject::address("::ffff:192.0.2.7").key(),
            "address:192.0.2.7"
        );
        assert_eq!(Subject::sign_up("192.0.2.7").key(), "sign-up:192.0.2.7");
    }
}
