//! [`ClientRepository`] on diesel.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tessera_application::errors::BoxError;
use tessera_application::ports::ClientRepository;
use tessera_application::RepositoryError;
use tessera_domain::{
    ApplicationType, Client, ClientId, ClientOrigin, GrantType, RedirectUri, ResourceIdentifier,
    ScopeSet, TokenDigest, TokenEndpointAuthMethod, UnixTime,
};

use super::schema::{client_usage, clients};
use super::Inner;
use stored_metadata::StoredMetadata;

mod stored_metadata;

/// Clients in the `clients` table; lists are stored as JSON arrays of strings.
pub(crate) struct DieselClientRepository {
    db: Arc<Inner>,
}

impl DieselClientRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` dynamically registered clients created at or before `cutoff`
    /// and never issued a code or token (`first_used_at` unset); returns how many. Whatever
    /// might hang off them goes with them (`ON DELETE CASCADE`).
    pub(crate) async fn purge_unused_batch(
        &self,
        cutoff: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(client_usage as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let unused = older
                .select(older.field(client_usage::id))
                .filter(
                    older
                        .field(client_usage::origin)
                        .eq(ClientOrigin::Dynamic.as_str()),
                )
                .filter(older.field(client_usage::first_used_at).is_null())
                .filter(older.field(client_usage::created_at).le(cutoff.as_secs()))
                .limit(batch);
            diesel::delete(client_usage::table.filter(client_usage::id.eq_any(unused)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `clients` row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = clients)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ClientRow {
    id: String,
    name: String,
    secret_digest: Option<Vec<u8>>,
    auth_method: String,
    grant_types: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    scope: String,
    skip_consent: bool,
    created_at: i64,
    require_mfa: bool,
    exchange_audiences: String,
    application_type: String,
    origin: String,
    registration_access_digest: Option<Vec<u8>>,
    metadata: String,
}

/// A `clients` row to write; owned, as SQLite writes run on a task of their own.
#[derive(Insertable)]
#[diesel(table_name = clients)]
struct NewClientRow {
    id: String,
    name: String,
    secret_digest: Option<Vec<u8>>,
    auth_method: &'static str,
    grant_types: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    scope: String,
    skip_consent: bool,
    created_at: i64,
    require_mfa: bool,
    exchange_audiences: String,
    application_type: &'static str,
    origin: &'static str,
    registration_access_digest: Option<Vec<u8>>,
    metadata: String,
}

impl NewClientRow {
    fn from_domain(c: &Client) -> Result<Self, RepositoryError> {
        Ok(Self {
            id: c.id.as_str().to_owned(),
            name: c.name.clone(),
            secret_digest: c.secret_digest.as_ref().map(|d| d.as_bytes().to_vec()),
            auth_method: c.auth_method.as_str(),
            grant_types: to_json(c.grant_types.iter().map(|g| g.as_str()))?,
            redirect_uris: to_json(c.redirect_uris.iter().map(RedirectUri::as_str))?,
            post_logout_redirect_uris: to_json(
                c.post_logout_redirect_uris.iter().map(RedirectUri::as_str),
            )?,
            scope: c.scope.to_string(),
            skip_consent: c.skip_consent,
            created_at: c.created_at.as_secs(),
            require_mfa: c.require_mfa,
            exchange_audiences: exchange_audiences_text(&c.exchange_audiences),
            application_type: c.application_type.as_str(),
            origin: c.origin.as_str(),
            registration_access_digest: c
                .registration_access_digest
                .as_ref()
                .map(|d| d.as_bytes().to_vec()),
            metadata: StoredMetadata::to_json(&c.metadata, &c.security)?,
        })
    }
}

/// The exchange policy as stored: identifiers separated by single spaces (a resource
/// identifier holds no white space).
fn exchange_audiences_text(ids: &[ResourceIdentifier]) -> String {
    ids.iter()
        .map(ResourceIdentifier::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A list of strings as a JSON array.
fn to_json<'s>(items: impl Iterator<Item = &'s str>) -> Result<String, RepositoryError> {
    serde_json::to_string(&items.collect::<Vec<_>>()).map_err(RepositoryError::other)
}

impl ClientRow {
    /// Rebuilds the domain client, re-validating every value: a row that does not parse is
    /// reported as `Corrupt`, never half-used.
    fn into_domain(self) -> Result<Client, RepositoryError> {
        let id = self.id;
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(format!("client {id:?}: {field}"), why)
        };
        let list = |field: &str, json: &str| -> Result<Vec<String>, RepositoryError> {
            serde_json::from_str(json).map_err(|e| corrupt(field, e.into()))
        };
        // A URI stored before the rules tightened (issue 11: wildcards, userinfo, bad hosts)
        // is left out, so it matches nothing, rather than making the whole client unusable.
        let uris = |field: &str, json: &str| -> Result<Vec<RedirectUri>, RepositoryError> {
            Ok(list(field, json)?
                .iter()
                .filter_map(|u| match RedirectUri::parse(u) {
                    Ok(uri) => Some(uri),
                    Err(e) => {
                        log::warn!(
                            "client {id:?}: ignoring stored {field} {u:?} ({e}); register a \
                             valid one"
                        );
                        None
                    }
                })
                .collect())
        };
        let digest = |field: &str, bytes: Option<Vec<u8>>| match bytes {
            None => Ok(None),
            Some(bytes) => TokenDigest::from_bytes(&bytes)
                .map(Some)
                .ok_or_else(|| corrupt(field, "not 32 bytes".into())),
        };
        let secret_digest = digest("secret_digest", self.secret_digest)?;
        let registration_access_digest = digest(
            "registration_access_digest",
            self.registration_access_digest,
        )?;
        let metadata: StoredMetadata =
            serde_json::from_str(&self.metadata).map_err(|e| corrupt("metadata", e.into()))?;
        let (metadata, security) = metadata
            .into_domain()
            .map_err(|e| corrupt("metadata", e.into()))?;
        Ok(Client {
            security,
            origin: ClientOrigin::parse(&self.origin)
                .ok_or_else(|| corrupt("origin", format!("unknown {:?}", self.origin).into()))?,
            registration_access_digest,
            application_type: ApplicationType::parse(&self.application_type).ok_or_else(|| {
                corrupt(
                    "application_type",
                    format!("unknown {:?}", self.application_type).into(),
                )
            })?,
            exchange_audiences: self
                .exchange_audiences
                .split_whitespace()
                .map(|a| {
                    ResourceIdentifier::parse(a)
                        .map_err(|e| corrupt("exchange_audiences", e.into()))
                })
                .collect::<Result<_, _>>()?,
            metadata,
            id: ClientId::parse(&id).map_err(|e| corrupt("id", e.into()))?,
            name: self.name,
            secret_digest,
            auth_method: TokenEndpointAuthMethod::parse(&self.auth_method).ok_or_else(|| {
                corrupt(
                    "auth_method",
                    format!("unknown {:?}", self.auth_method).into(),
                )
            })?,
            grant_types: list("grant_types", &self.grant_types)?
                .iter()
                .map(|g| GrantType::parse(g).map_err(|e| corrupt("grant_types", e.into())))
                .collect::<Result<_, _>>()?,
            redirect_uris: uris("redirect_uris", &self.redirect_uris)?,
            post_logout_redirect_uris: uris(
                "post_logout_redirect_uris",
                &self.post_logout_redirect_uris,
            )?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            skip_consent: self.skip_consent,
            require_mfa: self.require_mfa,
            created_at: UnixTime::from_secs(self.created_at),
        })
    }
}

#[async_trait]
impl ClientRepository for DieselClientRepository {
    async fn insert(&self, client: &Client) -> Result<(), RepositoryError> {
        let row = NewClientRow::from_domain(client)?;
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(clients::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepositoryError> {
        // Every /token, /introspect and /revoke authenticates a client (on SQLite behind the
        // client cache): a miss is read on this thread where it can be.
        let inline = self.db.read_inline(|conn| {
            diesel::RunQueryDsl::first(
                clients::table
                    .find(id.as_str())
                    .select(ClientRow::as_select()),
                conn,
            )
            .optional()
        });
        if let Some(row) = inline {
            return row.map(ClientRow::into_domain).transpose();
        }
        let id = id.as_str().to_owned();
        let row: Option<ClientRow> = with_connection!(self.db, |conn, db| {
            clients::table
                .find(id.as_str())
                .select(ClientRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(ClientRow::into_domain).transpose()
    }

    async fn list(&self) -> Result<Vec<Client>, RepositoryError> {
        let rows: Vec<ClientRow> = with_connection!(self.db, |conn, db| {
            clients::table
                .select(ClientRow::as_select())
                .order((clients::created_at.asc(), clients::id.asc()))
                .load(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        rows.into_iter().map(ClientRow::into_domain).collect()
    }

    async fn delete(&self, id: &ClientId) -> Result<bool, RepositoryError> {
        let id = id.as_str().to_owned();
        let deleted = with_connection!(self.db, |conn, db| {
            diesel::delete(clients::table.find(id.as_str()))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted > 0)
    }

    async fn update(&self, client: &Client) -> Result<bool, RepositoryError> {
        let row = NewClientRow::from_domain(client)?;
        // The auth method may change only within its kind: a client without a secret (public,
        // or authenticated by key) never gains a secret-based method here, nor one with a
        // secret lose it (it would stay).
        let public = client.is_public()
            || client.auth_method == tessera_domain::TokenEndpointAuthMethod::PrivateKeyJwt;
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(
                clients::table
                    .find(row.id.as_str())
                    .filter(clients::secret_digest.is_null().eq(public)),
            )
            .set((
                clients::auth_method.eq(row.auth_method),
                clients::application_type.eq(row.application_type),
                clients::metadata.eq(&row.metadata),
                clients::name.eq(&row.name),
                clients::grant_types.eq(&row.grant_types),
                clients::redirect_uris.eq(&row.redirect_uris),
                clients::post_logout_redirect_uris.eq(&row.post_logout_redirect_uris),
                clients::scope.eq(&row.scope),
                clients::skip_consent.eq(row.skip_consent),
                clients::require_mfa.eq(row.require_mfa),
                clients::exchange_audiences.eq(&row.exchange_audiences),
            ))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed > 0)
    }

    async fn update_secret(
        &self,
        id: &ClientId,
        digest: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        let id = id.as_str().to_owned();
        let digest = digest.as_bytes().to_vec();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(
                clients::table
                    .find(id.as_str())
                    .filter(clients::secret_digest.is_not_null()),
            )
            .set(clients::secret_digest.eq(Some(&digest)))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed > 0)
    }

    async fn mark_used(&self, id: &ClientId, at: UnixTime) -> Result<(), RepositoryError> {
        let id = id.as_str().to_owned();
        let at = at.as_secs();
        with_connection!(self.db, |conn, db| {
            diesel::update(
                client_usage::table
                    .find(id.as_str())
                    .filter(client_usage::first_used_at.is_null()),
            )
            .set(client_usage::first_used_at.eq(Some(at)))
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(|e| db.query_error(e))
        })
    }

    async fn replace_registration_access(
        &self,
        id: &ClientId,
        current: &TokenDigest,
        new: &TokenDigest,
    ) -> Result<bool, RepositoryError> {
        let id = id.as_str().to_owned();
        let current = current.as_bytes().to_vec();
        let new = new.as_bytes().to_vec();
        let changed = with_connection!(self.db, |conn, db| {
            diesel::update(
                clients::table
                    .find(id.as_str())
                    .filter(clients::registration_access_digest.eq(&current)),
            )
            .set(clients::registration_access_digest.eq(Some(&new)))
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(changed > 0)
    }
}
