//! Web accounts: passwords hashed with Argon2id, and signing in with a lockout after repeated
//! failures.
//!
//! A password is stored only as its PHC string (Argon2id, the crate's default parameters — the
//! OWASP minimum, m=19 MiB, t=2, p=1 — and a random 16-byte salt). After [`MAX_FAILURES`] wrong
//! passwords in a row the account is locked for [`LOCKOUT`], measured by the time the caller
//! passes in (the server's injected clock), never by reading a clock here.
//!
//! Each check takes 19 MiB and tens of milliseconds of a core, so a flood of sign-ins could
//! exhaust memory: [`PasswordChecks`] bounds how many run at once, and the failure budget is
//! charged atomically *before* a check, so that concurrent guesses cannot slip past the limit.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use concord_core::Actor;
use concord_server::metrics::Metrics;
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
    /// Every password-check slot is busy: try again in a moment.
    #[error("too many sign-ins at once; try again in a few seconds")]
    Busy,
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

/// Bounds the password checks running at once (each holds 19 MiB and a core for tens of
/// milliseconds), with a short queue in front; a sign-in beyond both is refused at once
/// ([`AccountError::Busy`]) rather than piling up memory.
#[derive(Debug)]
pub struct PasswordChecks {
    running: tokio::sync::Semaphore,
    waiting: tokio::sync::Semaphore,
}

impl PasswordChecks {
    /// `slots` checks at once, and up to four times as many sign-ins waiting for one.
    #[must_use]
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self { running: tokio::sync::Semaphore::new(slots), waiting: tokio::sync::Semaphore::new(slots * 4) }
    }

    /// One slot per core: more would only queue on the CPU while holding memory.
    #[must_use]
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    }

    /// A slot, or `Busy` when the queue is full too.
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AccountError> {
        if let Ok(p) = self.running.try_acquire() {
            return Ok(p);
        }
        let _queued = self.waiting.try_acquire().map_err(|_| AccountError::Busy)?;
        self.running.acquire().await.map_err(|_| AccountError::Busy)
    }
}

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

/// Signs `name` in at `now`: the actor on success.
///
/// The attempt is charged to the account's failure budget before the password is checked, in
/// one atomic store step ([`Store::charge_login_attempt`]): a locked account, or one whose
/// [`MAX_FAILURES`] attempts are already taken by checks in flight, is refused without a check.
/// A wrong password that spends the budget locks the account for [`LOCKOUT`]; a success clears
/// the count. An unknown name is checked against [`DUMMY_HASH`] with the same store calls, so
/// that it takes as long as a wrong password and does not reveal which names exist. Refusals
/// are logged with the name and the reason (never the password), and checks are counted in
/// `metrics`.
pub async fn sign_in(
    store: &dyn Store,
    checks: &PasswordChecks,
    metrics: &Metrics,
    name: &str,
    password: &str,
    now: Timestamp,
) -> Result<Actor, AccountError> {
    let result = sign_in_checked(store, checks, metrics, name, password, now).await;
    match &result {
        Ok(_) => {}
        Err(AccountError::Busy) => {
            metrics.signin_busy.inc();
            tracing::warn!(user = %name, reason = "busy", "sign-in refused");
        }
        Err(AccountError::Locked { until }) => {
            metrics.signin_locked.inc();
            tracing::warn!(user = %name, reason = "locked", %until, "sign-in refused");
        }
        Err(AccountError::WrongCredentials) => {
            tracing::warn!(user = %name, reason = "wrong name or password", "sign-in refused");
        }
        Err(e) => tracing::error!(user = %name, error = %e, "sign-in failed"),
    }
    result
}

