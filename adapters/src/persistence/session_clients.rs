//! [`SessionClientRepository`] on diesel: the `session_clients` table.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::SessionClientRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, SessionClient, UnixTime, UserId};

use super::schema::session_clients;
use super::Inner;

/// Which clients got codes in which browser session; rows go with their client and user
/// (`ON DELETE CASCADE`) and are taken (deleted and returned) in one statement when the
/// session ends, so two processes never both notify the same client.
pub(crate) struct DieselSessionClientRepository {
    db: Arc<Inner>,
}

impl DieselSessionClientRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` rows of sessions expired at `now`; returns how many.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(session_clients as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(session_clients::sid))
                .filter(older.field(session_clients::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(
                session_clients::table
                    .filter(session_clients::sid.eq_any(expired))
                    .filter(session_clients::expires_at.le(now.as_secs())),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `session_clients` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = session_clients)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Row {
    sid: String,
    client_id: String,
    user_id: String,
    expires_at: i64,
}

impl Row {
    fn into_domain(self) -> Result<SessionClient, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("session client {:?}: {field}", self.client_id), why)
        };
        Ok(SessionClient {
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            expires_at: UnixTime::from_secs(self.expires_at),
            sid: self.sid,
        })
    }
}

fn all(rows: Vec<Row>) -> Result<Vec<SessionClient>, RepositoryError> {
    rows.into_iter().map(Row::into_domain).collect()
}

#[async_trait]
impl SessionClientRepository for DieselSessionClientRepository {
    async fn record(&self, entry: &SessionClient) -> Result<(), RepositoryError> {
        let row = Row {
            sid: entry.sid.clone(),
            client_id: entry.client_id.as_str().to_owned(),
            user_id: entry.user_id.as_str().to_owned(),
            expires_at: entry.expires_at.as_secs(),
        };
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(session_clients::table)
                .values(&row)
                .on_conflict((session_clients::sid, session_clients::client_id))
                .do_update()
                .set(session_clients::expires_at.eq(row.expires_at))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn take_for_session(&self, sid: &str) -> Result<Vec<SessionClient>, RepositoryError> {
        let sid = sid.to_owned();
        let rows: Vec<Row> = with_connection!(self.db, |conn, db| {
            diesel::delete(session_clients::table.filter(session_clients::sid.eq(&sid)))
                .returning(Row::as_returning())
                .get_results(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        all(rows)
    }

    async fn take_for_user<'a>(
        &self,
        user: &UserId,
        keep: Option<&'a str>,
    ) -> Result<Vec<SessionClient>, RepositoryError> {
        let user = user.as_str().to_owned();
        let keep = keep.map(str::to_owned);
        let rows: Vec<Row> = with_connection!(self.db, |conn, db| {
            match &keep {
                Some(keep) => {
                    diesel::delete(
                        session_clients::table
                            .filter(session_clients::user_id.eq(&user))
                            .filter(session_clients::sid.ne(keep)),
                    )
                    .returning(Row::as_returning())
                    .get_results(conn)
                    .await
                }
                None => {
                    diesel::delete(
                        session_clients::table.filter(session_clients::user_id.eq(&user)),
                    )
                    .returning(Row::as_returning())
                    .get_results(conn)
                    .await
                }
            }
            .map_err(|e| db.query_error(e))
        })?;
        all(rows)
    }
}
