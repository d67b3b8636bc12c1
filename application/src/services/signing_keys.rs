use crate::errors::CryptoError;
use crate::ports::{
    random_token, Clock, JwsEngine, KeyCipher, KeyGenerator, KeyMaterial, RandomSource,
    SigningKeyRepository, StoredSigningKey,
};
use crate::services::fault_code::repository_fault_code;
use crate::{IssuerSettings, OAuthErrorCode, RepositoryError};
use secrecy::ExposeSecret;
use std::sync::Arc;
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey, UnixTime};

/// How long a key is published before rotation may make it active, unless told otherwise:
/// the JWKS cache lifetime (300 s) plus the default `key_refresh_secs` (10 s).
pub const DEFAULT_PUBLISH_LEAD_SECS: i64 = 310;

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Generation, encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// Rotating now would make active a key that JWKS caches may not have seen.
    #[error(transparent)]
    TooSoon(#[from] RotationTooSoon),
}

impl KeyError {
    /// `rotation_too_soon` when the JWKS caches need more time, else the server's fault.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::Crypto(_) => OAuthErrorCode::ServerError,
            Self::Repository(e) => repository_fault_code(e),
            Self::TooSoon(_) => OAuthErrorCode::RotationTooSoon,
        }
    }
}

fn which_key(published_now: &bool) -> &'static str {
    if *published_now {
        "no key was published ahead: the new"
    } else {
        "the next"
    }
}

/// A refused rotation: the key it would make active has not been published for the lead time
/// yet, so a relying party with a cached key set would reject tokens signed with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} {alg} key {kid} has been in the key set for {published_secs} s, less than the {lead_secs} s \
     caches may keep it; rotation is allowed in {wait_secs} s (at Unix time {})",
    which_key(.published_now),
    ready_at.as_secs()
)]
pub struct RotationTooSoon {
    /// The key that would become active.
    pub kid: String,
    /// Its algorithm.
    pub alg: SigningAlgorithm,
    /// True when this request published it (no key of `alg` was waiting as next).
    pub published_now: bool,
    /// How long it has been published.
    pub published_secs: i64,
    /// How long it must be published first.
    pub lead_secs: i64,
    /// When rotating to it is allowed.
    pub ready_at: UnixTime,
    /// Seconds until then.
    pub wait_secs: i64,
}

/// Signing-key life cycle: creation on first start, rotation, listing, and loading the
/// published keys into the [`JwsEngine`].
///
/// Rotation keeps one `next` key published ahead of use, so when it becomes active every
/// JWKS cache has long known it; the key it replaces stays published as `retiring`
/// until the longest-lived token it could have signed has expired.
pub struct KeyService {
    repo: Arc<dyn SigningKeyRepository>,
    generator: Arc<dyn KeyGenerator>,
    cipher: Arc<dyn KeyCipher>,
    jws: Arc<dyn JwsEngine>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
    publish_lead_secs: i64,
}

impl KeyService {
    /// Builds the service.
    pub fn new(
        repo: Arc<dyn SigningKeyRepository>,
        generator: Arc<dyn KeyGenerator>,
        cipher: Arc<dyn KeyCipher>,
        jws: Arc<dyn JwsEngine>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        settings: IssuerSettings,
    ) -> Self {
        Self {
            repo,
            generator,
            cipher,
            jws,
            clock,
            rng,
            settings,
            publish_lead_secs: DEFAULT_PUBLISH_LEAD_SECS,
        }
    }

    /// Sets how long a key must be published before rotation makes it active: the JWKS
    /// `Cache-Control` max-age plus the time other servers take to load a new key.
    pub fn with_publish_lead(mut self, secs: i64) -> Self {
        self.publish_lead_secs = secs.max(0);
        self
    }

    /// Every key with its effective state at this moment, newest first.
    pub async fn list(&self) -> Result<Vec<SigningKey>, KeyError> {
        let now = self.clock.now();
        Ok(self
            .repo
            .list()
            .await?
            .into_iter()
            .map(|s| {
                let mut k = s.key;
                k.state = k.state_at(now);
                k
            })
            .collect())
    }

