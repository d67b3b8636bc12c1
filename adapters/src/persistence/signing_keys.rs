//! [`SigningKeyRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::ports::{SigningKeyRepository, StoredSigningKey};
use tessera_application::RepositoryError;
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey, UnixTime};

use super::schema::signing_keys;
use super::Inner;

/// Keys in the `signing_keys` table. A partial unique index allows one `active` row at most,
/// so the database itself refuses a second active key whatever the callers do.
pub(crate) struct DieselSigningKeyRepository {
    db: Arc<Inner>,
}

impl DieselSigningKeyRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `signing_keys` row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct KeyRow {
    kid: String,
    alg: String,
    state: String,
    created_at: i64,
    retire_after: Option<i64>,
    public_jwk: String,
    encrypted_private_key: Vec<u8>,
}

/// A `signing_keys` row to write.
#[derive(Insertable)]
#[diesel(table_name = signing_keys)]
struct NewKeyRow<'a> {
    kid: &'a str,
    alg: &'a str,
    state: &'a str,
    created_at: i64,
    retire_after: Option<i64>,
    public_jwk: &'a str,
    encrypted_private_key: &'a [u8],
}

impl<'a> NewKeyRow<'a> {
    fn from_domain(k: &'a StoredSigningKey) -> Self {
        Self {
            kid: &k.key.kid,
            alg: k.key.alg.as_str(),
            state: k.key.state.as_str(),
            created_at: k.key.created_at.as_secs(),
            retire_after: k.key.retire_after.map(UnixTime::as_secs),
            public_jwk: &k.key.public_jwk,
            encrypted_private_key: &k.encrypted_private_key,
        }
    }
}

impl KeyRow {
    /// Rebuilds the stored key; an unknown algorithm or state is `Corrupt`.
    fn into_domain(self) -> Result<StoredSigningKey, RepositoryError> {
        let corrupt = |field: &str, value: &str| {
            RepositoryError::corrupt(
                format!("signing key {:?}: {field}", self.kid),
                format!("unknown value {value:?}"),
            )
        };
        let alg = SigningAlgorithm::parse(&self.alg).map_err(|_| corrupt("alg", &self.alg))?;
        let state = KeyState::parse(&self.state).ok_or_else(|| corrupt("state", &self.state))?;
        Ok(StoredSigningKey {
            key: SigningKey {
                kid: self.kid,
                alg,
                state,
                created_at: UnixTime::from_secs(self.created_at),
                retire_after: self.retire_after.map(UnixTime::from_secs),
                public_jwk: self.public_jwk,
            },
            encrypted_private_key: self.encrypted_private_key,
        })
    }
}

/// Why a `save` transaction was rolled back.
enum SaveError {
    Db(diesel::result::Error),
    /// An update named a key that is not stored.
    Missing(String),
}

impl From<diesel::result::Error> for SaveError {
    fn from(e: diesel::result::Error) -> Self {
        SaveError::Db(e)
    }
}

#[async_trait]
impl SigningKeyRepository for DieselSigningKeyRepository {
    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepositoryError> {
        let rows: Vec<KeyRow> = with_connection!(self.db, |conn, db| {
            signing_keys::table
                .select(KeyRow::as_select())
                .order((signing_keys::created_at.desc(), signing_keys::kid.asc()))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(KeyRow::into_domain).collect()
    }

    async fn save(
        &self,
        updated: Vec<SigningKey>,
        inserted: Vec<StoredSigningKey>,
    ) -> Result<(), RepositoryError> {
        with_connection!(self.db, |conn, db| {
            let updated = &updated;
            let new_rows: Vec<NewKeyRow<'_>> =
                inserted.iter().map(NewKeyRow::from_domain).collect();
            let new_rows = &new_rows;
            // Updates first, so the old active key is already retiring when the new one is
            // inserted or promoted; the unique index sees no moment with two.
            conn.transaction(async |conn| -> Result<(), SaveError> {
                for key in updated {
                    let changed = diesel::update(signing_keys::table.find(&key.kid))
                        .set((
                            signing_keys::state.eq(key.state.as_str()),
                            signing_keys::retire_after.eq(key.retire_after.map(UnixTime::as_secs)),
                        ))
                        .execute(conn)
                        .await?;
                    if changed == 0 {
                        return Err(SaveError::Missing(key.kid.clone()));
                    }
                }
                for row in new_rows {
                    diesel::insert_into(signing_keys::table)
                        .values(row)
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
            .await
            .map_err(|e| match e {
                SaveError::Db(e) => db.query_error(e),
                SaveError::Missing(kid) => {
                    RepositoryError::other(format!("signing key {kid:?} to update is not stored"))
                }
            })
        })
    }
}
