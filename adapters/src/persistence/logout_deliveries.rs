//! [`LogoutDeliveryRepository`] on diesel: the `logout_deliveries` table, a durable queue.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::LogoutDeliveryRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, LogoutDelivery, UnixTime, UserId};

use super::schema::logout_deliveries;
use super::Inner;

/// Queued back-channel logout tokens. A claim is one `UPDATE … WHERE next_attempt_at <= now
/// … RETURNING` that moves the rows past a lease: SQLite runs writers one at a time, and
/// PostgreSQL re-checks the `next_attempt_at` condition on a row another claim just updated,
/// so no row is ever claimed twice at once.
pub(crate) struct DieselLogoutDeliveryRepository {
    db: Arc<Inner>,
}

impl DieselLogoutDeliveryRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` rows finished (delivered or given up) at or before `cutoff`;
    /// returns how many.
    pub(crate) async fn purge_batch(
        &self,
        cutoff: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(logout_deliveries as older);
        let cutoff = cutoff.as_secs();
        let deleted = with_connection!(self.db, |conn, db| {
            let finished = older
                .select(older.field(logout_deliveries::id))
                .filter(
                    older
                        .field(logout_deliveries::delivered_at)
                        .le(cutoff)
                        .or(older.field(logout_deliveries::failed_at).le(cutoff)),
                )
                .limit(batch);
            diesel::delete(logout_deliveries::table.filter(logout_deliveries::id.eq_any(finished)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `logout_deliveries` row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = logout_deliveries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Row {
    id: String,
    client_id: String,
    uri: String,
    user_id: String,
    sid: Option<String>,
    attempts: i32,
    next_attempt_at: i64,
    created_at: i64,
}

/// A new row.
#[derive(Insertable)]
#[diesel(table_name = logout_deliveries)]
struct NewRow {
    id: String,
    client_id: String,
    uri: String,
    user_id: String,
    sid: Option<String>,
    attempts: i32,
    next_attempt_at: i64,
    created_at: i64,
}

impl Row {
    fn into_domain(self) -> Result<LogoutDelivery, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("logout delivery {:?}: {field}", self.id), why)
        };
        Ok(LogoutDelivery {
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("attempts", e.into()))?,
            next_attempt_at: UnixTime::from_secs(self.next_attempt_at),
            created_at: UnixTime::from_secs(self.created_at),
            uri: self.uri,
            sid: self.sid,
            id: self.id,
        })
    }
}

#[async_trait]
impl LogoutDeliveryRepository for DieselLogoutDeliveryRepository {
    async fn enqueue(&self, deliveries: &[LogoutDelivery]) -> Result<(), RepositoryError> {
        let rows: Vec<NewRow> = deliveries
            .iter()
            .map(|d| NewRow {
                id: d.id.clone(),
                client_id: d.client_id.as_str().to_owned(),
                uri: d.uri.clone(),
                user_id: d.user_id.as_str().to_owned(),
                sid: d.sid.clone(),
                attempts: 0,
                next_attempt_at: d.next_attempt_at.as_secs(),
                created_at: d.created_at.as_secs(),
            })
            .collect();
        // One row at a time: SQLite has no batch insert of rows with optional columns, and a
        // session ends with few clients.
        with_connection!(self.db, |conn, db| {
            for row in &rows {
                diesel::insert_into(logout_deliveries::table)
                    .values(row)
                    .execute(conn)
                    .await
                    .map_err(|e| db.query_error(e))?;
            }
            Ok(())
        })
    }

    async fn claim_due(
        &self,
        now: UnixTime,
        lease_until: UnixTime,
        limit: u32,
    ) -> Result<Vec<LogoutDelivery>, RepositoryError> {
        let older = diesel::alias!(logout_deliveries as older);
        let (now, lease_until) = (now.as_secs(), lease_until.as_secs());
        let limit = i64::from(limit.max(1));
        let rows: Vec<Row> = with_connection!(self.db, |conn, db| {
            let due = older
                .select(older.field(logout_deliveries::id))
                .filter(older.field(logout_deliveries::delivered_at).is_null())
                .filter(older.field(logout_deliveries::failed_at).is_null())
                .filter(older.field(logout_deliveries::next_attempt_at).le(now))
                .order(older.field(logout_deliveries::next_attempt_at))
                .limit(limit);
            diesel::update(
                logout_deliveries::table
                    .filter(logout_deliveries::id.eq_any(due))
                    .filter(logout_deliveries::next_attempt_at.le(now))
                    .filter(logout_deliveries::delivered_at.is_null())
                    .filter(logout_deliveries::failed_at.is_null()),
            )
            .set((
                logout_deliveries::attempts.eq(logout_deliveries::attempts + 1),
                logout_deliveries::next_attempt_at.eq(lease_until),
            ))
            .returning(Row::as_returning())
            .get_results(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(Row::into_domain).collect()
    }

    async fn delivered(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError> {
        let id = id.to_owned();
        with_connection!(self.db, |conn, db| {
            diesel::update(logout_deliveries::table.find(&id))
                .set(logout_deliveries::delivered_at.eq(Some(now.as_secs())))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn retry_at(&self, id: &str, at: UnixTime) -> Result<(), RepositoryError> {
        let id = id.to_owned();
        with_connection!(self.db, |conn, db| {
            diesel::update(logout_deliveries::table.find(&id))
                .set(logout_deliveries::next_attempt_at.eq(at.as_secs()))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn failed(&self, id: &str, now: UnixTime) -> Result<(), RepositoryError> {
        let id = id.to_owned();
        with_connection!(self.db, |conn, db| {
            diesel::update(logout_deliveries::table.find(&id))
                .set(logout_deliveries::failed_at.eq(Some(now.as_secs())))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }
}
