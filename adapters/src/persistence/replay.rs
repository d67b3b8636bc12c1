//! [`ReplayCache`] on diesel: the `used_jtis` table.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::ports::{replay_key, ReplayCache, ReplayKind};
use tessera_application::RepositoryError;
use tessera_domain::UnixTime;

use super::schema::used_jtis;
use super::Inner;

/// Single-use `jti`s shared by every process on the database: the primary key makes the
/// insert of a second use fail, whichever process makes it.
pub(crate) struct DieselReplayCache {
    db: Arc<Inner>,
}

impl DieselReplayCache {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` rows expired at `now`; returns how many.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(used_jtis as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(used_jtis::key))
                .filter(older.field(used_jtis::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(used_jtis::table.filter(used_jtis::key.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

#[async_trait]
impl ReplayCache for DieselReplayCache {
    async fn first_use(
        &self,
        kind: ReplayKind,
        issuer: &str,
        jti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let key = replay_key(kind, issuer, jti).as_bytes().to_vec();
        let inserted = with_connection!(self.db, |conn, db| {
            let key = &key;
            // One transaction, so one commit (one fsync on SQLite) per use. A row whose time
            // is over no longer blocks the value (the JWT it came in is refused as expired
            // anyway); then the insert decides, atomically. The DELETE comes first, so SQLite
            // takes the write lock before anything is read.
            conn.transaction(async |conn| -> Result<usize, diesel::result::Error> {
                diesel::delete(
                    used_jtis::table
                        .filter(used_jtis::key.eq(key))
                        .filter(used_jtis::expires_at.le(now.as_secs())),
                )
                .execute(conn)
                .await?;
                diesel::insert_into(used_jtis::table)
                    .values((
                        used_jtis::key.eq(key),
                        used_jtis::expires_at.eq(expires_at.as_secs()),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await
            })
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(inserted == 1)
    }
}
