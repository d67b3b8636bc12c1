//! [`RevocationRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::ports::RevocationRepository;
use tessera_application::RepositoryError;
use tessera_domain::UnixTime;

use super::schema::revoked_tokens;
use super::Inner;

/// Rows deleted per statement by `purge_expired`: short statements keep locks brief and each
/// one well inside the statement timeout, however large the backlog.
const PURGE_BATCH: i64 = 1000;

/// The denylist in the `revoked_tokens` table, indexed by expiry for the purge.
pub(crate) struct DieselRevocationRepository {
    db: Arc<Inner>,
}

impl DieselRevocationRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` entries expired at `now` (`expires_at <= now`, found by the
    /// expiry index) in one statement; returns how many. Housekeeping calls it in a loop.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(revoked_tokens as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(revoked_tokens::jti))
                .filter(older.field(revoked_tokens::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(revoked_tokens::table.filter(revoked_tokens::jti.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

#[async_trait]
impl RevocationRepository for DieselRevocationRepository {
    async fn revoke(&self, jti: &str, expires_at: UnixTime) -> Result<(), RepositoryError> {
        let owned = jti.to_owned();
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(revoked_tokens::table)
                .values((
                    revoked_tokens::jti.eq(&owned),
                    revoked_tokens::expires_at.eq(expires_at.as_secs()),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })?;
        if let Some(feed) = &self.db.change_feed {
            feed.revoked(jti, expires_at.as_secs());
        }
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, RepositoryError> {
        // Asked on every introspection and bearer request: on SQLite, answered on this thread.
        let inline = self.db.read_inline(|conn| {
            diesel::RunQueryDsl::get_result(
                diesel::select(diesel::dsl::exists(revoked_tokens::table.find(jti))),
                conn,
            )
        });
        if let Some(found) = inline {
            return Ok(found);
        }
        // On PostgreSQL, from the change feed's exact copy while it listens.
        if let Some(found) = self.db.change_feed.as_ref().and_then(|f| f.is_revoked(jti)) {
            return Ok(found);
        }
        let jti = jti.to_owned();
        with_connection!(self.db, |conn, db| {
            diesel::select(diesel::dsl::exists(revoked_tokens::table.find(&jti)))
                .get_result(conn)
                .await
                .map_err(|e| db.query_error(e))
        })
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
