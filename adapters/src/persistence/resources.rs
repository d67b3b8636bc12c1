//! [`ResourceRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::ResourceRepository;
use tessera_application::RepositoryError;
use tessera_domain::{ClientId, Resource, ResourceIdentifier, ScopeSet, UnixTime};

use super::schema::resources;
use super::Inner;

/// The protected resources (RFC 8707) in the `resources` table, keyed by their identifier,
/// which is compared byte for byte as it is a token's `aud`.
pub(crate) struct DieselResourceRepository {
    db: Arc<Inner>,
}

impl DieselResourceRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `resources` row, read or written; owned, as SQLite calls run on a task of their own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = resources)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ResourceRow {
    identifier: String,
    name: String,
    scope: String,
    created_at: i64,
    clients: String,
}

impl ResourceRow {
    fn from_domain(r: &Resource) -> Self {
        Self {
            identifier: r.identifier.as_str().to_owned(),
            name: r.name.clone(),
            scope: r.scope.to_string(),
            created_at: r.created_at.as_secs(),
            clients: r
                .clients
                .iter()
                .map(ClientId::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Rebuilds the domain resource, re-validating every value; a row that does not parse is
    /// `Corrupt`, never half-used (a token must not be issued for a mangled audience).
    fn into_domain(self) -> Result<Resource, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("resource {:?}: {field}", self.identifier), why)
        };
        let resource = Resource {
            identifier: ResourceIdentifier::parse(&self.identifier)
                .map_err(|e| corrupt("identifier", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            name: self.name.clone(),
            created_at: UnixTime::from_secs(self.created_at),
            clients: self
                .clients
                .split(' ')
                .filter(|c| !c.is_empty())
                .map(ClientId::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt("clients", e.into()))?,
        };
        resource.validate().map_err(|e| corrupt("name", e.into()))?;
        Ok(resource)
    }
}

#[async_trait]
impl ResourceRepository for DieselResourceRepository {
    async fn insert(&self, resource: &Resource) -> Result<(), RepositoryError> {
        let row = ResourceRow::from_domain(resource);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(resources::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(&self, id: &ResourceIdentifier) -> Result<Option<Resource>, RepositoryError> {
        let key = id.as_str().to_owned();
        let row: Option<ResourceRow> = with_connection!(self.db, |conn, db| {
            resources::table
                .find(key.as_str())
                .select(ResourceRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(ResourceRow::into_domain).transpose()
    }

    async fn list(&self) -> Result<Vec<Resource>, RepositoryError> {
        let rows: Vec<ResourceRow> = with_connection!(self.db, |conn, db| {
            resources::table
                .select(ResourceRow::as_select())
                .order((resources::created_at.asc(), resources::identifier.asc()))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(ResourceRow::into_domain).collect()
    }

    async fn delete(&self, id: &ResourceIdentifier) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(resources::table.find(key.as_str()))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }
}
