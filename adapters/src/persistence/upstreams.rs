//! [`UpstreamRepository`] and [`UpstreamIdentityRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::errors::BoxError;
use tessera_application::ports::{UpstreamIdentityRepository, UpstreamRepository};
use tessera_application::RepositoryError;
use tessera_domain::{
    ClaimMapping, ScopeSet, UnixTime, Upstream, UpstreamId, UpstreamIdentity, UpstreamIssuer,
    UpstreamKind, UpstreamSubject, User, UserId,
};

use super::schema::{upstream_identities, upstreams, users};
use super::users::UserRow;
use super::Inner;

/// Upstream identity providers in `upstreams`, their links in `upstream_identities` (deleted
/// with the upstream or the user by `ON DELETE CASCADE`).
pub(crate) struct DieselUpstreamRepository {
    db: Arc<Inner>,
}

impl DieselUpstreamRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// An `upstreams` row.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = upstreams)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct UpstreamRow {
    id: String,
    name: String,
    kind: String,
    issuer: String,
    api_base: Option<String>,
    client_id: String,
    sealed_secret: Vec<u8>,
    scope: String,
    email_claim: String,
    name_claim: String,
    created_at: i64,
}

impl UpstreamRow {
    fn from_domain(u: &Upstream) -> Self {
        Self {
            id: u.id.as_str().to_owned(),
            name: u.name.clone(),
            kind: u.kind.as_str().to_owned(),
            issuer: u.issuer.as_str().to_owned(),
            api_base: u.api_base.as_ref().map(|a| a.as_str().to_owned()),
            client_id: u.client_id.clone(),
            sealed_secret: u.sealed_secret.clone(),
            scope: u.scope.to_string(),
            email_claim: u.claims.email().to_owned(),
            name_claim: u.claims.name().to_owned(),
            created_at: u.created_at.as_secs(),
        }
    }

    /// Rebuilds the domain value, re-validating every field; a row that does not parse is
    /// `Corrupt`, never half-used.
    fn into_domain(self) -> Result<Upstream, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("upstream {:?}: {field}", self.id), why)
        };
        Ok(Upstream {
            id: UpstreamId::parse(&self.id).map_err(|e| corrupt("id", e.into()))?,
            kind: UpstreamKind::parse(&self.kind).map_err(|e| corrupt("kind", e.into()))?,
            issuer: UpstreamIssuer::parse(&self.issuer).map_err(|e| corrupt("issuer", e.into()))?,
            api_base: self
                .api_base
                .as_deref()
                .map(UpstreamIssuer::parse)
                .transpose()
                .map_err(|e| corrupt("api_base", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            claims: ClaimMapping::new(&self.email_claim, &self.name_claim)
                .map_err(|e| corrupt("claims", e.into()))?,
            created_at: UnixTime::from_secs(self.created_at),
            name: self.name,
            client_id: self.client_id,
            sealed_secret: self.sealed_secret,
        })
    }
}

/// An `upstream_identities` row.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = upstream_identities)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct IdentityRow {
    upstream_id: String,
    subject: String,
    user_id: String,
    email: Option<String>,
    created_at: i64,
}

impl IdentityRow {
    fn from_domain(l: &UpstreamIdentity) -> Self {
        Self {
            upstream_id: l.upstream.as_str().to_owned(),
            subject: l.subject.as_str().to_owned(),
            user_id: l.user.as_str().to_owned(),
            email: l.email.clone(),
            created_at: l.created_at.as_secs(),
        }
    }

    fn into_domain(self) -> Result<UpstreamIdentity, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!(
                    "upstream identity {:?}/{:?}: {field}",
                    self.upstream_id, self.subject
                ),
                why,
            )
        };
        Ok(UpstreamIdentity {
            upstream: UpstreamId::parse(&self.upstream_id)
                .map_err(|e| corrupt("upstream_id", e.into()))?,
            subject: UpstreamSubject::parse(&self.subject)
                .map_err(|e| corrupt("subject", e.into()))?,
            user: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            email: self.email,
            created_at: UnixTime::from_secs(self.created_at),
        })
    }
}

