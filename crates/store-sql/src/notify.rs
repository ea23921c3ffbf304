//! [`Notifications`] on [`SqlStore`]: the outbox and its cursor, webhook subscriptions, e-mail
//! contacts and calendar feeds.
//!
//! `code` is '' rather than NULL for an actor without a country in these tables, so that it can
//! be part of a key (NULLs never conflict) and be compared with `=` ([`recipient_columns`]).

use async_trait::async_trait;
use concord_core::Actor;
use concord_store::columns::{corrupt, timestamp, to_i64, to_u64};
use concord_store::{
    Attempt, Channel, Contact, Feed, Message, MessageFilter, MessageState, NewMessage, NewSubscription, Notifications,
    StoreError, Subscription,
};
use jiff::Timestamp;
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Type};

use crate::dialect::is_unique_violation;
use crate::rows::{message_from_row, recipient_columns, recipient_of, required_time, subscription_from_row};
use crate::statement::Statement;
use crate::write::ROWS_PER_STATEMENT;
use crate::{Conn, Dialect, Row, SqlStore, Value, get};

const MESSAGE: &str = "id, channel, role, code, destination, body, created_at, attempts, next_attempt_at, state, \
                       last_error, delivered_at";
const SUBSCRIPTION: &str = "id, role, code, url, secret, created_at, failures, disabled_at, disabled_reason";

