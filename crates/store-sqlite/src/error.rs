//! How SQLite and sqlx failures map onto the storage contract's [`StoreError`].
//!
//! The split that matters to callers is retryable or not: a busy or locked database, a full
//! disk, a pool that is out of connections and a lost connection are [`StoreError::Unavailable`]
//! (answered 503 with `Retry-After`); rows that cannot be read back are [`StoreError::Corrupt`].

use concord_store::StoreError;

/// SQLite's primary result codes (<https://www.sqlite.org/rescode.html>). sqlx reports the
/// extended code, whose low byte is the primary one.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_NOTADB: i32 = 26;

/// Maps a sqlx error.
pub(crate) fn from_sqlx(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(db) => match primary_code(db.as_ref()) {
            // A full disk clears when room is made; nothing about the request was wrong.
            Some(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_FULL) => StoreError::Unavailable(e.to_string()),
            Some(SQLITE_CORRUPT | SQLITE_NOTADB) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Other(e.to_string()),
        },
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

fn primary_code(db: &dyn sqlx::error::DatabaseError) -> Option<i32> {
    db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff)
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
}