async fn sign_in_checked(
    store: &dyn Store,
    checks: &PasswordChecks,
    metrics: &Metrics,
    name: &str,
    password: &str,
    now: Timestamp,
) -> Result<Actor, AccountError> {
    // The slot first: a sign-in refused as busy costs nothing and counts nothing.
    let _slot = checks.slot().await?;
    let lock_until = || now.saturating_add(LOCKOUT).map_err(|e| AccountError::Hash(e.to_string()));
    let charge = store.charge_login_attempt(name, now).await?;
    if let Some(charge) = charge {
        if let Some(until) = charge.locked_until {
            return Err(AccountError::Locked { until });
        }
        if charge.attempts > MAX_FAILURES {
            // Checks still in flight hold the whole budget. Lock now rather than wait for them:
            // if they failed without locking (an error), the count alone would refuse every
            // attempt for good, with no lock to end. A success among them clears this lock.
            let until = lock_until()?;
            store.lock_user(name, until).await?;
            return Err(AccountError::Locked { until });
        }
    }
    let user = store.find_user(name).await?;
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let candidate = password.to_owned();
    metrics.signin_checks.inc();
    // Argon2 takes tens of milliseconds of CPU: off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&candidate, &hash))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    let Some(user) = user else { return Err(AccountError::WrongCredentials) };
    if matches {
        store.reset_login_failures(&user.name).await?;
        return Ok(user.actor);
    }
    // This attempt was charged before the check: the one that spent the budget locks.
    if charge.is_some_and(|c| c.attempts >= MAX_FAILURES) {
        let until = lock_until()?;
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

    /// A sign-in with room for every check.
    async fn attempt(store: &SqliteStore, name: &str, password: &str, now: Timestamp) -> Result<Actor, AccountError> {
        sign_in(store, &PasswordChecks::new(4), &Metrics::default(), name, password, now).await
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

        assert_eq!(attempt(&store, "fra", "a long enough password", t0).await.unwrap(), fra);
        assert!(matches!(attempt(&store, "nobody", "whatever", t0).await, Err(AccountError::WrongCredentials)));
        for _ in 1..MAX_FAILURES {
            assert!(matches!(attempt(&store, "fra", "wrong", t0).await, Err(AccountError::WrongCredentials)));
        }
        let until = t0.saturating_add(LOCKOUT).unwrap();
        match attempt(&store, "fra", "wrong", t0).await {
            Err(AccountError::Locked { until: u }) => assert_eq!(u, until),
            other => panic!("expected a lock, got {other:?}"),
        }
        // Locked: even the right password is refused until the lock ends.
        let during = t("2024-02-27T09:14:59Z");
        assert!(matches!(
            attempt(&store, "fra", "a long enough password", during).await,
            Err(AccountError::Locked { .. })
        ));
        assert_eq!(attempt(&store, "fra", "a long enough password", until).await.unwrap(), fra);
        let user = store.find_user("fra").await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (0, None), "a success clears the count");
    }

    #[tokio::test]
    async fn a_success_resets_the_count() {
        let (store, _dir) = store().await;
        let t0 = t("2024-02-27T09:00:00Z");
        create_user(&store, "obs", "a long enough password", Actor::Observer, t0).await.unwrap();
        for _ in 1..MAX_FAILURES {
            attempt(&store, "obs", "wrong", t0).await.unwrap_err();
        }
        attempt(&store, "obs", "a long enough password", t0).await.unwrap();
        // The count starts again: four more failures do not lock.
        for _ in 1..MAX_FAILURES {
            assert!(matches!(attempt(&store, "obs", "wrong", t0).await, Err(AccountError::WrongCredentials)));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_guesses_get_no_more_checks_than_the_budget() {
        let (store, _dir) = store().await;
        let t0 = t("2024-02-27T09:00:00Z");
        create_user(&store, "fra", "a long enough password", Actor::Observer, t0).await.unwrap();
        // Room for all of them at once: only the budget may stop them.
        let checks = PasswordChecks::new(100);
        let metrics = Metrics::default();
        let guesses = (0..100).map(|_| sign_in(&store, &checks, &metrics, "fra", "wrong", t0));
        let results = futures::future::join_all(guesses).await;
        assert_eq!(metrics.signin_checks.get(), u64::from(MAX_FAILURES), "one check per attempt in the budget");
        let wrong = results.iter().filter(|r| matches!(r, Err(AccountError::WrongCredentials))).count();
        let locked = results.iter().filter(|r| matches!(r, Err(AccountError::Locked { .. }))).count();
        assert_eq!((wrong, locked), (MAX_FAILURES as usize - 1, 100 - (MAX_FAILURES as usize - 1)), "{results:?}");
        // Locked: the right password too, without a check.
        let r = sign_in(&store, &checks, &metrics, "fra", "a long enough password", t0).await;
        assert!(matches!(r, Err(AccountError::Locked { .. })), "{r:?}");
        assert_eq!(metrics.signin_checks.get(), u64::from(MAX_FAILURES));
    }

    #[tokio::test]
    async fn a_sign_in_with_every_slot_busy_is_refused_at_once_and_not_counted() {
        let (store, _dir) = store().await;
        let t0 = t("2024-02-27T09:00:00Z");
        create_user(&store, "fra", "a long enough password", Actor::Observer, t0).await.unwrap();
        let checks = PasswordChecks::new(1);
        let metrics = Metrics::default();
        let running = checks.running.try_acquire().unwrap();
        let queue = checks.waiting.try_acquire_many(4).unwrap();
        let r = sign_in(&store, &checks, &metrics, "fra", "a long enough password", t0).await;
        assert!(matches!(r, Err(AccountError::Busy)), "{r:?}");
        assert_eq!((metrics.signin_busy.get(), metrics.signin_checks.get()), (1, 0));
        assert_eq!(store.find_user("fra").await.unwrap().unwrap().failed_logins, 0, "not charged");
        // With the queue open again, a sign-in waits for the running check's slot.
        drop(queue);
        let waiting = sign_in(&store, &checks, &metrics, "fra", "a long enough password", t0);
        let release = async {
            tokio::task::yield_now().await;
            drop(running);
        };
        let (r, ()) = tokio::join!(waiting, release);
        assert_eq!(r.unwrap(), Actor::Observer);
        assert_eq!(metrics.signin_checks.get(), 1);
    }

    #[tokio::test]
    async fn an_unknown_name_is_checked_like_a_wrong_password() {
        let (store, _dir) = store().await;
        let metrics = Metrics::default();
        let r =
            sign_in(&store, &PasswordChecks::new(1), &metrics, "nobody", "whatever", t("2024-02-27T09:00:00Z")).await;
        assert!(matches!(r, Err(AccountError::WrongCredentials)), "{r:?}");
        assert_eq!(metrics.signin_checks.get(), 1, "against the dummy hash");
    }
}
