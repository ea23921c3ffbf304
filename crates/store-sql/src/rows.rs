//! Rows to values: the row mappings of [`crate::store`] and [`crate::notify`], and the columns of
//! a recipient in the notification tables.

use concord_core::Actor;
use concord_ledger::Hash;
use concord_store::columns::{actor_columns, actor_from_columns, corrupt, parse_timestamp, to_u64};
use concord_store::{Channel, Checkpoint, LoginCharge, Message, MessageState, StoreError, Subscription, TokenInfo};
use jiff::Timestamp;
use sqlx::ColumnIndex;

use crate::{Value, get};

/// A stored 32-byte hash.
pub(crate) fn hash(bytes: Vec<u8>, what: impl std::fmt::Display) -> Result<Hash, StoreError> {
    Hash::from_bytes(&bytes).map_err(|e| corrupt(what, e))
}

pub(crate) fn checkpoint_from_row<R: sqlx::Row>(r: &R) -> Result<Checkpoint, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    i64: Value<R::Database>,
    String: Value<R::Database>,
    Vec<u8>: Value<R::Database>,
{
    Ok(Checkpoint {
        size: to_u64(get(r, "size")?, "checkpoint size")?,
        root: hash(get(r, "root")?, "checkpoint root")?,
        note: get(r, "note")?,
    })
}

/// The actor of a row with `role` and `code` columns (tokens, users).
pub(crate) fn actor_of<R: sqlx::Row>(r: &R) -> Result<Actor, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    String: Value<R::Database>,
{
    let code: Option<String> = get(r, "code")?;
    actor_from_columns(&get::<_, String>(r, "role")?, code.as_deref())
}

/// A user row's lockout counters.
pub(crate) fn login_charge<R: sqlx::Row>(r: &R) -> Result<LoginCharge, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    i64: Value<R::Database>,
    String: Value<R::Database>,
{
    let locked: Option<String> = get(r, "locked_until")?;
    Ok(LoginCharge {
        attempts: u32::try_from(get::<_, i64>(r, "failed_logins")?).map_err(|e| corrupt("failed_logins", e))?,
        locked_until: locked.map(|t| parse_timestamp(&t, "locked_until")).transpose()?,
    })
}

/// A `tokens` row.
pub(crate) fn token_from_row<R: sqlx::Row>(r: &R) -> Result<TokenInfo, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    String: Value<R::Database>,
    Vec<u8>: Value<R::Database>,
{
    let at = |column: &'static str| -> Result<Option<Timestamp>, StoreError> {
        let v: Option<String> = get(r, column)?;
        v.map(|t| parse_timestamp(&t, column)).transpose()
    };
    let hash: Vec<u8> = get(r, "hash")?;
    Ok(TokenInfo {
        hash: hash.try_into().map_err(|_| StoreError::Corrupt("a token hash is not 32 bytes".into()))?,
        actor: actor_of(r)?,
        label: get(r, "label")?,
        created_at: at("created_at")?.ok_or_else(|| StoreError::Corrupt("a token has no creation time".into()))?,
        expires_at: at("expires_at")?,
        revoked_at: at("revoked_at")?,
    })
}

/// A recipient as `(role, code)` columns, `code` '' for an actor without a country.
pub(crate) fn recipient_columns(actor: &Actor) -> (&'static str, String) {
    let (role, code) = actor_columns(actor);
    (role, code.unwrap_or_default())
}

/// The recipient of a row with `role` and `code` columns ([`recipient_columns`]).
pub(crate) fn recipient_of<R: sqlx::Row>(r: &R) -> Result<Actor, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    String: Value<R::Database>,
{
    let code: String = get(r, "code")?;
    actor_from_columns(&get::<_, String>(r, "role")?, Some(code.as_str()).filter(|c| !c.is_empty()))
}

/// A time column, maybe NULL.
fn time<R: sqlx::Row>(r: &R, column: &str) -> Result<Option<Timestamp>, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    String: Value<R::Database>,
{
    let t: Option<String> = get(r, column)?;
    t.map(|t| parse_timestamp(&t, column)).transpose()
}

/// A time column that is never NULL.
pub(crate) fn required_time<R: sqlx::Row>(r: &R, column: &str) -> Result<Timestamp, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    String: Value<R::Database>,
{
    parse_timestamp(&get::<_, String>(r, column)?, column)
}

fn count<R: sqlx::Row>(r: &R, column: &str) -> Result<u32, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    i64: Value<R::Database>,
{
    u32::try_from(get::<_, i64>(r, column)?).map_err(|e| corrupt(column, e))
}

/// An `outbox` row.
pub(crate) fn message_from_row<R: sqlx::Row>(r: &R) -> Result<Message, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    i64: Value<R::Database>,
    String: Value<R::Database>,
{
    Ok(Message {
        id: get(r, "id")?,
        channel: Channel::parse(&get::<_, String>(r, "channel")?)?,
        recipient: recipient_of(r)?,
        destination: get(r, "destination")?,
        body: get(r, "body")?,
        created_at: required_time(r, "created_at")?,
        attempts: count(r, "attempts")?,
        next_attempt_at: required_time(r, "next_attempt_at")?,
        state: MessageState::parse(&get::<_, String>(r, "state")?)?,
        last_error: get(r, "last_error")?,
        delivered_at: time(r, "delivered_at")?,
    })
}

/// A `subscriptions` row.
pub(crate) fn subscription_from_row<R: sqlx::Row>(r: &R) -> Result<Subscription, StoreError>
where
    for<'c> &'c str: ColumnIndex<R>,
    i64: Value<R::Database>,
    String: Value<R::Database>,
{
    Ok(Subscription {
        id: get(r, "id")?,
        recipient: recipient_of(r)?,
        url: get(r, "url")?,
        secret: get(r, "secret")?,
        created_at: required_time(r, "created_at")?,
        failures: count(r, "failures")?,
        disabled_at: time(r, "disabled_at")?,
        disabled_reason: get(r, "disabled_reason")?,
    })
}
