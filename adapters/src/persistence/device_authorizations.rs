//! [`DeviceAuthorizationRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::DeviceAuthorizationRepository;
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthMethods, ClientId, DeviceApproval, DeviceAuthorization, DeviceStatus, ResourceIdentifier,
    ScopeSet, TokenDigest, UnixTime, UserId,
};

use super::schema::device_authorizations as da;
use super::{stored_digest, Inner};

/// Device authorizations in the `device_authorizations` table, keyed by the digest of the
/// device code, the user code's digest unique beside it. Every change of status is one
/// conditional UPDATE, so concurrent polls and decisions cannot both win.
pub(crate) struct DieselDeviceAuthorizationRepository {
    db: Arc<Inner>,
}

impl DieselDeviceAuthorizationRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` device authorizations expired at `now` (found by the expiry
    /// index) in one statement; returns how many.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(da as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let expired = older
                .select(older.field(da::device_code))
                .filter(older.field(da::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(da::table.filter(da::device_code.eq_any(expired)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `device_authorizations` row, read or written.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = da)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct DeviceRow {
    device_code: Vec<u8>,
    user_code: Vec<u8>,
    client_id: String,
    scope: String,
    resources: String,
    status: String,
    user_id: Option<String>,
    auth_time: Option<i64>,
    amr: Option<String>,
    interval_secs: i64,
    last_polled_at: Option<i64>,
    created_at: i64,
    expires_at: i64,
}

impl DeviceRow {
    fn from_domain(d: &DeviceAuthorization) -> Self {
        let resources: Vec<&str> = d.resources.iter().map(ResourceIdentifier::as_str).collect();
        Self {
            device_code: d.device_code.as_bytes().to_vec(),
            user_code: d.user_code.as_bytes().to_vec(),
            client_id: d.client_id.as_str().to_owned(),
            scope: d.scope.to_string(),
            resources: resources.join(" "),
            status: d.status.as_str().to_owned(),
            user_id: d.approval.as_ref().map(|a| a.user_id.as_str().to_owned()),
            auth_time: d.approval.as_ref().map(|a| a.auth_time.as_secs()),
            amr: d.approval.as_ref().map(|a| a.amr.to_string()),
            interval_secs: d.interval,
            last_polled_at: d.last_polled_at.map(UnixTime::as_secs),
            created_at: d.created_at.as_secs(),
            expires_at: d.expires_at.as_secs(),
        }
    }

    /// Rebuilds the domain value, re-validating every column; a row that does not parse is
    /// `Corrupt`.
    fn into_domain(self) -> Result<DeviceAuthorization, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!(
                    "device authorization of client {:?}: {field}",
                    self.client_id
                ),
                why,
            )
        };
        let approval = match (&self.user_id, self.auth_time, &self.amr) {
            (Some(user), Some(auth_time), Some(amr)) => Some(DeviceApproval {
                user_id: UserId::parse(user).map_err(|e| corrupt("user_id", e.into()))?,
                auth_time: UnixTime::from_secs(auth_time),
                amr: AuthMethods::parse(amr).map_err(|e| corrupt("amr", e.into()))?,
            }),
            _ => None,
        };
        let resources = self
            .resources
            .split_whitespace()
            .map(ResourceIdentifier::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| corrupt("resources", e.into()))?;
        Ok(DeviceAuthorization {
            device_code: stored_digest(&self.device_code)
                .map_err(|why| corrupt("device_code", why.into()))?,
            user_code: stored_digest(&self.user_code)
                .map_err(|why| corrupt("user_code", why.into()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            resources,
            status: DeviceStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", self.status.clone().into()))?,
            approval,
            interval: self.interval_secs,
            last_polled_at: self.last_polled_at.map(UnixTime::from_secs),
            created_at: UnixTime::from_secs(self.created_at),
            expires_at: UnixTime::from_secs(self.expires_at),
        })
    }
}

#[async_trait]
impl DeviceAuthorizationRepository for DieselDeviceAuthorizationRepository {
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepositoryError> {
        let row = DeviceRow::from_domain(device);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(da::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find_by_device_code(
        &self,
        device_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let key = device_code.as_bytes().to_vec();
        let row: Option<DeviceRow> = with_connection!(self.db, |conn, db| {
            da::table
                .find(&key)
                .select(DeviceRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(DeviceRow::into_domain).transpose()
    }

    async fn find_by_user_code(
        &self,
        user_code: &TokenDigest,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let key = user_code.as_bytes().to_vec();
        let row: Option<DeviceRow> = with_connection!(self.db, |conn, db| {
            da::table
                .filter(da::user_code.eq(&key))
                .select(DeviceRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(DeviceRow::into_domain).transpose()
    }

    async fn record_poll(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
        interval: i64,
    ) -> Result<(), RepositoryError> {
        let key = device_code.as_bytes().to_vec();
        with_connection!(self.db, |conn, db| {
            diesel::update(da::table.find(&key))
                .set((
                    da::last_polled_at.eq(Some(now.as_secs())),
                    da::interval_secs.eq(interval),
                ))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn decide<'a>(
        &self,
        user_code: &TokenDigest,
        approval: Option<&'a DeviceApproval>,
        now: UnixTime,
    ) -> Result<bool, RepositoryError> {
        let key = user_code.as_bytes().to_vec();
        let status = if approval.is_some() {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Denied
        };
        let user_id = approval.map(|a| a.user_id.as_str().to_owned());
        let auth_time = approval.map(|a| a.auth_time.as_secs());
        let amr = approval.map(|a| a.amr.to_string());
        let changed = with_connection!(self.db, |conn, db| {
            // The one statement that decides: only a pending, unexpired row changes.
            diesel::update(
                da::table
                    .filter(da::user_code.eq(&key))
                    .filter(da::status.eq(DeviceStatus::Pending.as_str()))
                    .filter(da::expires_at.gt(now.as_secs())),
            )
            .set((
                da::status.eq(status.as_str()),
                da::user_id.eq(&user_id),
                da::auth_time.eq(auth_time),
                da::amr.eq(&amr),
            ))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed == 1)
    }

    async fn redeem(
        &self,
        device_code: &TokenDigest,
        now: UnixTime,
    ) -> Result<Option<DeviceAuthorization>, RepositoryError> {
        let key = device_code.as_bytes().to_vec();
        let row: Option<DeviceRow> = with_connection!(self.db, |conn, db| {
            // The one statement that decides: exactly one of any number of concurrent
            // polls sees `approved` and turns it into `redeemed`.
            diesel::update(
                da::table
                    .find(&key)
                    .filter(da::status.eq(DeviceStatus::Approved.as_str()))
                    .filter(da::expires_at.gt(now.as_secs())),
            )
            .set(da::status.eq(DeviceStatus::Redeemed.as_str()))
            .returning(DeviceRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| db.query_error(e))
        })?;
        row.map(DeviceRow::into_domain).transpose()
    }
}
