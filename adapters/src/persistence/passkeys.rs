//! [`PasskeyRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::PasskeyRepository;
use tessera_application::RepositoryError;
use tessera_domain::{is_valid_passkey_name, Passkey, UnixTime, UserId};

use super::schema::passkeys;
use super::Inner;

/// Passkeys in the `passkeys` table, by Tessera's id; `credential_id` is unique across all
/// accounts (a second registration of it is `Conflict`). Rows go with their user
/// (`ON DELETE CASCADE`).
pub(crate) struct DieselPasskeyRepository {
    db: Arc<Inner>,
}

impl DieselPasskeyRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `passkeys` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = passkeys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct PasskeyRow {
    id: String,
    user_id: String,
    name: String,
    credential_id: Vec<u8>,
    credential: String,
    synced: bool,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl PasskeyRow {
    fn from_domain(p: &Passkey) -> Self {
        Self {
            id: p.id.clone(),
            user_id: p.user_id.as_str().to_owned(),
            name: p.name.clone(),
            credential_id: p.credential_id.clone(),
            credential: p.credential.clone(),
            synced: p.synced,
            created_at: p.created_at.as_secs(),
            last_used_at: p.last_used_at.map(UnixTime::as_secs),
        }
    }

    /// Rebuilds the passkey, re-validating the owner, the name and the credential id; a row
    /// that does not pass is `Corrupt`.
    fn into_domain(self) -> Result<Passkey, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("passkey {:?}: {field}", self.id), why)
        };
        let user_id = UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?;
        if !is_valid_passkey_name(&self.name) {
            return Err(corrupt("name", "not a valid passkey name".into()));
        }
        if self.credential_id.is_empty() {
            return Err(corrupt("credential_id", "empty".into()));
        }
        Ok(Passkey {
            id: self.id,
            user_id,
            name: self.name,
            credential_id: self.credential_id,
            credential: self.credential,
            synced: self.synced,
            created_at: UnixTime::from_secs(self.created_at),
            last_used_at: self.last_used_at.map(UnixTime::from_secs),
        })
    }
}

#[async_trait]
impl PasskeyRepository for DieselPasskeyRepository {
    async fn insert(&self, passkey: &Passkey) -> Result<(), RepositoryError> {
        let row = PasskeyRow::from_domain(passkey);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(passkeys::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<Passkey>, RepositoryError> {
        let key = user.as_str().to_owned();
        let rows: Vec<PasskeyRow> = with_connection!(self.db, |conn, db| {
            passkeys::table
                .filter(passkeys::user_id.eq(&key))
                .order((passkeys::created_at.asc(), passkeys::id.asc()))
                .select(PasskeyRow::as_select())
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(PasskeyRow::into_domain).collect()
    }

    async fn find_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<Passkey>, RepositoryError> {
        let key = credential_id.to_vec();
        let row: Option<PasskeyRow> = with_connection!(self.db, |conn, db| {
            passkeys::table
                .filter(passkeys::credential_id.eq(&key))
                .select(PasskeyRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(PasskeyRow::into_domain).transpose()
    }

    async fn record_use(
        &self,
        id: &str,
        credential: &str,
        now: UnixTime,
    ) -> Result<(), RepositoryError> {
        let (id, credential) = (id.to_owned(), credential.to_owned());
        // A passkey deleted meanwhile is left deleted: nothing to record.
        with_connection!(self.db, |conn, db| {
            diesel::update(passkeys::table.find(&id))
                .set((
                    passkeys::credential.eq(&credential),
                    passkeys::last_used_at.eq(Some(now.as_secs())),
                ))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn rename(&self, user: &UserId, id: &str, name: &str) -> Result<bool, RepositoryError> {
        let (user, id, name) = (user.as_str().to_owned(), id.to_owned(), name.to_owned());
        with_connection!(self.db, |conn, db| {
            diesel::update(
                passkeys::table
                    .find(&id)
                    .filter(passkeys::user_id.eq(&user)),
            )
            .set(passkeys::name.eq(&name))
            .execute(conn)
            .await
            .map(|changed| changed == 1)
            .map_err(|e| db.query_error(e))
        })
    }

    async fn delete(&self, user: &UserId, id: &str) -> Result<bool, RepositoryError> {
        let (user, id) = (user.as_str().to_owned(), id.to_owned());
        with_connection!(self.db, |conn, db| {
            diesel::delete(
                passkeys::table
                    .find(&id)
                    .filter(passkeys::user_id.eq(&user)),
            )
            .execute(conn)
            .await
            .map(|deleted| deleted == 1)
            .map_err(|e| db.query_error(e))
        })
    }

    async fn delete_for_user(&self, user: &UserId) -> Result<u64, RepositoryError> {
        let user = user.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(passkeys::table.filter(passkeys::user_id.eq(&user)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}
