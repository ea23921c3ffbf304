//! Web accounts: passwords hashed with Argon2id, and signing in with a lockout after repeated
//! failures.
//!
//! A password is stored only as its PHC string (Argon2id, the crate's default parameters — the
//! OWASP minimum, m=19 MiB, t=2, p=1 — and a random 16-byte salt). After [`MAX_FAILURES`] wrong
//! passwords in a row the account is locked for [`LOCKOUT`], measured by the time the caller
//! passes in (the server's injected clock), never by reading a clock here.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use concord_core::Actor;
use concord_store::{NewUser, Store, StoreError};
use jiff::{SignedDuration, Timestamp};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked account refuses every sign-in.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);
/// Shortest password accepted for a new account.
pub const MIN_PASSWORD: usize = 12;

/// Why an account could not be created or a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Wrong name or wrong password: deliberately not saying which.
    #[error("wrong name or password")]
    WrongCredentials,
    #[error("too many failed sign-ins: the account is locked until {until}")]
    Locked { until: Timestamp },
    #[error("the password must have at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("a user name is 1 to 64 letters, digits, '.', '-' or '_'; got {0:?}")]
    BadName(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The PHC string of `password` under Argon2id with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (constant-time, inside the argon2 crate).
#[must_use]
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to check unknown names against, so that a wrong name takes as long as a wrong
/// password and does not reveal which names exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a real password, only for timing").unwrap_or_default());

/// Checks a user name's shape.
pub fn check_name(name: &str) -> Result<(), AccountError> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok { Ok(()) } else { Err(AccountError::BadName(name.to_owned())) }
}

/// Creates an account (`concord user create`, the demo).
pub async fn create_user(
    store: &dyn Store,
    name: &str,
    password: &str,
    actor: Actor,
    now: Timestamp,
) -> Result<(), AccountError> {
    check_name(name)?;
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::WeakPassword);
    }
    let password = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))??;
    store.create_user(&NewUser { name: name.to_owned(), password_hash, actor, created_at: now }).await?;
    Ok(())
}

/// Signs `name` in at `now`: the actor on success. A wrong password counts towards the lockout;
/// a locked account is refused before its password is even checked (so guessing does not
/// continue during the lock), and a success clears the count.
pub async fn sign_in(store: &dyn Store, name: &str, password: &str, now: Timestamp) -> Result<Actor, AccountError> {
    let user = store.find_user(name).await?;
    if let Some(until) = user.as_ref().and_then(|u| u.locked_until).filter(|until| *until > now) {
        return Err(AccountError::Locked { until });
    }
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let candidate = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&candidate, &hash))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    let Some(user) = user else { return Err(AccountError::WrongCredentials) };
    if matches {
        if user.failed_logins > 0 || user.locked_until.is_some() {
            store.reset_login_failures(&user.name).await?;
        }
        return Ok(user.actor);
    }
    let failures = store.record_login_failure(&user.name).await?;
    if failures >= MAX_FAILURES {
        let until = now.saturating_add(LOCKOUT).map_err(|e| AccountError::Hash(e.to_string()))?;
        store.lock_user(&user.name, until).await?;
        return Err(AccountError::Locked { until });
    }
    Err(AccountError::WrongCredentials)
}

/// A random password for a demo account: 18 bytes in base64url, 24 characters.
pub fn random_password() -> Result<String, AccountError> {
    use base64::Engine;
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use concord_core::CountryCode;
    use concord_store_sqlite::SqliteStore;

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (SqliteStore::open(&dir.path().join("a.db")).await.unwrap(), dir)
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse battery!", &a));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("fra.delegation-1_x").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }

    #[tokio::test]
    async fn sign_in_locks_after_repeated_failures_until_the_lockout_ends() {
        let (store, _dir) = store().await;
        let fra = Actor::Member(CountryCode::parse("FRA").unwrap());
        let t0 = t("2024-02-27T09:00:00Z");
        create_user(&store, "fra", "a long enough password", fra, t0).await.unwrap();
        assert!(matches!(create_user(&store, "x", "short", fra, t0).await, Err(AccountError::WeakPassword)));

        assert_eq!(sign_in(&store, "fra", "a long enough password", t0).await.unwrap(), fra);
        assert!(matches!(sign_in(&store, "nobody", "whatever", t0).await, Err(AccountError::WrongCredentials)));
        for _ in 1..MAX_FAILURES {
            assert!(matches!(sign_in(&store, "fra", "wrong", t0).await, Err(AccountError::WrongCredentials)));
        }
        let until = t0.saturating_add(LOCKOUT).unwrap();
        match sign_in(&store, "fra", "wrong", t0).await {
            Err(AccountError::Locked { until: u }) => assert_eq!(u, until),
            other => panic!("expected a lock, got {other:?}"),
        }
        // Locked: even the right password is refused until the lock ends.
        let during = t("2024-02-27T09:14:59Z");
        assert!(matches!(
            sign_in(&store, "fra", "a long enough password", during).await,
            Err(AccountError::Locked { .. })
        ));
        assert_eq!(sign_in(&store, "fra", "a long enough password", until).await.unwrap(), fra);
        let user = store.find_user("fra").await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (0, None), "a success clears the count");
    }

    #[tokio::test]
    async fn a_success_resets_the_count() {
        let (store, _dir) = store().await;
        let t0 = t("2024-02-27T09:00:00Z");
        create_user(&store, "obs", "a long enough password", Actor::Observer, t0).await.unwrap();
        for _ in 1..MAX_FAILURES {
            sign_in(&store, "obs", "wrong", t0).await.unwrap_err();
        }
        sign_in(&store, "obs", "a long enough password", t0).await.unwrap();
        // The count starts again: four more failures do not lock.
        for _ in 1..MAX_FAILURES {
            assert!(matches!(sign_in(&store, "obs", "wrong", t0).await, Err(AccountError::WrongCredentials)));
        }
    }
}
