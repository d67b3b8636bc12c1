//! [`RefreshTokenRepository`] on diesel.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use tessera_application::errors::BoxError;
use tessera_application::ports::{RefreshTokenRepository, StoredRefreshToken};
use tessera_application::RepositoryError;
use tessera_domain::{
    AuthMethods, ClientId, RefreshToken, ScopeSet, TokenDigest, UnixTime, UserId,
};

use super::resource_list::{decode_resources, encode_resources};
use super::schema::refresh_tokens;
use super::{stored_digest, Inner};

/// Most `UPDATE` passes of one `revoke_family`; see there. Each pass after the first exists
/// only because a rotation committed a successor meanwhile, so two or three is the most seen.
const REVOKE_PASSES: usize = 16;

/// Refresh tokens in the `refresh_tokens` table, keyed by digest. A rotated token keeps its
/// row, marked with `used_at`, so that presenting it again is recognised as reuse; with the
/// grace window on it also keeps the encrypted successor response (`replay`) and counts the
/// replays taken from it (`replay_count`).
pub(crate) struct DieselRefreshTokenRepository {
    db: Arc<Inner>,
}

impl DieselRefreshTokenRepository {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self { db }
    }

    /// Deletes at most `batch` tokens of families past their absolute end
    /// (`family_expires_at <= now`, found by its index) in one statement; returns how many.
    /// No token of such a family can be redeemed, so reuse no longer needs detecting.
    pub(crate) async fn purge_ended_families_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        // The batch is chosen by a subquery on the same table, which diesel needs aliased.
        let older = diesel::alias!(refresh_tokens as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let ended = older
                .select(older.field(refresh_tokens::digest))
                .filter(
                    older
                        .field(refresh_tokens::family_expires_at)
                        .le(now.as_secs()),
                )
                .limit(batch);
            diesel::delete(refresh_tokens::table.filter(refresh_tokens::digest.eq_any(ended)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }

    /// Deletes at most `batch` tokens that are both revoked and expired (`expires_at <= now`)
    /// in one statement; returns how many. Spent tokens of live (unrevoked) families are never
    /// touched: presenting one again must still be caught as reuse and revoke the family.
    pub(crate) async fn purge_revoked_batch(
        &self,
        now: UnixTime,
        batch: i64,
    ) -> Result<u64, RepositoryError> {
        let older = diesel::alias!(refresh_tokens as older);
        let deleted = with_connection!(self.db, |conn, db| {
            let dead = older
                .select(older.field(refresh_tokens::digest))
                .filter(older.field(refresh_tokens::revoked).eq(true))
                .filter(older.field(refresh_tokens::expires_at).le(now.as_secs()))
                .limit(batch);
            diesel::delete(refresh_tokens::table.filter(refresh_tokens::digest.eq_any(dead)))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))
        })?;
        Ok(deleted as u64)
    }
}

/// A `refresh_tokens` row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct TokenRow {
    digest: Vec<u8>,
    grant_id: String,
    client_id: String,
    user_id: String,
    scope: String,
    expires_at: i64,
    family_expires_at: i64,
    auth_time: i64,
    used_at: Option<i64>,
    revoked: bool,
    replay: Option<Vec<u8>>,
    amr: String,
    resources: String,
    dpop_jkt: Option<String>,
}

/// A new `refresh_tokens` row: unused and not revoked (the column defaults).
#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewTokenRow {
    digest: Vec<u8>,
    grant_id: String,
    client_id: String,
    user_id: String,
    scope: String,
    expires_at: i64,
    family_expires_at: i64,
    auth_time: i64,
    amr: String,
    resources: String,
    dpop_jkt: Option<String>,
}

impl NewTokenRow {
    fn from_domain(t: &RefreshToken) -> Self {
        Self {
            resources: encode_resources(&t.resources),
            digest: t.digest.as_bytes().to_vec(),
            grant_id: t.grant_id.clone(),
            client_id: t.client_id.as_str().to_owned(),
            user_id: t.user_id.as_str().to_owned(),
            scope: t.scope.to_string(),
            expires_at: t.expires_at.as_secs(),
            family_expires_at: t.family_expires_at.as_secs(),
            auth_time: t.auth_time.as_secs(),
            amr: t.amr.to_string(),
            dpop_jkt: t.dpop_jkt.clone(),
        }
    }
}

