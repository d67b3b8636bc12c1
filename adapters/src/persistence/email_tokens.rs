//! [`EmailTokenRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::EmailTokenRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Email, EmailToken, EmailTokenPurpose, TokenDigest, UnixTime, UserId};

use super::schema::email_tokens;
use super::{stored_digest, Inner};

/// Rows deleted per statement by `purge_expired`: short statements keep locks brief and each
/// one well inside the statement timeout, however large the backlog.
const PURGE_BATCH: i64 = 1000;

/// The tokens of emailed links in the `email_tokens` table, keyed by the digest of the token in
/// the link (the token itself is never stored). A token is used up by deleting its row; rows go
/// with their user (`ON DELETE CASCADE`).
pub(crate) struct DieselEmailTokenRepository {
    db: Arc<Inner>,
}

impl DieselEmailTokenRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes every token expired at `now` (`expires_at <= now`), in batches; returns how
    /// many. Housekeeping only: expired tokens are never found or consumed anyway.
    pub(crate) async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let mut total: u64 = 0;
        loop {
            let deleted = self.purge_batch(now, PURGE_BATCH).await?;
            total = total.saturating_add(deleted);
            if (deleted as i64) < PURGE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Deletes at most `batch` tokens expired at `now` (found by the expiry index) in one
    /// statement; returns how many. Housekeeping calls it in a loop.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(email_tokens as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(email_tokens::digest))
                .filter(older.field(email_tokens::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(email_tokens::table.filter(email_tokens::digest.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// An `email_tokens` row, read or written; owned, as SQLite calls run on a task of their own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = email_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct EmailTokenRow {
    digest: Vec<u8>,
    user_id: String,
    purpose: String,
    email: String,
    created_at: i64,
    expires_at: i64,
}

impl EmailTokenRow {
    fn from_domain(t: &EmailToken) -> Self {
        Self {
            digest: t.digest.as_bytes().to_vec(),
            user_id: t.user_id.as_str().to_owned(),
            purpose: t.purpose.as_str().to_owned(),
            email: t.email.as_str().to_owned(),
            created_at: t.created_at.as_secs(),
            expires_at: t.expires_at.as_secs(),
        }
    }

    /// Rebuilds the domain token, re-validating every value; a row that does not parse is
    /// `Corrupt`, never half-used.
    fn into_domain(self) -> Result<EmailToken, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("email token of {:?}: {field}", self.user_id), why)
        };
        Ok(EmailToken {
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            purpose: EmailTokenPurpose::parse(&self.purpose)
                .ok_or_else(|| corrupt("purpose", format!("unknown {:?}", self.purpose).into()))?,
            email: Email::parse(&self.email).map_err(|e| corrupt("email", e.into()))?,
            created_at: UnixTime::from_secs(self.created_at),
            expires_at: UnixTime::from_secs(self.expires_at),
        })
    }
}

#[async_trait]
impl EmailTokenRepository for DieselEmailTokenRepository {
    async fn insert(&self, token: &EmailToken) -> Result<(), RepositoryError> {
        let row = EmailTokenRow::from_domain(token);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(email_tokens::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let row: Option<EmailTokenRow> = with_connection!(self.db, |conn, db| {
            email_tokens::table
                .find(&key)
                .filter(email_tokens::purpose.eq(purpose.as_str()))
                .filter(email_tokens::expires_at.gt(now.as_secs()))
                .select(EmailTokenRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(EmailTokenRow::into_domain).transpose()
    }

    async fn consume(
        &self,
        digest: &TokenDigest,
        purpose: EmailTokenPurpose,
        now: UnixTime,
    ) -> Result<Option<EmailToken>, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let row: Option<EmailTokenRow> = with_connection!(self.db, |conn, db| {
            // The one statement that decides: of concurrent deletes of one row exactly
            // one deletes it and gets it back (PostgreSQL re-checks the WHERE once the winner
            // commits and finds the row gone; SQLite runs one writer at a time). A token of
            // another purpose or expired stays as it is.
            diesel::delete(
                email_tokens::table
                    .find(&key)
                    .filter(email_tokens::purpose.eq(purpose.as_str()))
                    .filter(email_tokens::expires_at.gt(now.as_secs())),
            )
            .returning(EmailTokenRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| db.query_error(e))
        })?;
        row.map(EmailTokenRow::into_domain).transpose()
    }

    async fn delete_for_user(
        &self,
        user: &UserId,
        purpose: EmailTokenPurpose,
    ) -> Result<u64, RepositoryError> {
        let user = user.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(
                email_tokens::table
                    .filter(email_tokens::user_id.eq(&user))
                    .filter(email_tokens::purpose.eq(purpose.as_str())),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}
