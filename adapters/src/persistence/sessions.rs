//! [`SessionRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::SessionRepository;
use tessera_application::RepositoryError;
use tessera_domain::{AuthMethods, BrowserSession, TokenDigest, UnixTime, UserId};

use super::schema::browser_sessions;
use super::{stored_digest, Inner};

/// Browser sessions in the `browser_sessions` table, keyed by the digest of the cookie value
/// (the value itself is never stored). Rows go with their user (`ON DELETE CASCADE`).
pub(crate) struct DieselSessionRepository {
    db: Arc<Inner>,
}

impl DieselSessionRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` sessions expired at `now` (`expires_at <= now`, found by the
    /// expiry index) in one statement; returns how many. Housekeeping calls it in a loop.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(browser_sessions as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(browser_sessions::digest))
                .filter(older.field(browser_sessions::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(browser_sessions::table.filter(browser_sessions::digest.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `browser_sessions` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = browser_sessions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct SessionRow {
    digest: Vec<u8>,
    user_id: String,
    auth_time: i64,
    expires_at: i64,
    amr: String,
    sid: String,
}

impl SessionRow {
    fn from_domain(s: &BrowserSession) -> Self {
        Self {
            digest: s.digest.as_bytes().to_vec(),
            user_id: s.user_id.as_str().to_owned(),
            auth_time: s.auth_time.as_secs(),
            expires_at: s.expires_at.as_secs(),
            amr: s.amr.to_string(),
            sid: s.sid.clone(),
        }
    }

    fn into_domain(self) -> Result<BrowserSession, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!("browser session of {:?}: {field}", self.user_id),
                why,
            )
        };
        Ok(BrowserSession {
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            auth_time: UnixTime::from_secs(self.auth_time),
            expires_at: UnixTime::from_secs(self.expires_at),
            amr: AuthMethods::parse(&self.amr).map_err(|e| corrupt("amr", e.into()))?,
            sid: self.sid,
        })
    }
}

#[async_trait]
impl SessionRepository for DieselSessionRepository {
    async fn insert(&self, session: &BrowserSession) -> Result<(), RepositoryError> {
        let row = SessionRow::from_domain(session);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(browser_sessions::table)
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
        now: UnixTime,
    ) -> Result<Option<BrowserSession>, RepositoryError> {
        let digest = digest.as_bytes().to_vec();
        let row: Option<SessionRow> = with_connection!(self.db, |conn, db| {
            browser_sessions::table
                .find(&digest)
                .filter(browser_sessions::expires_at.gt(now.as_secs()))
                .select(SessionRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(SessionRow::into_domain).transpose()
    }

    async fn delete(&self, digest: &TokenDigest) -> Result<(), RepositoryError> {
        let digest = digest.as_bytes().to_vec();
        with_connection!(self.db, |conn, db| {
            diesel::delete(browser_sessions::table.find(&digest))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError> {
        let user = user.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(browser_sessions::table.filter(browser_sessions::user_id.eq(&user)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }

    async fn list_for_user(
        &self,
        user: &UserId,
        now: UnixTime,
    ) -> Result<Vec<BrowserSession>, RepositoryError> {
        let user = user.as_str().to_owned();
        let rows: Vec<SessionRow> = with_connection!(self.db, |conn, db| {
            browser_sessions::table
                .filter(browser_sessions::user_id.eq(&user))
                .filter(browser_sessions::expires_at.gt(now.as_secs()))
                .order(browser_sessions::auth_time.desc())
                .limit(200)
                .select(SessionRow::as_select())
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(SessionRow::into_domain).collect()
    }

    async fn delete_others(
        &self,
        user: &UserId,
        keep: &TokenDigest,
    ) -> Result<u64, RepositoryError> {
        let user = user.as_str().to_owned();
        let keep = keep.as_bytes().to_vec();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(
                browser_sessions::table
                    .filter(browser_sessions::user_id.eq(&user))
                    .filter(browser_sessions::digest.ne(&keep)),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}
