//! How PostgreSQL and sqlx failures map onto the storage contract's [`StoreError`].
//!
//! The split that matters to callers is retryable or not: a serialization failure or deadlock,
//! a lock wait past `lock_timeout`, a lost or refused connection, a server shutting down, out
//! of connections or out of disk space, and a pool that is out of connections are [`StoreError::Unavailable`]
//! (answered 503 with `Retry-After`); rows that cannot be read back are [`StoreError::Corrupt`].

use concord_store::StoreError;

/// Maps a sqlx error.
pub(crate) fn from_sqlx(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some(code) if retryable(code) => StoreError::Unavailable(e.to_string()),
            Some(code) if corrupted(code) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Other(e.to_string()),
        },
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// SQLSTATEs (<https://www.postgresql.org/docs/current/errcodes-appendix.html>) worth a retry:
/// class 08 (connection exception), 40001 serialization_failure, 40P01 deadlock_detected,
/// 53100 disk_full, 53300 too_many_connections, 55P03 lock_not_available (`lock_timeout`), 57P01–57P03
/// (admin/crash shutdown, cannot connect now).
fn retryable(code: &str) -> bool {
    code.starts_with("08")
        || matches!(code, "40001" | "40P01" | "53100" | "53300" | "55P03" | "57P01" | "57P02" | "57P03")
}

/// XX001 data_corrupted, XX002 index_corrupted.
fn corrupted(code: &str) -> bool {
    matches!(code, "XX001" | "XX002")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_are_retryable() {
        assert!(matches!(from_sqlx(sqlx::Error::PoolTimedOut), StoreError::Unavailable(_)));
        assert!(matches!(from_sqlx(sqlx::Error::RowNotFound), StoreError::Other(_)));
        assert!(matches!(from_sqlx(sqlx::Error::ColumnNotFound("x".into())), StoreError::Corrupt(_)));
    }

    #[test]
    fn sqlstates_split_into_retryable_and_corrupt() {
        for code in ["08006", "08001", "40001", "40P01", "53100", "53300", "55P03", "57P01"] {
            assert!(retryable(code), "{code}");
        }
        for code in ["23505", "23503", "42P01", "XX001"] {
            assert!(!retryable(code), "{code}");
        }
        assert!(corrupted("XX001") && corrupted("XX002") && !corrupted("XX000"));
    }
}
