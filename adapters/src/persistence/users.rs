//! [`UserRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::ports::UserRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Email, UnixTime, User, UserId};

use super::schema::users;
use super::Inner;

/// Users in the `users` table. The email column is unique, so two accounts can never share
/// an address whatever the callers race; it holds the parsed form of [`Email`] (domain
/// lowercased), which lookups match exactly.
pub(crate) struct DieselUserRepository {
    db: Arc<Inner>,
}

impl DieselUserRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `users` row, read or written; owned, as SQLite calls run on a task of their own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct UserRow {
    id: String,
    email: String,
    email_verified: bool,
    name: Option<String>,
    password_hash: String,
    created_at: i64,
    disabled: bool,
}

impl UserRow {
    fn from_domain(u: &User) -> Self {
        Self {
            id: u.id.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            email_verified: u.email_verified,
            name: u.name.clone(),
            password_hash: u.password_hash.clone(),
            created_at: u.created_at.as_secs(),
            disabled: u.disabled,
        }
    }

    /// Rebuilds the domain user, re-validating the id and the email: a row that does not
    /// parse is `Corrupt`, never half-used.
    fn into_domain(self) -> Result<User, RepositoryError> {
        let corrupt = |field: &str, why: String| {
            RepositoryError::Corrupt(format!("user {:?}: {field}: {why}", self.id))
        };
        let id = UserId::parse(&self.id).map_err(|e| corrupt("id", e.to_string()))?;
        let email = Email::parse(&self.email).map_err(|e| corrupt("email", e.to_string()))?;
        if email.as_str() != self.email {
            // Stored un-normalised, it could never be found by `find_by_email`.
            return Err(corrupt("email", "not in normalised form".into()));
        }
        Ok(User {
            id,
            email,
            email_verified: self.email_verified,
            name: self.name,
            password_hash: self.password_hash,
            created_at: UnixTime::from_secs(self.created_at),
            disabled: self.disabled,
        })
    }
}

#[async_trait]
impl UserRepository for DieselUserRepository {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        let row = UserRow::from_domain(user);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(users::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        let email = email.as_str().to_owned();
        let row: Option<UserRow> = with_connection!(self.db, |conn, db| {
            users::table
                .filter(users::email.eq(&email))
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(UserRow::into_domain).transpose()
    }

    async fn find(&self, id: &UserId) -> Result<Option<User>, RepositoryError> {
        let id = id.as_str().to_owned();
        let row: Option<UserRow> = with_connection!(self.db, |conn, db| {
            users::table
                .find(&id)
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(UserRow::into_domain).transpose()
    }

    async fn update_password_hash(&self, id: &UserId, phc: &str) -> Result<(), RepositoryError> {
        let key = id.as_str().to_owned();
        let phc = phc.to_owned();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(users::table.find(&key))
                .set(users::password_hash.eq(&phc))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        if changed == 0 {
            return Err(RepositoryError::Other(format!(
                "user {id} to update is not stored"
            )));
        }
        Ok(())
    }
}
