//! The lockout columns of `users` and counting a failed sign-in atomically on either backend.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tessera_domain::{LockoutPolicy, LoginAttempts, UnixTime};

use super::schema::users;
use super::SqliteConn;

/// The lockout columns of a `users` row, read or written together.
#[derive(Queryable, Selectable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(super) struct AttemptsRow {
    pub(super) failed_logins: i32,
    pub(super) locked_until: Option<i64>,
    pub(super) lockouts: i32,
}

impl AttemptsRow {
    /// The columns for `a`; counts past `i32::MAX` (never reached in practice) are stored as
    /// `i32::MAX`.
    pub(super) fn from_domain(a: &LoginAttempts) -> Self {
        let column = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            failed_logins: column(a.failed),
            locked_until: a.locked_until.map(UnixTime::as_secs),
            lockouts: column(a.lockouts),
        }
    }

    /// The domain value; a negative count is an error text (for `Corrupt`).
    pub(super) fn into_domain(self) -> Result<LoginAttempts, String> {
        let count =
            |name: &str, n: i32| u32::try_from(n).map_err(|_| format!("{name} is negative ({n})"));
        Ok(LoginAttempts {
            failed: count("failed_logins", self.failed_logins)?,
            locked_until: self.locked_until.map(UnixTime::from_secs),
            lockouts: count("lockouts", self.lockouts)?,
        })
    }
}

/// Why counting a failed sign-in did not happen.
pub(super) enum CountError {
    Db(diesel::result::Error),
    Corrupt(String),
    NoSuchUser,
}

impl From<diesel::result::Error> for CountError {
    fn from(e: diesel::result::Error) -> Self {
        CountError::Db(e)
    }
}

/// Counting a failed sign-in: a read-modify-write of one row in one transaction that holds
/// the row from the read to the write, so that concurrent failures, from this process or any
/// other, are all counted (none is lost to a concurrent update). How the row is held is the one
/// thing that differs between the backends.
pub(super) trait CountFailure {
    async fn count_failure(
        &mut self,
        key: &str,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, CountError>;
}

/// The stored state after one more failure, from the row as read (`None`: no such user).
fn counted(
    row: Option<AttemptsRow>,
    now: UnixTime,
    policy: &LockoutPolicy,
) -> Result<LoginAttempts, CountError> {
    let before = row
        .ok_or(CountError::NoSuchUser)?
        .into_domain()
        .map_err(CountError::Corrupt)?;
    Ok(before.after_failure(now, policy))
}

impl CountFailure for AsyncPgConnection {
    /// `SELECT … FOR UPDATE`: a concurrent count waits for this transaction to commit, then
    /// reads the row as it left it (READ COMMITTED re-reads a locked row once it is released).
    async fn count_failure(
        &mut self,
        key: &str,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, CountError> {
        self.transaction(async |conn| {
            let row = users::table
                .find(key)
                .select(AttemptsRow::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let after = counted(row, now, &policy)?;
            diesel::update(users::table.find(key))
                .set(AttemptsRow::from_domain(&after))
                .execute(conn)
                .await?;
            Ok(after)
        })
        .await
    }
}

impl CountFailure for SqliteConn {
    /// `BEGIN IMMEDIATE`: the transaction takes the database's single write lock before it
    /// reads, so counts run one at a time, across processes too; a deferred transaction would
    /// read first and then fail with SQLITE_BUSY when upgrading to write.
    async fn count_failure(
        &mut self,
        key: &str,
        now: UnixTime,
        policy: LockoutPolicy,
    ) -> Result<LoginAttempts, CountError> {
        self.immediate_transaction(async |conn| {
            let row = users::table
                .find(key)
                .select(AttemptsRow::as_select())
                .first(conn)
                .await
                .optional()?;
            let after = counted(row, now, &policy)?;
            diesel::update(users::table.find(key))
                .set(AttemptsRow::from_domain(&after))
                .execute(conn)
                .await?;
            Ok(after)
        })
        .await
    }
}
