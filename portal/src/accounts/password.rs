//! Passwords: Argon2id hashes (PHC strings with their salt and parameters), and the rules a new
//! password must meet.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const MAX_LENGTH: usize = 256;

/// Why a new password is refused, if it is.
pub fn refusal(password: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("must be at least {MIN_LENGTH} characters"));
    }
    if length > MAX_LENGTH {
        return Some(format!("must be at most {MAX_LENGTH} characters"));
    }
    if password.eq_ignore_ascii_case(email) {
        return Some("must not be your email address".into());
    }
    None
}

/// An Argon2id hash of `password` with a fresh random salt.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id hashes any password of accepted length")
        .to_string()
}

/// Whether `password` matches `hash`. A malformed hash matches nothing.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification, so that signing in as an unknown account takes as long
/// as with a wrong password (nothing tells whether an account exists).
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("capstan-timing-equaliser"));
    let _ = verify(password, dummy);
}

/// Hashes at once, at most: Argon2id takes 19 MiB and tens of milliseconds each, so a burst of
/// sign-ins waits here instead of taking all memory and every async worker.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.clamp(2, 4))
    })
}

/// Runs `work` (hashing) on a blocking thread, behind [`hashing_slots`]: the async workers keep
/// answering other requests meanwhile.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _slot = hashing_slots()
        .acquire()
        .await
        .expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work)
        .await
        .expect("password hashing does not panic")
}

/// [`hash`], off the async workers.
pub async fn hash_off_workers(password: &str) -> String {
    let password = password.to_owned();
    off_the_workers(move || hash(&password)).await
}

/// [`verify`], off the async workers.
pub async fn verify_off_workers(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    off_the_workers(move || verify(&password, &hash)).await
}

/// [`verify_nothing`], off the async workers.
pub async fn verify_nothing_off_workers(password: &str) {
    let password = password.to_owned();
    off_the_workers(move || verify_nothing(&password)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn hashing_leaves_the_async_worker_free() {
        // On a one-thread runtime, a ticker only advances while the hash is computed if the
        // hash runs elsewhere.
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        tokio::task::yield_now().await;
        let hashed = hash_off_workers("correct horse battery").await;
        let during = ticks.load(std::sync::atomic::Ordering::Relaxed);
        assert!(verify_off_workers("correct horse battery", &hashed).await);
        ticker.abort();
        assert!(during > 0, "the runtime was blocked while hashing");
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash("correct horse battery");
        let second = hash("correct horse battery");
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify("correct horse battery", &first));
        assert!(!verify("correct horse batterY", &first));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule() {
        assert_eq!(
            refusal("short", "a@b.c").as_deref(),
            Some("must be at least 10 characters")
        );
        assert!(refusal(&"x".repeat(257), "a@b.c").is_some());
        assert!(refusal("Alice@Example.com", "alice@example.com").is_some());
        assert_eq!(refusal("a long enough passphrase", "a@b.c"), None);
    }
}
