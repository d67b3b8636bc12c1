//! [`UserRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::UserRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Email, LockoutPolicy, LoginAttempts, UnixTime, User, UserId};

use super::schema::users;
use super::user_lockout::{AttemptsRow, CountError, CountFailure};
use super::Inner;

/// Users in the `users` table. The email column is unique, so two accounts can never share
/// an address whatever the callers race; it holds the canonical form of [`Email`] (NFC, lower
/// case). Rows from before emails were canonical that the migration could not lower-case (two
/// differing only by case) are still found: lookups also compare `lower(email)`, preferring
/// the exact row, then the oldest, and an insert whose `lower(email)` is taken is a conflict. The lockout state lives in the same row
/// (`failed_logins`, `locked_until`, `lockouts`), so it holds across restarts and processes.
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
pub(super) struct UserRow {
    id: String,
    email: String,
    email_verified: bool,
    name: Option<String>,
    password_hash: String,
    created_at: i64,
    disabled: bool,
    failed_logins: i32,
    locked_until: Option<i64>,
    lockouts: i32,
}

impl UserRow {
    pub(super) fn from_domain(u: &User) -> Self {
        let attempts = AttemptsRow::from_domain(&u.login_attempts);
        Self {
            id: u.id.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            email_verified: u.email_verified,
            name: u.name.clone(),
            password_hash: u.password_hash.clone(),
            created_at: u.created_at.as_secs(),
            disabled: u.disabled,
            failed_logins: attempts.failed_logins,
            locked_until: attempts.locked_until,
            lockouts: attempts.lockouts,
        }
    }

    /// Rebuilds the domain user, re-validating the id and the email: a row that does not
    /// parse is `Corrupt`, never half-used.
    fn into_domain(self) -> Result<User, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("user {:?}: {field}", self.id), why)
        };
        let id = UserId::parse(&self.id).map_err(|e| corrupt("id", e.into()))?;
        // A row from before emails were canonical reads as its canonical form (see the type).
        let email = Email::parse(&self.email).map_err(|e| corrupt("email", e.into()))?;
        let login_attempts = AttemptsRow {
            failed_logins: self.failed_logins,
            locked_until: self.locked_until,
            lockouts: self.lockouts,
        }
        .into_domain()
        .map_err(|why| corrupt("lockout", why.into()))?;
        Ok(User {
            id,
            email,
            email_verified: self.email_verified,
            name: self.name,
            password_hash: self.password_hash,
            created_at: UnixTime::from_secs(self.created_at),
            disabled: self.disabled,
            login_attempts,
        })
    }
}

#[async_trait]
impl UserRepository for DieselUserRepository {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        let row = UserRow::from_domain(user);
        with_connection!(self.db, |conn, db| {
            // An older row that differs only by case holds the address too. Only such rows
            // need this check (canonical ones meet the unique index), and they are never
            // inserted any more, so no race slips between the check and the insert.
            let older: i64 = users::table
                .filter(lower(users::email).eq(&row.email))
                .count()
                .get_result(conn)
                .await
                .map_err(|e| db.query_error(e))?;
            if older > 0 {
                return Err(RepositoryError::Conflict);
            }
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
            // The canonical row if there is one, else the oldest older row that differs only
            // by case (see the type); one indexed statement either way.
            users::table
                .filter(users::email.eq(&email).or(lower(users::email).eq(&email)))
                .order((
                    users::email.eq(&email).desc(),
                    users::created_at.asc(),
                    users::id.asc(),
                ))
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
            return Err(RepositoryError::other(format!(
                "user {id} to update is not stored"
            )));
        }
        Ok(())
    }

    async fn record_login_failure(
        &self,
        id: &UserId,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, RepositoryError> {
        let key = id.as_str().to_owned();
        with_connection!(self.db, |conn, db| {
            conn.count_failure(&key, now, policy)
                .await
                .map_err(|e| match e {
                    CountError::Db(e) => db.query_error(e),
                    CountError::Corrupt(why) => {
                        RepositoryError::corrupt(format!("user {key:?}: lockout"), why)
                    }
                    CountError::NoSuchUser => RepositoryError::other(format!(
                        "user {key} to count a failure of is not stored"
                    )),
                })
        })
    }

    async fn undo_login_failure(
        &self,
        id: &UserId,
        counted: LoginAttempts,
        before: LoginAttempts,
    ) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let now = AttemptsRow::from_domain(&counted);
        let restored = AttemptsRow::from_domain(&before);
        let changed = with_connection!(self.db, |conn, db| {
            let unchanged = users::table
                .filter(users::id.eq(&key))
                .filter(users::failed_logins.eq(now.failed_logins))
                .filter(users::lockouts.eq(now.lockouts));
            match now.locked_until {
                Some(t) => {
                    diesel::update(unchanged.filter(users::locked_until.eq(t)))
                        .set(&restored)
                        .execute(conn)
                        .await
                }
                None => {
                    diesel::update(unchanged.filter(users::locked_until.is_null()))
                        .set(&restored)
                        .execute(conn)
                        .await
                }
            }
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed == 1)
    }

    async fn reset_login_failures(&self, id: &UserId) -> Result<(), RepositoryError> {
        let key = id.as_str().to_owned();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(users::table.find(&key))
                .set(AttemptsRow::from_domain(&LoginAttempts::after_success()))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        if changed == 0 {
            return Err(RepositoryError::other(format!(
                "user {id} to reset is not stored"
            )));
        }
        Ok(())
    }

    async fn update_name(
        &self,
        id: &UserId,
        name: Option<String>,
    ) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(users::table.find(&key))
                .set(users::name.eq(&name))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(changed == 1)
    }

    async fn mark_email_verified(
        &self,
        id: &UserId,
        email: &Email,
    ) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let email = email.as_str().to_owned();
        let changed = with_connection!(self.db, |conn, db| {
            // The address is checked by the same statement that marks it: an address changed
            // since the link was sent is never marked verified, whatever the race.
            diesel::update(
                users::table
                    .find(&key)
                    .filter(users::email.eq(&email).or(lower(users::email).eq(&email))),
            )
            .set(users::email_verified.eq(true))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed == 1)
    }

    async fn delete(&self, id: &UserId) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            // Sessions, consents, codes, refresh tokens and emailed-link tokens go with the row
            // (ON DELETE CASCADE; every SQLite connection runs PRAGMA foreign_keys = ON).
            diesel::delete(users::table.find(&key))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted == 1)
    }

    async fn list(
        &self,
        after: Option<String>,
        email_contains: Option<String>,
        limit: u32,
    ) -> Result<Vec<User>, RepositoryError> {
        let pattern = email_contains.map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
        let limit = i64::from(limit);
        let rows: Vec<UserRow> = with_connection!(self.db, |conn, db| {
            let mut query = users::table
                .select(UserRow::as_select())
                .order(users::email.asc())
                .limit(limit)
                .into_boxed();
            if let Some(after) = &after {
                query = query.filter(users::email.gt(after.clone()));
            }
            if let Some(pattern) = &pattern {
                // lower() on both sides: ILIKE is PostgreSQL only, and SQLite's LIKE folds
                // ASCII only; the pattern is lowercased the same way.
                query = query.filter(lower(users::email).like(pattern.clone()).escape('\\'));
            }
            query.load(conn).await.map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(UserRow::into_domain).collect()
    }

    async fn set_disabled(&self, id: &UserId, disabled: bool) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(users::table.find(&key))
                .set(users::disabled.eq(disabled))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(changed == 1)
    }
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes the LIKE wildcards (`%`, `_`) and the escape character itself, so a search for
/// `a_b` matches that text only.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
