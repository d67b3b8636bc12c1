//! [`ChallengeRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::{Challenge, ChallengePurpose, ChallengeRepository};
use tessera_application::RepositoryError;
use tessera_domain::{TokenDigest, UnixTime, UserId};

use super::schema::challenges;
use super::{stored_digest, Inner};

/// Rows deleted per statement by `purge_expired`: short statements keep locks brief however
/// large the backlog.
const PURGE_BATCH: i64 = 1000;

/// Pending ceremonies in the `challenges` table, keyed by the digest of the handle (the handle
/// itself is never stored). A challenge is used up by deleting its row.
pub(crate) struct DieselChallengeRepository {
    db: Arc<Inner>,
}

impl DieselChallengeRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` challenges expired at `now` (`expires_at <= now`, found by the
    /// expiry index) in one statement; returns how many. Housekeeping calls it in a loop.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(challenges as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(challenges::digest))
                .filter(older.field(challenges::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(challenges::table.filter(challenges::digest.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `challenges` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = challenges)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ChallengeRow {
    digest: Vec<u8>,
    purpose: String,
    user_id: Option<String>,
    payload: String,
    expires_at: i64,
}

impl ChallengeRow {
    fn from_domain(c: &Challenge) -> Self {
        Self {
            digest: c.digest.as_bytes().to_vec(),
            purpose: c.purpose.as_str().to_owned(),
            user_id: c.user_id.as_ref().map(|u| u.as_str().to_owned()),
            payload: c.payload.clone(),
            expires_at: c.expires_at.as_secs(),
        }
    }

    /// Rebuilds the challenge, re-validating every value; a row that does not parse is
    /// `Corrupt` (and, having been taken, is gone).
    fn into_domain(self) -> Result<Challenge, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!(
                    "{:?} challenge of {:?}: {field}",
                    self.purpose, self.user_id
                ),
                why,
            )
        };
        Ok(Challenge {
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            purpose: ChallengePurpose::parse(&self.purpose)
                .ok_or_else(|| corrupt("purpose", "unknown purpose".into()))?,
            user_id: self
                .user_id
                .as_deref()
                .map(UserId::parse)
                .transpose()
                .map_err(|e| corrupt("user_id", e.into()))?,
            payload: self.payload,
            expires_at: UnixTime::from_secs(self.expires_at),
        })
    }
}

#[async_trait]
impl ChallengeRepository for DieselChallengeRepository {
    async fn insert(&self, challenge: &Challenge) -> Result<(), RepositoryError> {
        let row = ChallengeRow::from_domain(challenge);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(challenges::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn take(
        &self,
        digest: &TokenDigest,
        purpose: ChallengePurpose,
        now: UnixTime,
    ) -> Result<Option<Challenge>, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let row: Option<ChallengeRow> = with_connection!(self.db, |conn, db| {
            // The one statement that decides: of concurrent deletes of one row exactly
            // one deletes it and gets it back (PostgreSQL re-checks the WHERE once the winner
            // commits and finds the row gone; SQLite runs one writer at a time). A challenge
            // of another purpose, or expired, stays as it is.
            diesel::delete(
                challenges::table
                    .find(&key)
                    .filter(challenges::purpose.eq(purpose.as_str()))
                    .filter(challenges::expires_at.gt(now.as_secs())),
            )
            .returning(ChallengeRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| db.query_error(e))
        })?;
        row.map(ChallengeRow::into_domain).transpose()
    }

    async fn purge_expired(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let mut total: u64 = 0;
        loop {
            let deleted = self.purge_batch(now, PURGE_BATCH).await?;
            total = total.saturating_add(deleted);
            if (deleted as i64) < PURGE_BATCH {
                return Ok(total);
            }
        }
    }
}
