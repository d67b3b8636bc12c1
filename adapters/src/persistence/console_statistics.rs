//! [`ConsoleStatistics`] on diesel: the dashboard's counts as grouped queries, so a page
//! costs three small queries whatever the number of events.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use tessera_application::ports::{ConsoleStatistics, HourlyCount, LockedAccount};
use tessera_application::RepositoryError;
use tessera_domain::{AuditAction, AuditOutcome, UnixTime, UserId};

use super::schema::{browser_sessions, users};
use super::Inner;

/// The dashboard's figures on this database.
pub(crate) struct DieselConsoleStatistics {
    db: Arc<Inner>,
}

impl DieselConsoleStatistics {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// One row of the hourly grouping.
#[derive(QueryableByName)]
struct HourRow {
    #[diesel(sql_type = BigInt)]
    hour: i64,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The grouping query. Only integers and the fixed action names (`[a-z_]+`, from
/// [`AuditAction::as_str`], never caller text) are put into the text, so it needs no bind
/// parameters, whose placeholders differ between SQLite (`?`) and PostgreSQL (`$1`).
fn hourly_sql(actions: &[AuditAction], since: i64, until: i64) -> String {
    let names: Vec<String> = actions
        .iter()
        .map(|a| a.as_str())
        .filter(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|n| format!("'{n}'"))
        .collect();
    format!(
        "SELECT (at / 3600) * 3600 AS hour, action, outcome, COUNT(*) AS n \
         FROM audit_events WHERE at >= {since} AND at < {until} AND action IN ({}) \
         GROUP BY (at / 3600) * 3600, action, outcome",
        names.join(", ")
    )
}

#[async_trait]
impl ConsoleStatistics for DieselConsoleStatistics {
    async fn hourly_counts(
        &self,
        actions: &[AuditAction],
        since: UnixTime,
        until: UnixTime,
    ) -> Result<Vec<HourlyCount>, RepositoryError> {
        if actions.is_empty() || since.as_secs() < 0 {
            return Ok(Vec::new());
        }
        let sql = hourly_sql(actions, since.as_secs(), until.as_secs());
        let rows: Vec<HourRow> = with_connection!(self.db, |conn, db| {
            diesel::sql_query(sql)
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(HourlyCount {
                    hour: r.hour,
                    action: AuditAction::parse(&r.action)?,
                    outcome: AuditOutcome::parse(&r.outcome)?,
                    count: u64::try_from(r.n).unwrap_or(0),
                })
            })
            .collect())
    }

    async fn active_sessions(&self, now: UnixTime) -> Result<u64, RepositoryError> {
        let now = now.as_secs();
        let n: i64 = with_connection!(self.db, |conn, db| {
            browser_sessions::table
                .filter(browser_sessions::expires_at.gt(now))
                .count()
                .get_result::<i64>(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn locked_accounts(
        &self,
        now: UnixTime,
        limit: u32,
    ) -> Result<(u64, Vec<LockedAccount>), RepositoryError> {
        let now = now.as_secs();
        let (total, rows): (i64, Vec<(String, String, Option<i64>)>) =
            with_connection!(self.db, |conn, db| {
                let total: i64 = users::table
                    .filter(users::locked_until.gt(now))
                    .count()
                    .get_result::<i64>(conn)
                    .await
                    .map_err(|e| db.query_error(e))?;
                let rows: Vec<(String, String, Option<i64>)> = users::table
                    .filter(users::locked_until.gt(now))
                    .order((users::locked_until.asc(), users::id.asc()))
                    .limit(i64::from(limit))
                    .select((users::id, users::email, users::locked_until))
                    .load(conn)
                    .await
                    .map_err(|e| db.query_error(e))?;
                Ok((total, rows))
            })?;
        let locked = rows
            .into_iter()
            .filter_map(|(id, email, until)| {
                Some(LockedAccount {
                    id: UserId::parse(&id).ok()?,
                    email,
                    locked_until: UnixTime::from_secs(until?),
                })
            })
            .collect();
        Ok((u64::try_from(total).unwrap_or(0), locked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_only_fixed_actions_and_integers() {
        let sql = hourly_sql(
            &[AuditAction::LoginSucceeded, AuditAction::TokenIssued],
            7200,
            10800,
        );
        assert!(
            sql.contains("action IN ('login_succeeded', 'token_issued')"),
            "{sql}"
        );
        assert!(sql.contains("at >= 7200 AND at < 10800"), "{sql}");
    }
}
