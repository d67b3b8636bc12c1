use crate::ports::{random_token, ApiKeyRepository, Clock, RandomSource};
use crate::services::fault_code::repository_fault_code;
use crate::{OAuthErrorCode, RepositoryError};
use secrecy::SecretString;
use std::sync::Arc;
use tessera_domain::{
    compose_api_key, is_valid_api_key_name, split_api_key, ApiKey, ApiKeyPrefix, ScopeError,
    ScopeSet, TokenDigest, UnixTime, MAX_API_KEY_NAME_CHARS,
};

/// How stale `last_used_at` may get: a key used in a loop costs one write a minute, not one
/// per request.
pub const API_KEY_TOUCH_INTERVAL_SECS: i64 = 60;

/// Why an API key operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    /// The name is blank, too long or holds control characters.
    #[error("an API key name is 1 to {MAX_API_KEY_NAME_CHARS} printable characters")]
    InvalidName,
    /// The scope list does not parse.
    #[error(transparent)]
    InvalidScope(#[from] ScopeError),
    /// No scope at all: such a key could not be used anywhere.
    #[error("an API key needs at least one scope")]
    NoScope,
    /// The expiry is not in the future.
    #[error("an API key must expire in the future")]
    ExpiryInPast,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ApiKeyError {
    /// `invalid_request` for a refused field, or the storage failure's code.
    pub fn code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidName | Self::InvalidScope(_) | Self::NoScope | Self::ExpiryInPast => {
                OAuthErrorCode::InvalidRequest
            }
            Self::Repository(e) => repository_fault_code(e),
        }
    }
}

/// Creates, lists, revokes and checks API keys: the one code path for the CLI, the admin API
/// and bearer authentication.
pub struct ApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
}

impl ApiKeys {
    /// Builds the service.
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
    ) -> Self {
        Self { keys, clock, rng }
    }

    /// Makes a key with a 256-bit secret and stores only its digest. Returns the stored key
    /// and the full key string, which exists nowhere else: show it once. A prefix clash (one
    /// chance in ~10^12 per existing key) is retried once with a fresh key.
    pub async fn create(
        &self,
        name: &str,
        scopes: &str,
        expires_at: Option<UnixTime>,
    ) -> Result<(ApiKey, SecretString), ApiKeyError> {
        if !is_valid_api_key_name(name) {
            return Err(ApiKeyError::InvalidName);
        }
        let scopes = ScopeSet::parse(scopes)?;
        if scopes.is_empty() {
            return Err(ApiKeyError::NoScope);
        }
        let now = self.clock.now();
        if expires_at.is_some_and(|e| !now.is_before(e)) {
            return Err(ApiKeyError::ExpiryInPast);
        }
        let mut retried = false;
        loop {
            let (key, full) = self.mint(name, &scopes, now, expires_at);
            match self.keys.insert(&key).await {
                Ok(()) => {
                    log::info!("created API key {} ({})", key.prefix, key.name);
                    return Ok((key, SecretString::from(full)));
                }
                Err(RepositoryError::Conflict) if !retried => retried = true,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A fresh key and its full string.
    fn mint(
        &self,
        name: &str,
        scopes: &ScopeSet,
        now: UnixTime,
        expires_at: Option<UnixTime>,
    ) -> (ApiKey, String) {
        let mut bytes = [0u8; 8];
        self.rng.fill(&mut bytes);
        let prefix = ApiKeyPrefix::from_random(bytes);
        let full = compose_api_key(&prefix, &random_token(self.rng.as_ref(), 32));
        let key = ApiKey {
            prefix,
            name: name.to_owned(),
            digest: TokenDigest::of(&full),
            scopes: scopes.clone(),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        (key, full)
    }

    /// Every key, newest first, revoked and expired ones included.
    pub async fn list(&self) -> Result<Vec<ApiKey>, ApiKeyError> {
        Ok(self.keys.list().await?)
    }

    /// Revokes the key with this id (its prefix); false when there is none, including ids that
    /// cannot exist, or when it was already revoked.
    pub async fn revoke(&self, prefix: &str) -> Result<bool, ApiKeyError> {
        let Ok(prefix) = ApiKeyPrefix::parse(prefix) else {
            return Ok(false);
        };
        let revoked = self.keys.revoke(&prefix, self.clock.now()).await?;
        if revoked {
            log::info!("revoked API key {prefix}");
        }
        Ok(revoked)
    }

    /// The key a bearer credential stands for, if it is a well-formed, known, matching (in
    /// constant time), unrevoked and unexpired key; `Ok(None)` for anything else, whatever the
    /// reason, so callers cannot leak which check failed. Records the use when the last one
    /// is at least a minute old.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>, ApiKeyError> {
        let Some((prefix, _)) = split_api_key(presented) else {
            return Ok(None);
        };
        let Some(mut key) = self.keys.find(&prefix).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !key.digest.matches(presented) || !key.is_usable(now) {
            return Ok(None);
        }
        let stale = key
            .last_used_at
            .is_none_or(|t| !now.is_before(t.plus(API_KEY_TOUCH_INTERVAL_SECS)));
        if stale {
            // Last-used is bookkeeping: failing to record it must not refuse a valid key.
            match self.keys.touch(&prefix, now).await {
                Ok(()) => key.last_used_at = Some(now),
                Err(e) => log::warn!("cannot record the use of API key {prefix}: {e}"),
            }
        }
        Ok(Some(key))
    }
}

#[cfg(test)]
mod tests;
