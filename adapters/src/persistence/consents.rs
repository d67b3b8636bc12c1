//! [`ConsentRepository`] on diesel.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::errors::BoxError;
use tessera_application::ports::ConsentRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, Consent, ScopeSet, UnixTime, UserId};

use super::resource_list::{decode_resources, encode_resources};
use super::schema::{consents, refresh_tokens};
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
    resources: String,
}

impl ConsentRow {
    fn from_domain(c: &Consent) -> Self {
        Self {
            resources: encode_resources(&c.resources),
            user_id: c.user_id.as_str().to_owned(),
            client_id: c.client_id.as_str().to_owned(),
            scope: c.scope.to_string(),
            granted_at: c.granted_at.as_secs(),
        }
    }

    fn into_domain(self) -> Result<Consent, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!(
                    "consent of {:?} for {:?}: {field}",
                    self.user_id, self.client_id
                ),
                why,
            )
        };
        Ok(Consent {
            resources: decode_resources(&self.resources)
                .map_err(|e| corrupt("resources", e.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
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
                    consents::resources.eq(excluded(consents::resources)),
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

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Consent>, RepositoryError> {
        let key = user.as_str().to_owned();
        let rows: Vec<ConsentRow> = with_connection!(self.db, |conn, db| {
            consents::table
                .filter(consents::user_id.eq(&key))
                .select(ConsentRow::as_select())
                .order(consents::client_id.asc())
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(ConsentRow::into_domain).collect()
    }

    async fn revoke_with_grants(
        &self,
        user: &UserId,
        client: &ClientId,
    ) -> Result<(bool, Vec<String>), RepositoryError> {
        let key = (user.as_str().to_owned(), client.as_str().to_owned());
        let (deleted, families) = with_connection!(self.db, |conn, db| {
            let key = &key;
            // The UPDATE comes first, so SQLite takes the write lock before any read. Several
            // passes catch a rotation that commits a successor token while a pass waits for
            // the lock of the token it rotated (as in `revoke_for_user`).
            conn.transaction(
                async |conn| -> Result<(usize, BTreeSet<String>), diesel::result::Error> {
                    let mut families = BTreeSet::new();
                    for _ in 0..REVOKE_PASSES {
                        let revoked: Vec<String> = diesel::update(
                            refresh_tokens::table
                                .filter(refresh_tokens::user_id.eq(&key.0))
                                .filter(refresh_tokens::client_id.eq(&key.1))
                                .filter(refresh_tokens::revoked.eq(false)),
                        )
                        .set(refresh_tokens::revoked.eq(true))
                        .returning(refresh_tokens::grant_id)
                        .get_results(conn)
                        .await?;
                        if revoked.is_empty() {
                            break;
                        }
                        families.extend(revoked);
                    }
                    let deleted = diesel::delete(consents::table.find((&key.0, &key.1)))
                        .execute(conn)
                        .await?;
                    Ok((deleted, families))
                },
            )
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok((deleted > 0, families.into_iter().collect()))
    }
}

/// Passes of the refresh-token revocation in [`ConsentRepository::revoke_with_grants`].
const REVOKE_PASSES: usize = 16;
