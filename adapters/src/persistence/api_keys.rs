//! [`ApiKeyRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::ApiKeyRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ApiKey, ApiKeyPrefix, ScopeSet, UnixTime};

use super::schema::api_keys;
use super::{stored_digest, Inner};

/// The API keys in the `api_keys` table, keyed by their public prefix; only the digest of the
/// key is stored. Revoking sets `revoked_at` and keeps the row, so listings show history.
pub(crate) struct DieselApiKeyRepository {
    db: Arc<Inner>,
}

impl DieselApiKeyRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// An `api_keys` row, read or written; owned, as SQLite calls run on a task of their own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ApiKeyRow {
    prefix: String,
    name: String,
    digest: Vec<u8>,
    scopes: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl ApiKeyRow {
    fn from_domain(k: &ApiKey) -> Self {
        Self {
            prefix: k.prefix.as_str().to_owned(),
            name: k.name.clone(),
            digest: k.digest.as_bytes().to_vec(),
            scopes: k.scopes.to_string(),
            created_at: k.created_at.as_secs(),
            expires_at: k.expires_at.map(UnixTime::as_secs),
            last_used_at: k.last_used_at.map(UnixTime::as_secs),
            revoked_at: k.revoked_at.map(UnixTime::as_secs),
        }
    }

    /// Rebuilds the domain key, re-validating every value; a row that does not parse is
    /// `Corrupt`, never half-used.
    fn into_domain(self) -> Result<ApiKey, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("API key {:?}: {field}", self.prefix), why)
        };
        Ok(ApiKey {
            prefix: ApiKeyPrefix::parse(&self.prefix).map_err(|e| corrupt("prefix", e.into()))?,
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            scopes: ScopeSet::parse(&self.scopes).map_err(|e| corrupt("scopes", e.into()))?,
            name: self.name,
            created_at: UnixTime::from_secs(self.created_at),
            expires_at: self.expires_at.map(UnixTime::from_secs),
            last_used_at: self.last_used_at.map(UnixTime::from_secs),
            revoked_at: self.revoked_at.map(UnixTime::from_secs),
        })
    }
}

#[async_trait]
impl ApiKeyRepository for DieselApiKeyRepository {
    async fn insert(&self, key: &ApiKey) -> Result<(), RepositoryError> {
        let row = ApiKeyRow::from_domain(key);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(api_keys::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(&self, prefix: &ApiKeyPrefix) -> Result<Option<ApiKey>, RepositoryError> {
        let key = prefix.as_str().to_owned();
        let row: Option<ApiKeyRow> = with_connection!(self.db, |conn, db| {
            api_keys::table
                .find(key.as_str())
                .select(ApiKeyRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(ApiKeyRow::into_domain).transpose()
    }

    async fn list(&self) -> Result<Vec<ApiKey>, RepositoryError> {
        let rows: Vec<ApiKeyRow> = with_connection!(self.db, |conn, db| {
            api_keys::table
                .select(ApiKeyRow::as_select())
                .order((api_keys::created_at.desc(), api_keys::prefix.asc()))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(ApiKeyRow::into_domain).collect()
    }

    async fn revoke(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<bool, RepositoryError> {
        let key = prefix.as_str().to_owned();
        let updated = with_connection!(self.db, |conn, db| {
            // Only an unrevoked key changes, so the first revocation time stands and a second
            // revoke reports false.
            diesel::update(
                api_keys::table
                    .find(key.as_str())
                    .filter(api_keys::revoked_at.is_null()),
            )
            .set(api_keys::revoked_at.eq(Some(now.as_secs())))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(updated > 0)
    }

    async fn touch(&self, prefix: &ApiKeyPrefix, now: UnixTime) -> Result<(), RepositoryError> {
        let key = prefix.as_str().to_owned();
        with_connection!(self.db, |conn, db| {
            // Never moves last-used backwards when nodes with skewed clocks race.
            diesel::update(
                api_keys::table.find(key.as_str()).filter(
                    api_keys::last_used_at
                        .is_null()
                        .or(api_keys::last_used_at.lt(now.as_secs())),
                ),
            )
            .set(api_keys::last_used_at.eq(Some(now.as_secs())))
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(|e| db.query_error(e))
        })
    }
}