#[async_trait]
impl<D> Notifications for SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut Conn<D>: Executor<'c, Database = D::DB>,
    for<'q> <D::DB as Database>::Arguments<'q>: IntoArguments<'q, D::DB>,
    for<'r> &'r str: ColumnIndex<Row<D>>,
    for<'q> &'q str: Encode<'q, D::DB> + Type<D::DB>,
    i64: Value<D::DB>,
    bool: Value<D::DB>,
    String: Value<D::DB>,
    Vec<u8>: Value<D::DB>,
    Option<i64>: Value<D::DB>,
    Option<String>: Value<D::DB>,
{
    async fn notice_cursor(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT position FROM notice_cursor WHERE id = 0")
            .fetch_one(&self.reader)
            .await
            .map_err(D::error)?;
        to_u64(get(&row, "position")?, "notice cursor")
    }

    #[tracing::instrument(skip_all, fields(messages = messages.len()))]
    async fn enqueue(&self, cursor: Option<(u64, u64)>, messages: &[NewMessage]) -> Result<usize, StoreError> {
        let mut tx = self.writer.begin_with(D::BEGIN_WRITE).await.map_err(D::error)?;
        if let Some((expected, to)) = cursor {
            // A compare-and-swap on the row: a concurrent enqueue from the same position waits
            // for this row's lock, then finds it moved.
            let moved =
                sqlx::query("UPDATE notice_cursor SET position = $1 WHERE id = 0 AND position = $2 RETURNING id")
                    .bind(to_i64(to, "notice cursor")?)
                    .bind(to_i64(expected, "notice cursor")?)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(D::error)?;
            if moved.is_none() {
                let row = sqlx::query("SELECT position FROM notice_cursor WHERE id = 0")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(D::error)?;
                return Err(StoreError::Conflict { expected, found: to_u64(get(&row, "position")?, "notice cursor")? });
            }
        }
        let mut new = 0;
        for chunk in messages.chunks(ROWS_PER_STATEMENT) {
            let mut q = Statement::<D::DB>::new(
                "INSERT INTO outbox (id, channel, role, code, destination, body, created_at, next_attempt_at, state) \
                 VALUES ",
            );
            for m in chunk {
                let (role, code) = recipient_columns(&m.recipient);
                q.row().value(m.id.clone()).value(m.channel.as_str().to_owned()).value(role).value(code);
                q.value(m.destination.clone()).value(m.body.clone()).value(timestamp(m.created_at));
                q.value(timestamp(m.not_before)).push(", 'pending')");
            }
            // RETURNING lists only the rows inserted, not those skipped.
            q.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
            let (sql, args) = q.finish()?;
            new += sqlx::query_with(&sql, args).persistent(false).fetch_all(&mut *tx).await.map_err(D::error)?.len();
        }
        tx.commit().await.map_err(D::error)?;
        Ok(new)
    }

    async fn due_messages(&self, now: Timestamp, limit: u64) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE} FROM outbox WHERE state = 'pending' AND channel <> 'web' AND next_attempt_at <= $1 \
             ORDER BY created_at, id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(timestamp(now))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter().map(message_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    async fn record_attempt(&self, id: &str, attempt: &Attempt) -> Result<bool, StoreError> {
        let (state, error, next, delivered) = match attempt {
            Attempt::Delivered { at } => (MessageState::Delivered, None, None, Some(timestamp(*at))),
            Attempt::Retry { error, next_attempt_at, .. } => {
                (MessageState::Pending, Some(error.clone()), Some(timestamp(*next_attempt_at)), None)
            }
            Attempt::Failed { error, .. } => (MessageState::Failed, Some(error.clone()), None, None),
        };
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, state = $1, last_error = COALESCE($2, last_error), \
               next_attempt_at = COALESCE($3, next_attempt_at), delivered_at = $4 \
             WHERE id = $5 AND state = 'pending' RETURNING id",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(next)
        .bind(delivered)
        .bind(id)
        .fetch_optional(&self.writer)
        .await
        .map_err(D::error)?;
        Ok(done.is_some())
    }

    async fn messages(&self, f: &MessageFilter, offset: u64, limit: u64) -> Result<Vec<Message>, StoreError> {
        let mut q = Statement::<D::DB>::new(&format!("SELECT {MESSAGE} FROM outbox"));
        filter(&mut q, f);
        q.push(" ORDER BY created_at DESC, id LIMIT ").bind(i64::try_from(limit).unwrap_or(i64::MAX));
        q.push(" OFFSET ").bind(i64::try_from(offset).unwrap_or(i64::MAX));
        let (sql, args) = q.finish()?;
        let rows = sqlx::query_with(&sql, args).persistent(false).fetch_all(&self.reader).await.map_err(D::error)?;
        rows.iter().map(message_from_row).collect()
    }

    async fn count_messages(&self, f: &MessageFilter) -> Result<u64, StoreError> {
        let mut q = Statement::<D::DB>::new("SELECT COUNT(*) AS n FROM outbox");
        filter(&mut q, f);
        let (sql, args) = q.finish()?;
        let row = sqlx::query_with(&sql, args).persistent(false).fetch_one(&self.reader).await.map_err(D::error)?;
        to_u64(get(&row, "n")?, "message count")
    }

    async fn mark_read(&self, recipient: &Actor, at: Timestamp) -> Result<u64, StoreError> {
        let mut q = Statement::<D::DB>::new("UPDATE outbox SET state = 'delivered', delivered_at = ");
        q.bind(timestamp(at));
        let unread = MessageFilter {
            recipient: Some(*recipient),
            channel: Some(Channel::Web),
            state: Some(MessageState::Pending),
        };
        filter(&mut q, &unread);
        q.push(" RETURNING id");
        let (sql, args) = q.finish()?;
        let rows = sqlx::query_with(&sql, args).persistent(false).fetch_all(&self.writer).await.map_err(D::error)?;
        Ok(rows.len() as u64)
    }

    async fn create_subscription(&self, s: &NewSubscription) -> Result<(), StoreError> {
        let (role, code) = recipient_columns(&s.recipient);
        let inserted = sqlx::query(
            "INSERT INTO subscriptions (id, role, code, url, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id)
        .bind(role)
        .bind(code)
        .bind(&s.url)
        .bind(&s.secret)
        .bind(timestamp(s.created_at))
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Other(format!("a subscription {:?} exists", s.id))),
            Err(e) => Err(D::error(e)),
        }
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let sql = format!("SELECT {SUBSCRIPTION} FROM subscriptions ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.reader).await.map_err(D::error)?;
        rows.iter().map(subscription_from_row).collect()
    }

    async fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM subscriptions WHERE id = $1 RETURNING id")
            .bind(id)
            .fetch_optional(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(done.is_some())
    }

    async fn record_subscription_result(
        &self,
        id: &str,
        ok: bool,
        at: Timestamp,
        error: Option<&str>,
        disable_after: u32,
    ) -> Result<Option<Subscription>, StoreError> {
        // One statement, so that concurrent deliveries each count. The right-hand sides all read
        // the row as it was: `failures + 1` is the count after this failure.
        let sql = format!(
            "UPDATE subscriptions SET \
               failures = CASE WHEN $1 THEN 0 ELSE failures + 1 END, \
               disabled_at = CASE WHEN NOT $1 AND disabled_at IS NULL AND failures + 1 >= $2 THEN $3 \
                                  ELSE disabled_at END, \
               disabled_reason = CASE WHEN NOT $1 AND disabled_at IS NULL AND failures + 1 >= $2 THEN $4 \
                                      ELSE disabled_reason END \
             WHERE id = $5 RETURNING {SUBSCRIPTION}"
        );
        let row = sqlx::query(&sql)
            .bind(ok)
            .bind(i64::from(disable_after))
            .bind(timestamp(at))
            .bind(error.map(str::to_owned))
            .bind(id)
            .fetch_optional(&self.writer)
            .await
            .map_err(D::error)?;
        row.as_ref().map(subscription_from_row).transpose()
    }

    async fn enable_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE subscriptions SET failures = 0, disabled_at = NULL, disabled_reason = NULL \
             WHERE id = $1 AND disabled_at IS NOT NULL RETURNING id",
        )
        .bind(id)
        .fetch_optional(&self.writer)
        .await
        .map_err(D::error)?;
        Ok(done.is_some())
    }

    async fn set_contact(&self, c: &Contact) -> Result<(), StoreError> {
        let (role, code) = recipient_columns(&c.recipient);
        sqlx::query(
            "INSERT INTO contacts (role, code, email, time_zone, digest) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (role, code, email) DO UPDATE SET time_zone = excluded.time_zone, digest = excluded.digest",
        )
        .bind(role)
        .bind(code)
        .bind(&c.email)
        .bind(&c.time_zone)
        .bind(c.digest)
        .execute(&self.writer)
        .await
        .map_err(D::error)?;
        Ok(())
    }

    async fn contacts(&self) -> Result<Vec<Contact>, StoreError> {
        let rows = sqlx::query("SELECT role, code, email, time_zone, digest FROM contacts ORDER BY role, code, email")
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter()
            .map(|r| {
                let (email, time_zone, digest) = (get(r, "email")?, get(r, "time_zone")?, get(r, "digest")?);
                Ok(Contact { recipient: recipient_of(r)?, email, time_zone, digest })
            })
            .collect()
    }

    async fn delete_contact(&self, recipient: &Actor, email: &str) -> Result<bool, StoreError> {
        let (role, code) = recipient_columns(recipient);
        let done = sqlx::query("DELETE FROM contacts WHERE role = $1 AND code = $2 AND email = $3 RETURNING email")
            .bind(role)
            .bind(code)
            .bind(email)
            .fetch_optional(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(done.is_some())
    }

    async fn create_feed(&self, hash: &[u8; 32], recipient: &Actor, at: Timestamp) -> Result<(), StoreError> {
        let (role, code) = recipient_columns(recipient);
        let inserted = sqlx::query("INSERT INTO feeds (hash, role, code, created_at) VALUES ($1, $2, $3, $4)")
            .bind(hash.to_vec())
            .bind(role)
            .bind(code)
            .bind(timestamp(at))
            .execute(&self.writer)
            .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Other("a feed with this hash exists".into())),
            Err(e) => Err(D::error(e)),
        }
    }

    async fn find_feed(&self, hash: &[u8; 32]) -> Result<Option<Actor>, StoreError> {
        let row = sqlx::query("SELECT role, code FROM feeds WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        row.as_ref().map(recipient_of).transpose()
    }

    async fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        let rows = sqlx::query("SELECT hash, role, code, created_at FROM feeds ORDER BY created_at, hash")
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter()
            .map(|r| {
                let hash: Vec<u8> = get(r, "hash")?;
                let hash =
                    <[u8; 32]>::try_from(hash).map_err(|h| corrupt("a feed hash", format!("{} bytes", h.len())))?;
                Ok(Feed { hash, recipient: recipient_of(r)?, created_at: required_time(r, "created_at")? })
            })
            .collect()
    }

    async fn delete_feed(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM feeds WHERE hash = $1 RETURNING hash")
            .bind(hash.to_vec())
            .fetch_optional(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(done.is_some())
    }
}

/// Appends the `WHERE` clause of `f` to an outbox statement.
fn filter<DB: Database>(q: &mut Statement<'_, DB>, f: &MessageFilter)
where
    String: Value<DB>,
{
    q.push(" WHERE TRUE");
    if let Some(r) = &f.recipient {
        let (role, code) = recipient_columns(r);
        q.push(" AND role = ").bind(role.to_owned()).push(" AND code = ").bind(code);
    }
    if let Some(c) = f.channel {
        q.push(" AND channel = ").bind(c.as_str().to_owned());
    }
    if let Some(s) = f.state {
        q.push(" AND state = ").bind(s.as_str().to_owned());
    }
}
