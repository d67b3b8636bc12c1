//! [`AuthorizationCodeRepository`] on diesel.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel::IntoSql;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::errors::BoxError;
use tessera_application::ports::{AuthorizationCodeRepository, CodeRedemption};
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthMethods, AuthorizationCode, ClientId, CodeChallenge, Nonce, RedirectUri, ScopeSet,
    TokenDigest, UnixTime, UserId,
};

use super::resource_list::{decode_resources, encode_resources};
use super::schema::authorization_codes;
use super::{stored_digest, Inner};

/// Codes in the `authorization_codes` table, keyed by digest. A redeemed code keeps its row,
/// marked with `used_at`, so that a second redemption finds the grant to revoke and a sign-out
/// finds the grants of the user, for as long as a token of that grant can live.
pub(crate) struct DieselAuthorizationCodeRepository {
    db: Arc<Inner>,
}

impl DieselAuthorizationCodeRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` codes that no longer matter at `now`, in one statement; returns
    /// how many. A code never redeemed goes once expired: it started nothing. A redeemed one
    /// stays until its grant is over, so that a replay still revokes the grant (AS-16) and a
    /// sign-out still finds it: until every access token it can have produced has expired
    /// (they were issued before the code expired, so `expires_at + retention`, with
    /// `retention` the access-token lifetime and skew) and no unrevoked, unexpired refresh
    /// token of its grant is left. Candidates come from the expiry index.
    pub(crate) async fn purge_batch(
        &self,
        now: UnixTime,
        retention: i64,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(authorization_codes as older);
        let grant_over = now.as_secs().saturating_sub(retention.max(0));
        let deleted = with_connection!(self.db, |conn, db| {
            // Correlated with the aliased row, which diesel's typed subqueries cannot express.
            let no_live_family = diesel::dsl::sql::<Bool>(
                "NOT EXISTS (SELECT 1 FROM refresh_tokens \
                 WHERE refresh_tokens.grant_id = older.grant_id \
                 AND refresh_tokens.revoked = FALSE AND refresh_tokens.expires_at > ",
            )
            .bind::<BigInt, _>(now.as_secs())
            .sql(" AND refresh_tokens.family_expires_at > ")
            .bind::<BigInt, _>(now.as_secs())
            .sql(")");
            let expired = older
                .select(older.field(authorization_codes::digest))
                .filter(
                    older
                        .field(authorization_codes::expires_at)
                        .le(now.as_secs()),
                )
                .filter(
                    older.field(authorization_codes::used_at).is_null().or(older
                        .field(authorization_codes::expires_at)
                        .le(grant_over)
                        .and(no_live_family)),
                )
                .limit(batch);
            diesel::delete(
                authorization_codes::table.filter(authorization_codes::digest.eq_any(expired)),
            )
            .execute(conn)
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// An `authorization_codes` row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = authorization_codes)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct CodeRow {
    digest: Vec<u8>,
    client_id: String,
    user_id: String,
    grant_id: String,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    scope: String,
    nonce: Option<String>,
    auth_time: i64,
    expires_at: i64,
    amr: String,
    resources: String,
    sid: Option<String>,
}

/// A new `authorization_codes` row: never used yet (`used_at` is left NULL).
#[derive(Insertable)]
#[diesel(table_name = authorization_codes)]
struct NewCodeRow {
    digest: Vec<u8>,
    client_id: String,
    user_id: String,
    grant_id: String,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    scope: String,
    nonce: Option<String>,
    auth_time: i64,
    expires_at: i64,
    amr: String,
    resources: String,
    sid: Option<String>,
}

impl NewCodeRow {
    fn from_domain(c: &AuthorizationCode) -> Self {
        Self {
            resources: encode_resources(&c.resources),
            digest: c.digest.as_bytes().to_vec(),
            client_id: c.client_id.as_str().to_owned(),
            user_id: c.user_id.as_str().to_owned(),
            grant_id: c.grant_id.clone(),
            redirect_uri: c.redirect_uri.as_ref().map(|u| u.as_str().to_owned()),
            code_challenge: c.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
            scope: c.scope.to_string(),
            nonce: c.nonce.as_ref().map(|n| n.as_str().to_owned()),
            auth_time: c.auth_time.as_secs(),
            expires_at: c.expires_at.as_secs(),
            amr: c.amr.to_string(),
            sid: c.sid.clone(),
        }
    }
}

impl CodeRow {
    /// Rebuilds the domain code, re-validating every value; a row that does not parse is
    /// `Corrupt` (and, having been consumed, can never be redeemed).
    fn into_domain(self) -> Result<AuthorizationCode, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!("authorization code of grant {:?}: {field}", self.grant_id),
                why,
            )
        };
        Ok(AuthorizationCode {
            resources: decode_resources(&self.resources)
                .map_err(|e| corrupt("resources", e.into()))?,
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            redirect_uri: self
                .redirect_uri
                .as_deref()
                .map(RedirectUri::parse)
                .transpose()
                .map_err(|e| corrupt("redirect_uri", e.into()))?,
            code_challenge: self
                .code_challenge
                .as_deref()
                .map(CodeChallenge::parse)
                .transpose()
                .map_err(|e| corrupt("code_challenge", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            nonce: self
                .nonce
                .as_deref()
                .map(Nonce::parse)
                .transpose()
                .map_err(|e| corrupt("nonce", e.into()))?,
            auth_time: UnixTime::from_secs(self.auth_time),
            amr: AuthMethods::parse(&self.amr).map_err(|e| corrupt("amr", e.into()))?,
            expires_at: UnixTime::from_secs(self.expires_at),
            sid: self.sid,
            grant_id: self.grant_id,
        })
    }
}

/// What `consume` found, before the row is turned back into a domain value.
enum Consumed {
    Redeemed(Box<CodeRow>),
    AlreadyUsed(String),
    NotFound,
}

#[async_trait]
impl AuthorizationCodeRepository for DieselAuthorizationCodeRepository {
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepositoryError> {
        let row = NewCodeRow::from_domain(code);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(authorization_codes::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn consume(
        &self,
        digest: &TokenDigest,
        now: UnixTime,
    ) -> Result<CodeRedemption, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let consumed = with_connection!(self.db, |conn, db| {
            // The one statement that decides: the database lets exactly one of any number
            // of concurrent updates see `used_at IS NULL`. Expired codes are marked used too;
            // the caller checks `expires_at` on what comes back.
            let redeemed: Option<CodeRow> = diesel::update(
                authorization_codes::table
                    .find(&key)
                    .filter(authorization_codes::used_at.is_null()),
            )
            .set(authorization_codes::used_at.eq(now.as_secs()))
            .returning(CodeRow::as_returning())
            .get_result(conn)
            .await
            .optional()
            .map_err(|e| db.query_error(e))?;
            match redeemed {
                Some(row) => Ok(Consumed::Redeemed(Box::new(row))),
                None => {
                    // Lost, or never existed: only reads from here, the decision is made.
                    let used: Option<String> = authorization_codes::table
                        .find(&key)
                        .filter(authorization_codes::used_at.is_not_null())
                        .select(authorization_codes::grant_id)
                        .first(conn)
                        .await
                        .optional()
                        .map_err(|e| db.query_error(e))?;
                    Ok(match used {
                        Some(grant_id) => Consumed::AlreadyUsed(grant_id),
                        None => Consumed::NotFound,
                    })
                }
            }
        })?;
        match consumed {
            Consumed::Redeemed(row) => {
                Ok(CodeRedemption::Redeemed(Box::new((*row).into_domain()?)))
            }
            Consumed::AlreadyUsed(grant_id) => Ok(CodeRedemption::AlreadyUsed { grant_id }),
            Consumed::NotFound => Ok(CodeRedemption::NotFound),
        }
    }

    async fn revoke_for_user<'a>(
        &self,
        user: &UserId,
        client: Option<&'a ClientId>,
        now: UnixTime,
    ) -> Result<Vec<String>, RepositoryError> {
        let user_key = user.as_str().to_owned();
        let any_client = client.is_none();
        let client_key = client.map(|c| c.as_str().to_owned()).unwrap_or_default();
        let grants = with_connection!(self.db, |conn, db| {
            let (user_key, client_key) = (&user_key, &client_key);
            // The UPDATE comes first, so SQLite takes the write lock before any read. A code
            // redeemed concurrently is either killed here (its redemption then finds it used)
            // or already used, and then its grant is read back below.
            conn.transaction(
                async |conn| -> Result<BTreeSet<String>, diesel::result::Error> {
                    diesel::update(
                        authorization_codes::table
                            .filter(authorization_codes::user_id.eq(user_key))
                            .filter(
                                any_client
                                    .into_sql::<Bool>()
                                    .or(authorization_codes::client_id.eq(client_key)),
                            )
                            .filter(authorization_codes::used_at.is_null()),
                    )
                    .set(authorization_codes::used_at.eq(now.as_secs()))
                    .execute(conn)
                    .await?;
                    let grants: Vec<String> = authorization_codes::table
                        .filter(authorization_codes::user_id.eq(user_key))
                        .filter(
                            any_client
                                .into_sql::<Bool>()
                                .or(authorization_codes::client_id.eq(client_key)),
                        )
                        .select(authorization_codes::grant_id)
                        .load(conn)
                        .await?;
                    Ok(grants.into_iter().collect())
                },
            )
            .await
            .map_err(|e| db.query_error(e))
        })?;
        Ok(grants.into_iter().collect())
    }
}