impl TokenRow {
    /// Rebuilds the stored token, re-validating every value; a row that does not parse is
    /// `Corrupt`.
    fn into_domain(self) -> Result<StoredRefreshToken, RepositoryError> {
        let corrupt = |field: &str, why: BoxError| {
            RepositoryError::corrupt(
                format!("refresh token of grant {:?}: {field}", self.grant_id),
                why,
            )
        };
        let token = RefreshToken {
            dpop_jkt: self.dpop_jkt.clone(),
            resources: decode_resources(&self.resources)
                .map_err(|e| corrupt("resources", e.into()))?,
            digest: stored_digest(&self.digest).map_err(|why| corrupt("digest", why.into()))?,
            client_id: ClientId::parse(&self.client_id)
                .map_err(|e| corrupt("client_id", e.into()))?,
            user_id: UserId::parse(&self.user_id).map_err(|e| corrupt("user_id", e.into()))?,
            scope: ScopeSet::parse(&self.scope).map_err(|e| corrupt("scope", e.into()))?,
            expires_at: UnixTime::from_secs(self.expires_at),
            family_expires_at: UnixTime::from_secs(self.family_expires_at),
            auth_time: UnixTime::from_secs(self.auth_time),
            amr: AuthMethods::parse(&self.amr).map_err(|e| corrupt("amr", e.into()))?,
            grant_id: self.grant_id,
        };
        Ok(StoredRefreshToken {
            token,
            used: self.used_at.is_some(),
            used_at: self.used_at.map(UnixTime::from_secs),
            replay: self.replay,
            revoked: self.revoked,
        })
    }
}

#[async_trait]
impl RefreshTokenRepository for DieselRefreshTokenRepository {
    async fn insert(&self, token: &RefreshToken) -> Result<(), RepositoryError> {
        let row = NewTokenRow::from_domain(token);
        with_connection!(self.db, |conn, db| {
            diesel::insert_into(refresh_tokens::table)
                .values(&row)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|e| db.query_error(e))
        })
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<StoredRefreshToken>, RepositoryError> {
        let key = digest.as_bytes().to_vec();
        let row: Option<TokenRow> = with_connection!(self.db, |conn, db| {
            refresh_tokens::table
                .find(&key)
                .select(TokenRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|e| db.query_error(e))
        })?;
        row.map(TokenRow::into_domain).transpose()
    }

    async fn rotate(
        &self,
        old: &TokenDigest,
        now: UnixTime,
        successor: &RefreshToken,
        replay: Option<Vec<u8>>,
    ) -> Result<bool, RepositoryError> {
        let old = old.as_bytes().to_vec();
        let row = NewTokenRow::from_domain(successor);
        with_connection!(self.db, |conn, db| {
            let (old, row, replay) = (&old, &row, &replay);
            // The conditional UPDATE decides: of concurrent rotations exactly one sees
            // the row unused and unrevoked (PostgreSQL re-checks the WHERE once the winner
            // commits; SQLite runs one writer at a time). It is also the transaction's first
            // statement, so SQLite takes the write lock before reading anything and never
            // has to upgrade a read snapshot (which would fail with SQLITE_BUSY at once). The
            // replay is written by the same UPDATE: a spent row holds it from the moment it is
            // seen spent.
            conn.transaction(async |conn| -> Result<bool, diesel::result::Error> {
                let marked = diesel::update(
                    refresh_tokens::table
                        .find(old)
                        .filter(refresh_tokens::used_at.is_null())
                        .filter(refresh_tokens::revoked.eq(false)),
                )
                .set((
                    refresh_tokens::used_at.eq(now.as_secs()),
                    refresh_tokens::replay.eq(replay),
                ))
                .execute(conn)
                .await?;
                if marked != 1 {
                    return Ok(false);
                }
                diesel::insert_into(refresh_tokens::table)
                    .values(row)
                    .execute(conn)
                    .await?;
                Ok(true)
            })
            .await
            .map_err(|e| db.query_error(e))
        })
    }

