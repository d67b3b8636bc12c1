//! [`SecondFactorRepository`] on diesel: the `user_totp` and `recovery_codes` tables.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::errors::BoxError;
use tessera_application::ports::{SecondFactorRepository, StoredTotp};
use tessera_application::RepositoryError;
use tessera_domain::{TokenDigest, UnixTime, UserId};

use super::schema::{recovery_codes, user_totp};
use super::Inner;

/// TOTP enrolments (one row per user) and recovery codes (by user and digest; a used code keeps
/// its row, marked with `used_at`). Both go with their user (`ON DELETE CASCADE`).
pub(crate) struct DieselSecondFactorRepository {
    db: Arc<Inner>,
}

impl DieselSecondFactorRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `user_totp` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = user_totp)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct TotpRow {
    user_id: String,
    secret_ciphertext: Vec<u8>,
    confirmed: bool,
    last_step: Option<i64>,
    created_at: i64,
}

impl TotpRow {
    /// The row of a new enrolment: unconfirmed, whatever the caller passed.
    fn unconfirmed(t: &StoredTotp) -> Self {
        Self {
            user_id: t.user_id.as_str().to_owned(),
            secret_ciphertext: t.secret_ciphertext.clone(),
            confirmed: false,
            last_step: t.last_step,
            created_at: t.created_at.as_secs(),
        }
    }

    /// Rebuilds the enrolment, re-validating the user id; a row that does not parse is
    /// `Corrupt`.
    fn into_domain(self) -> Result<StoredTotp, RepositoryError> {
        let user_id = UserId::parse(&self.user_id).map_err(|e| {
            RepositoryError::corrupt(
                format!("TOTP enrolment of {:?}: user_id", self.user_id),
                BoxError::from(e),
            )
        })?;
        Ok(StoredTotp {
            user_id,
            secret_ciphertext: self.secret_ciphertext,
            confirmed: self.confirmed,
            last_step: self.last_step,
            created_at: UnixTime::from_secs(self.created_at),
        })
    }
}

/// A new `recovery_codes` row: unused (`used_at` is left NULL).
#[derive(Insertable)]
#[diesel(table_name = recovery_codes)]
struct NewRecoveryCodeRow {
    user_id: String,
    digest: Vec<u8>,
    created_at: i64,
}

/// The rows of `codes` for `user`, created at `now`.
fn code_rows(user: &UserId, codes: &[TokenDigest], now: UnixTime) -> Vec<NewRecoveryCodeRow> {
    codes
        .iter()
        .map(|c| NewRecoveryCodeRow {
            user_id: user.as_str().to_owned(),
            digest: c.as_bytes().to_vec(),
            created_at: now.as_secs(),
        })
        .collect()
}