    /// Makes an active key of `alg` (and its successor) if there is no active key. Returns
    /// true when it created one. Safe to race: a second process loses on the database's
    /// one-active-key constraint and simply uses the winner's key.
    pub async fn ensure_active(&self, alg: SigningAlgorithm) -> Result<bool, KeyError> {
        let keys = self.repo.list().await?;
        let now = self.clock.now();
        if keys.iter().any(|k| k.key.state_at(now) == KeyState::Active) {
            return Ok(false);
        }
        let active = self.new_key(alg, KeyState::Active)?;
        let next = self.new_key(alg, KeyState::Next)?;
        match self.repo.save(vec![], vec![active, next]).await {
            Ok(()) => Ok(true),
            Err(RepositoryError::Conflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Rotates: the `next` key of `alg` becomes active (a fresh one if none is ready), the
    /// active key starts retiring, and a new `next` key is published. Returns the new active kid.
    ///
    /// Unless `force`, refuses with [`KeyError::TooSoon`] when the key to become active has not
    /// been published for the lead time (a second rotation soon after the first, or right after
    /// the first start); when no key of `alg` waits as next, one is published first, so a
    /// rotation after the lead time finds it.
    pub async fn rotate(&self, alg: SigningAlgorithm, force: bool) -> Result<String, KeyError> {
        let keys = self.repo.list().await?;
        let now = self.clock.now();
        if !force && self.publish_lead_secs > 0 {
            self.check_published(&keys, alg, now).await?;
        }
        let keep_for = self.settings.lifetimes.max_signed_token_lifetime();
        let mut updated = Vec::new();
        let mut inserted = Vec::new();
        let mut promoted = None;
        for stored in keys {
            let mut k = stored.key;
            match k.state_at(now) {
                KeyState::Active => {
                    k.begin_retiring(now, keep_for);
                    updated.push(k);
                }
                KeyState::Next if k.alg == alg && promoted.is_none() => {
                    k.state = KeyState::Active;
                    promoted = Some(k);
                }
                KeyState::Next => {
                    // A successor of another algorithm never signed anything: drop it now.
                    k.begin_retiring(now, 0);
                    updated.push(k);
                }
                KeyState::Retiring | KeyState::Retired => {}
            }
        }
        // The old active key must leave that state before another takes it: the store keeps
        // at most one active key, and applies updates in order.
        let active_kid = match promoted {
            Some(k) => {
                let kid = k.kid.clone();
                updated.push(k);
                kid
            }
            None => {
                log::warn!("no {alg} key was pre-published; the new key is used at once, and JWKS caches may not know it yet");
                let fresh = self.new_key(alg, KeyState::Active)?;
                let kid = fresh.key.kid.clone();
                inserted.push(fresh);
                kid
            }
        };
        inserted.push(self.new_key(alg, KeyState::Next)?);
        self.repo.save(updated, inserted).await?;
        log::info!("rotated signing keys: {active_kid} ({alg}) is now active");
        Ok(active_kid)
    }

    /// Refuses a rotation to a key of `alg` that caches may not know yet; publishes one as
    /// next when none of `alg` is waiting.
    async fn check_published(
        &self,
        keys: &[StoredSigningKey],
        alg: SigningAlgorithm,
        now: UnixTime,
    ) -> Result<(), KeyError> {
        if !keys.iter().any(|s| s.key.state_at(now) == KeyState::Active) {
            // Nothing has been signed yet (a fresh database): no cache to wait for, as on the
            // first start.
            return Ok(());
        }
        let waiting = keys
            .iter()
            .map(|s| &s.key)
            .find(|k| k.alg == alg && k.state_at(now) == KeyState::Next);
        let (kid, published_at, published_now) = match waiting {
            Some(k) => (k.kid.clone(), k.created_at, false),
            None => {
                let next = self.new_key(alg, KeyState::Next)?;
                let kid = next.key.kid.clone();
                self.repo.save(vec![], vec![next]).await?;
                (kid, now, true)
            }
        };
        let published_secs = now.as_secs().saturating_sub(published_at.as_secs());
        if published_secs >= self.publish_lead_secs {
            return Ok(());
        }
        let ready_at = UnixTime::from_secs(
            published_at
                .as_secs()
                .saturating_add(self.publish_lead_secs),
        );
        Err(RotationTooSoon {
            kid,
            alg,
            published_now,
            published_secs,
            lead_secs: self.publish_lead_secs,
            wait_secs: ready_at.as_secs().saturating_sub(now.as_secs()),
            ready_at,
        }
        .into())
    }

    /// Loads every published key, decrypted, into the engine. Fails on any key that does not
    /// decrypt, rather than serving with a partial or garbage key set.
    pub async fn load(&self) -> Result<(), KeyError> {
        let now = self.clock.now();
        let mut material = Vec::new();
        for stored in self.repo.list().await? {
            if !stored.key.is_published(now) {
                continue;
            }
            let private = self
                .cipher
                .decrypt(&stored.encrypted_private_key, stored.key.kid.as_bytes())
                .map_err(|e| CryptoError::decrypt(stored.key.kid.clone(), Some(e.into())))?;
            let mut key = stored.key;
            key.state = key.state_at(now);
            material.push(KeyMaterial {
                key,
                private_pkcs8_der: private,
            });
        }
        self.jws.install(material)?;
        Ok(())
    }

    fn new_key(
        &self,
        alg: SigningAlgorithm,
        state: KeyState,
    ) -> Result<StoredSigningKey, KeyError> {
        let generated = self.generator.generate(alg)?;
        let kid = random_token(self.rng.as_ref(), 16);
        let encrypted = self
            .cipher
            .encrypt(generated.private_pkcs8_der.expose_secret(), kid.as_bytes())?;
        let public_jwk = serde_json::Value::Object(generated.public_jwk).to_string();
        Ok(StoredSigningKey {
            key: SigningKey {
                kid,
                alg,
                state,
                created_at: self.clock.now(),
                retire_after: None,
                public_jwk,
            },
            encrypted_private_key: encrypted,
        })
    }
}

#[cfg(test)]
mod tests;