    async fn claim_replay(&self, old: &TokenDigest, max: u32) -> Result<bool, RepositoryError> {
        let old = old.as_bytes().to_vec();
        let max = i64::from(max);
        with_connection!(self.db, |conn, db| {
            // One conditional UPDATE: the count is read and raised under the row's write lock
            // (PostgreSQL re-checks the WHERE after a concurrent claim commits; SQLite runs one
            // writer at a time), so concurrent claims never take more than `max`.
            diesel::update(
                refresh_tokens::table
                    .find(&old)
                    .filter(refresh_tokens::replay.is_not_null())
                    .filter(refresh_tokens::revoked.eq(false))
                    .filter(refresh_tokens::replay_count.lt(max)),
            )
            .set(refresh_tokens::replay_count.eq(refresh_tokens::replay_count + 1))
            .execute(conn)
            .await
            .map(|changed| changed == 1)
            .map_err(|e| db.query_error(e))
        })
    }

    async fn revoke_family(&self, grant_id: &str) -> Result<u64, RepositoryError> {
        let family = grant_id.to_owned();
        with_connection!(self.db, |conn, db| {
            // Repeated until a pass finds nothing left to revoke. Under PostgreSQL's READ
            // COMMITTED an UPDATE does not see rows committed after its snapshot: a rotation
            // that held a member's row lock commits its successor while this UPDATE waits for
            // that lock, and one pass would leave the successor alive. The next pass, with a
            // fresh snapshot, sees it. A pass that changes nothing proves no rotation of the
            // family is in flight (it would hold the lock of an unrevoked member, which the
            // pass would have waited for and revoked), and every later rotation finds its
            // token revoked. On SQLite, writers run one at a time and the second pass is empty.
            let family = &family;
            let mut total: u64 = 0;
            for _ in 0..REVOKE_PASSES {
                let changed = diesel::update(
                    refresh_tokens::table
                        .filter(refresh_tokens::grant_id.eq(family))
                        .filter(refresh_tokens::revoked.eq(false)),
                )
                .set(refresh_tokens::revoked.eq(true))
                .execute(conn)
                .await
                .map_err(|e| db.query_error(e))?;
                if changed == 0 {
                    return Ok(total);
                }
                total = total.saturating_add(changed as u64);
            }
            log::warn!(
                "refresh token family {family:?} kept growing while being revoked \
                 ({REVOKE_PASSES} passes); failing the revocation"
            );
            Err(RepositoryError::other(format!(
                "refresh token family {family:?} kept growing while being revoked"
            )))
        })
    }

    async fn revoke_for_user(&self, user: &UserId) -> Result<Vec<String>, RepositoryError> {
        let user_key = user.as_str().to_owned();
        let (families, complete) = with_connection!(self.db, |conn, db| {
            let user_key = &user_key;
            // One transaction of conditional UPDATEs, each returning the family of every token
            // it revoked, repeated until a pass finds nothing left, for the reason given in
            // `revoke_family`: a rotation that commits a successor while a pass waits for the
            // lock of the rotated token is caught by the next pass. Starting with an UPDATE
            // (no SELECT before it) also makes SQLite take the write lock first, so it never
            // has to upgrade a read snapshot (SQLITE_BUSY at once). A family counts once,
            // however many of its tokens were revoked and in however many passes.
            conn.transaction(
                async |conn| -> Result<(BTreeSet<String>, bool), diesel::result::Error> {
                    let mut families = BTreeSet::new();
                    for _ in 0..REVOKE_PASSES {
                        let revoked: Vec<String> = diesel::update(
                            refresh_tokens::table
                                .filter(refresh_tokens::user_id.eq(user_key))
                                .filter(refresh_tokens::revoked.eq(false)),
                        )
                        .set(refresh_tokens::revoked.eq(true))
                        .returning(refresh_tokens::grant_id)
                        .get_results(conn)
                        .await?;
                        if revoked.is_empty() {
                            return Ok((families, true));
                        }
                        families.extend(revoked);
                    }
                    // Kept growing: what was revoked stays revoked (committed), the caller
                    // gets an error.
                    Ok((families, false))
                },
            )
            .await
            .map_err(|e| db.query_error(e))
        })?;
        if !complete {
            log::warn!(
                "the refresh tokens of user {user} kept growing while being revoked \
                 ({REVOKE_PASSES} passes); failing the revocation"
            );
            return Err(RepositoryError::other(format!(
                "the refresh tokens of user {user} kept growing while being revoked"
            )));
        }
        Ok(families.into_iter().collect())
    }
}