#[async_trait]
impl UpstreamRepository for DieselUpstreamRepository {
    async fn insert(&self, upstream: &Upstream) -> Result<(), RepositoryError> {
        let row = UpstreamRow::from_domain(upstream);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(upstreams::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(&self, id: &UpstreamId) -> Result<Option<Upstream>, RepositoryError> {
        let key = id.as_str().to_owned();
        let row: Option<UpstreamRow> = with_connection!(self.db, |conn, db| {
            upstreams::table
                .find(key.as_str())
                .select(UpstreamRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(UpstreamRow::into_domain).transpose()
    }

    async fn list(&self) -> Result<Vec<Upstream>, RepositoryError> {
        let rows: Vec<UpstreamRow> = with_connection!(self.db, |conn, db| {
            upstreams::table
                .select(UpstreamRow::as_select())
                .order((upstreams::created_at.asc(), upstreams::id.asc()))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(UpstreamRow::into_domain).collect()
    }

    async fn delete(&self, id: &UpstreamId) -> Result<bool, RepositoryError> {
        let key = id.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            let key = &key;
            conn.transaction(async |conn| -> Result<usize, diesel::result::Error> {
                // Explicit, not only by cascade: it holds whatever the foreign-key pragma.
                diesel::delete(
                    upstream_identities::table.filter(upstream_identities::upstream_id.eq(key)),
                )
                .execute(conn)
                .await?;
                diesel::delete(upstreams::table.find(key.as_str()))
                    .execute(conn)
                    .await
            })
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }
}

#[async_trait]
impl UpstreamIdentityRepository for DieselUpstreamRepository {
    async fn link(&self, identity: &UpstreamIdentity) -> Result<(), RepositoryError> {
        let row = IdentityRow::from_domain(identity);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(upstream_identities::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn create_linked_user(
        &self,
        user: &User,
        identity: &UpstreamIdentity,
    ) -> Result<(), RepositoryError> {
        let user_row = UserRow::from_domain(user);
        let link_row = IdentityRow::from_domain(identity);
        with_connection!(self.db, |conn, db| {
            let (user_row, link_row) = (&user_row, &link_row);
            conn.transaction(async |conn| -> Result<(), diesel::result::Error> {
                diesel::insert_into(users::table)
                    .values(user_row)
                    .execute(conn)
                    .await?;
                diesel::insert_into(upstream_identities::table)
                    .values(link_row)
                    .execute(conn)
                    .await?;
                Ok(())
            })
            .await
            .map_err(|e| db.query_error(e))
        })
    }

    async fn find(
        &self,
        upstream: &UpstreamId,
        subject: &UpstreamSubject,
    ) -> Result<Option<UpstreamIdentity>, RepositoryError> {
        let key = (upstream.as_str().to_owned(), subject.as_str().to_owned());
        let row: Option<IdentityRow> = with_connection!(self.db, |conn, db| {
            upstream_identities::table
                .find((key.0.as_str(), key.1.as_str()))
                .select(IdentityRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(IdentityRow::into_domain).transpose()
    }

    async fn list_for_user(&self, user: &UserId) -> Result<Vec<UpstreamIdentity>, RepositoryError> {
        let key = user.as_str().to_owned();
        let rows: Vec<IdentityRow> = with_connection!(self.db, |conn, db| {
            upstream_identities::table
                .filter(upstream_identities::user_id.eq(key.as_str()))
                .select(IdentityRow::as_select())
                .order((
                    upstream_identities::created_at.asc(),
                    upstream_identities::upstream_id.asc(),
                ))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(IdentityRow::into_domain).collect()
    }

    async fn unlink(&self, user: &UserId, upstream: &UpstreamId) -> Result<bool, RepositoryError> {
        let key = (user.as_str().to_owned(), upstream.as_str().to_owned());
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(
                upstream_identities::table
                    .filter(upstream_identities::user_id.eq(key.0.as_str()))
                    .filter(upstream_identities::upstream_id.eq(key.1.as_str())),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }
}
