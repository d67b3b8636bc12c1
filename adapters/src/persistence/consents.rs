//! [`ConsentRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use tessera_application::ports::ConsentRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, Consent, ScopeSet, UnixTime, UserId};

use super::schema::consents;
use super::Inner;

/// Consents in the `consents` table, one row per (user, client); rows go with their user or
/// client (`ON DELETE CASCADE`).
pub(crate) struct DieselConsentRepository {
    db: Arc<Inner>,
}

impl DieselConsentRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `consents` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ConsentRow {
    user_id: String,
    client_id: String,
    scope: String,
    granted_at: i64,
}

impl ConsentRow {
    fn from_domain(c: &Consent) -> Self {
        Self {
            user_id: c.user_id.as_str().to_owned(),
            client_id: c.client_id.as_str().to_owned(),
            scope: c.scope.to_string(),
            granted_at: c.granted_at.as_secs(),
        }
    }

    fn into_domain(self) -> Result<Consent, RepositoryError> {
        let corrupt = |field: &str, why: String| {
            RepositoryError::Corrupt(format!(
                "consent of {:?} for {:?}: {field}: {why}",
                self.user_id, self.client_id
            ))
        };
        Ok(Consent {
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.to_string()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.to_string()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.to_string()))?,
            granted_at: UnixTime::from_secs(self.granted_at),
        })
    }
}

#[async_trait]
impl ConsentRepository for DieselConsentRepository {
    async fn find(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<Option<Consent>, RepositoryError> {
        let key = (user.as_str().to_owned(), client.as_str().to_owned());
        let row: Option<ConsentRow> = with_connection!(self.db, |conn, db| {
            consents::table
                .find((&key.0, &key.1))
                .select(ConsentRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(ConsentRow::into_domain).transpose()
    }

    async fn upsert(&self, consent: &Consent) -> Result<(), RepositoryError> {
        let row = ConsentRow::from_domain(consent);
        // One statement, so two tabs consenting at once cannot make it fail with a conflict.
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(consents::table)
                .values(&row)
                .on_conflict((consents::user_id, consents::client_id))
                .do_update()
                .set((
                    consents::scope.eq(excluded(consents::scope)),
                    consents::granted_at.eq(excluded(consents::granted_at)),
                ))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn delete(&self, user: &UserId, client: &ClientId) -> Result<bool, RepositoryError> {
        let key = (user.as_str().to_owned(), client.as_str().to_owned());
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(consents::table.find((&key.0, &key.1)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }
}
