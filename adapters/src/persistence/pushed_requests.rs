//! [`PushedRequestRepository`] on diesel: the `pushed_requests` table.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::{PushedRequest, PushedRequestRepository};
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, TokenDigest, UnixTime};

use super::schema::pushed_requests;
use super::{stored_digest, Inner};

/// Pushed authorization requests keyed by the digest of the `request_uri`'s random part. A
/// request is used up by deleting its row.
pub(crate) struct DieselPushedRequestRepository {
    db: Arc<Inner>,
}

impl DieselPushedRequestRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` requests expired at `now`; returns how many.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(pushed_requests as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(pushed_requests::digest))
                .filter(older.field(pushed_requests::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(pushed_requests::table.filter(pushed_requests::digest.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `pushed_requests` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pushed_requests)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct PushedRequestRow {
    digest: Vec<u8>,
    client_id: String,
    params: String,
    expires_at: i64,
}

impl PushedRequestRow {
    fn from_domain(r: &PushedRequest) -> Result<Self, RepositoryError> {
        Ok(Self {
            digest: r.digest.as_bytes().to_vec(),
            client_id: r.client_id.as_str().to_owned(),
            params: serde_json::to_string(&r.params)
                .map_err(|e| RepositoryError::other(format!("pushed request params: {e}")))?,
            expires_at: r.expires_at.as_secs(),
        })
    }

    /// Rebuilds the request; a row that does not parse is `Corrupt` (and, taken, is gone).
    fn into_domain(self) -> Result<PushedRequest, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!("pushed request of {:?}: {field}", self.client_id),
                why,
            )
        };
        Ok(PushedRequest {
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            params: serde_json::from_str(&self.params).map_err(|e| corrupt("params", e.into()))?,
            expires_at: UnixTime::from_secs(self.expires_at),
        })
    }
}

#[async_trait]
impl PushedRequestRepository for DieselPushedRequestRepository {
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepositoryError> {
        let row = PushedRequestRow::from_domain(request)?;
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(pushed_requests::table)
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
        client_id: &ClientId,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let client_id = client_id.as_str().to_owned();
        let row: Option<PushedRequestRow> = with_connection!(self.db, |conn, db| {
            // The one statement that decides: of concurrent deletes of one row exactly
            // one gets it back. Another client's request, or an expired one, stays.
            diesel::delete(
                pushed_requests::table
                    .find(&key)
                    .filter(pushed_requests::client_id.eq(&client_id))
                    .filter(pushed_requests::expires_at.gt(now.as_secs())),
            )
            .returning(PushedRequestRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| db.query_error(e))
        })?;
        row.map(PushedRequestRow::into_domain).transpose()
    }
}