#[async_trait]
impl SecondFactorRepository for DieselSecondFactorRepository {
    async fn totp(&self, user: &UserId) -> Result<Option<StoredTotp>, RepositoryError> {
        let key = user.as_str().to_owned();
        let row: Option<TotpRow> = with_connection!(self.db, |conn, db| {
            user_totp::table
                .find(&key)
                .select(TotpRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(TotpRow::into_domain).transpose()
    }

    async fn put_unconfirmed_totp(&self, totp: &StoredTotp) -> Result<(), RepositoryError> {
        let row = TotpRow::unconfirmed(totp);
        // One statement: the upsert's WHERE leaves a confirmed row alone (no row written, so
        // `Conflict`), and two enrolments started at once cannot both insert.
        let written = with_connection!(self.db, |conn, db| {
            let upsert = diesel::insert_into(user_totp::table)
                .values(&row)
                .on_conflict(user_totp::user_id)
                .do_update()
                .set((
                    user_totp::secret_ciphertext.eq(excluded(user_totp::secret_ciphertext)),
                    user_totp::confirmed.eq(false),
                    user_totp::last_step.eq(excluded(user_totp::last_step)),
                    user_totp::created_at.eq(excluded(user_totp::created_at)),
                ));
            // `ON CONFLICT … DO UPDATE … WHERE`: diesel's upsert filter, named in full as
            // the prelude's `QueryDsl::filter` does not apply to an insert.
            diesel::query_dsl::methods::FilterDsl::filter(upsert, user_totp::confirmed.eq(false))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        if written == 1 {
            Ok(())
        } else {
            Err(RepositoryError::Conflict)
        }
    }

    async fn confirm_totp(
        &self,
        user: &UserId,
        step: i64,
        codes: &[TokenDigest],
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let key = user.as_str().to_owned();
        let rows = code_rows(user, codes, now);
        with_connection!(self.db, |conn, db| {
            let (key, rows) = (&key, &rows);
            // The conditional UPDATE decides: of two confirmations one finds the row still
            // unconfirmed. Being the first statement, it also makes SQLite take the write lock
            // before reading anything. The confirming step counts as used: that code cannot
            // sign in afterwards.
            conn.transaction(async |conn| -> Result<bool, diesel::result::Error> {
                let confirmed = diesel::update(
                    user_totp::table
                        .find(key)
                        .filter(user_totp::confirmed.eq(false)),
                )
                .set((
                    user_totp::confirmed.eq(true),
                    user_totp::last_step.eq(Some(step)),
                ))
                .execute(conn)
                .await?;
                if confirmed != 1 {
                    return Ok(false);
                }
                diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(key)))
                    .execute(conn)
                    .await?;
                // Row by row: diesel's SQLite batch insert needs the sync connection.
                for row in rows.iter() {
                    diesel::insert_into(recovery_codes::table)
                        .values(row)
                        .execute(conn)
                        .await?;
                }
                Ok(true)
            })
            .await
            .map_err(|e| db.query_error(e))
        })
    }

    async fn use_totp_step(&self, user: &UserId, step: i64) -> Result<bool, RepositoryError> {
        let key = user.as_str().to_owned();
        with_connection!(self.db, |conn, db| {
            // The one statement that decides: PostgreSQL re-checks the WHERE once a
            // concurrent winner commits and finds `last_step` moved; SQLite runs one writer at
            // a time. A replayed or older code changes nothing.
            diesel::update(
                user_totp::table
                    .find(&key)
                    .filter(user_totp::confirmed.eq(true))
                    .filter(
                        user_totp::last_step
                            .is_null()
                            .or(user_totp::last_step.lt(step)),
                    ),
            )
            .set(user_totp::last_step.eq(Some(step)))
            .execute(conn)
            .await
            .map(|changed| changed == 1)
            .map_err(|e| db.query_error(e))
        })
    }

    async fn delete_totp(&self, user: &UserId) -> Result<bool, RepositoryError> {
        let key = user.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            let key = &key;
            conn.transaction(async |conn| -> Result<usize, diesel::result::Error> {
                let deleted = diesel::delete(user_totp::table.find(key))
                    .execute(conn)
                    .await?;
                diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(key)))
                    .execute(conn)
                    .await?;
                Ok(deleted)
            })
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }

    async fn replace_recovery_codes(
        &self,
        user: &UserId,
        codes: &[TokenDigest],
        now: UnixTime,
    ) -> Result<(), RepositoryError> {
        let key = user.as_str().to_owned();
        let rows = code_rows(user, codes, now);
        with_connection!(self.db, |conn, db| {
            let (key, rows) = (&key, &rows);
            // The DELETE comes first, so SQLite takes the write lock before anything else.
            conn.transaction(async |conn| -> Result<(), diesel::result::Error> {
                diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(key)))
                    .execute(conn)
                    .await?;
                // Row by row: diesel's SQLite batch insert needs the sync connection.
                for row in rows.iter() {
                    diesel::insert_into(recovery_codes::table)
                        .values(row)
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
            .await
            .map_err(|e| db.query_error(e))
        })
    }

    async fn use_recovery_code(
        &self,
        user: &UserId,
        code: &TokenDigest,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let key = (user.as_str().to_owned(), code.as_bytes().to_vec());
        with_connection!(self.db, |conn, db| {
            // The one statement that decides: exactly one of concurrent uses sees
            // `used_at IS NULL`.
            diesel::update(
                recovery_codes::table
                    .find((&key.0, &key.1))
                    .filter(recovery_codes::used_at.is_null()),
            )
            .set(recovery_codes::used_at.eq(Some(now.as_secs())))
            .execute(conn)
            .await
            .map(|changed| changed == 1)
            .map_err(|e| db.query_error(e))
        })
    }

    async fn recovery_codes_left(&self, user: &UserId) -> Result<u32, RepositoryError> {
        let key = user.as_str().to_owned();
        let left: i64 = with_connection!(self.db, |conn, db| {
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(&key))
                .filter(recovery_codes::used_at.is_null())
                .count()
                .get_result(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }
}
