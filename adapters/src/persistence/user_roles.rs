//! [`UserRoleRepository`] on diesel: the `user_roles` table.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::ports::UserRoleRepository;
use tessera_application::RepositoryError;
use tessera_domain::{Role, RoleGrant, UnixTime, UserId};

use super::schema::user_roles;
use super::Inner;

/// Roles held by users, one row per (user, role).
pub(crate) struct DieselUserRoleRepository {
    db: Arc<Inner>,
}

impl DieselUserRoleRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }
}

/// A `user_roles` row; owned, as SQLite calls run on a task of their own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = user_roles)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct RoleRow {
    user_id: String,
    role: String,
    granted_at: i64,
    granted_by: String,
}

impl RoleRow {
    /// Rebuilds the grant; a row that does not parse is `Corrupt`, never half-used (a role
    /// decides who runs the server).
    fn into_domain(self) -> Result<RoleGrant, RepositoryError> {
        let corrupt = |field: &str, why: tessera_application::errors::BoxError| {
            RepositoryError::corrupt(format!("user role of {:?}: {field}", self.user_id), why)
        };
        Ok(RoleGrant {
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            role: Role::parse(&self.role).map_err(|e| corrupt("role", e.into()))?,
            granted_at: UnixTime::from_secs(self.granted_at),
            granted_by: self.granted_by.clone(),
        })
    }
}

#[async_trait]
impl UserRoleRepository for DieselUserRoleRepository {
    async fn grant(&self, grant: &RoleGrant) -> Result<bool, RepositoryError> {
        let row = RoleRow {
            user_id: grant.user_id.as_str().to_owned(),
            role: grant.role.as_str().to_owned(),
            granted_at: grant.granted_at.as_secs(),
            granted_by: grant.granted_by.clone(),
        };
        let inserted = with_connection!(self.db, |conn, db| {
            diesel::insert_into(user_roles::table)
                .values(&row)
                .on_conflict_do_nothing()
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(inserted > 0)
    }

    async fn revoke(&self, id: &UserId, role: Role) -> Result<bool, RepositoryError> {
        let user = id.as_str().to_owned();
        let name = role.as_str();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(
                user_roles::table
                    .filter(user_roles::user_id.eq(user.as_str()))
                    .filter(user_roles::role.eq(name)),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }

    async fn roles_of(&self, id: &UserId) -> Result<Vec<Role>, RepositoryError> {
        let user = id.as_str().to_owned();
        let rows: Vec<RoleRow> = with_connection!(self.db, |conn, db| {
            user_roles::table
                .filter(user_roles::user_id.eq(user.as_str()))
                .select(RoleRow::as_select())
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        let mut roles = rows
            .into_iter()
            .map(|r| r.into_domain().map(|g| g.role))
            .collect::<Result<Vec<_>, _>>()?;
        roles.sort();
        Ok(roles)
    }

    async fn holders(&self, role: Role) -> Result<Vec<RoleGrant>, RepositoryError> {
        let name = role.as_str();
        let rows: Vec<RoleRow> = with_connection!(self.db, |conn, db| {
            user_roles::table
                .filter(user_roles::role.eq(name))
                .order((user_roles::granted_at.asc(), user_roles::user_id.asc()))
                .select(RoleRow::as_select())
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(RoleRow::into_domain).collect()
    }
}
