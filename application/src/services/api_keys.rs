use crate::ports::{random_token, ApiKeyRepository, Clock, RandomSource};
use crate::RepositoryError;
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
mod tests {
    use super::*;
    use crate::ports::MockApiKeyRepository;
    use crate::services::test_support::{clock_at, counting_rng, Recorder};
    use secrecy::ExposeSecret;

    const NOW: i64 = 1_000_000;

    fn service(repo: MockApiKeyRepository) -> ApiKeys {
        ApiKeys::new(Arc::new(repo), clock_at(NOW), counting_rng())
    }

    /// A stored key for `full`, as `create` would have made it.
    fn stored(full: &str) -> ApiKey {
        let (prefix, _) = split_api_key(full).unwrap();
        ApiKey {
            prefix,
            name: "ci".into(),
            digest: TokenDigest::of(full),
            scopes: ScopeSet::parse("read").unwrap(),
            created_at: UnixTime::from_secs(0),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        }
    }

    /// A well-formed key: prefix `ab12cd34`, secret of 32 bytes `n`.
    fn full_key(n: u8) -> String {
        use base64::Engine;
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([n; 32]);
        format!("tsk_ab12cd34{secret}")
    }

    /// A repository that finds `key` and records touches.
    fn finding(key: ApiKey, touches: &Recorder<i64>) -> MockApiKeyRepository {
        let mut repo = MockApiKeyRepository::new();
        let expected = key.prefix.clone();
        repo.expect_find()
            .withf(move |p| *p == expected)
            .returning(move |_| Ok(Some(key.clone())));
        let t = touches.clone();
        repo.expect_touch().returning(move |_, now| {
            t.push(now.as_secs());
            Ok(())
        });
        repo
    }

    #[tokio::test]
    async fn create_stores_only_the_digest_and_returns_the_key_once() {
        let inserted = Recorder::default();
        let mut repo = MockApiKeyRepository::new();
        let r = inserted.clone();
        repo.expect_insert().times(1).returning(move |k| {
            r.push(k.clone());
            Ok(())
        });
        let expiry = UnixTime::from_secs(NOW + 86_400);
        let (key, full) = service(repo)
            .create("deploy bot", "write read", Some(expiry))
            .await
            .unwrap();
        let full = full.expose_secret();
        assert_eq!(inserted.only(), key);
        let (prefix, secret) = split_api_key(full).expect("a well-formed key");
        assert_eq!(prefix, key.prefix);
        assert_eq!(secret.len(), 43, "256 bits, base64url");
        assert!(key.digest.matches(full));
        assert_eq!(key.name, "deploy bot");
        assert_eq!(key.scopes.to_string(), "read write");
        assert_eq!(key.created_at, UnixTime::from_secs(NOW));
        assert_eq!(key.expires_at, Some(expiry));
        assert_eq!((key.last_used_at, key.revoked_at), (None, None));
        assert!(
            !format!("{key:?}").contains(secret),
            "Debug never shows the key"
        );
    }

    #[tokio::test]
    async fn create_retries_once_on_a_prefix_clash() {
        let tried = Recorder::default();
        let mut repo = MockApiKeyRepository::new();
        let r = tried.clone();
        let mut calls = 0;
        repo.expect_insert().times(2).returning(move |k| {
            r.push(k.prefix.clone());
            calls += 1;
            if calls == 1 {
                Err(RepositoryError::Conflict)
            } else {
                Ok(())
            }
        });
        let (key, full) = service(repo).create("ci", "read", None).await.unwrap();
        let tried = tried.all();
        assert_ne!(tried[0], tried[1], "a fresh prefix");
        assert_eq!(key.prefix, tried[1]);
        assert!(key.digest.matches(full.expose_secret()));
    }

    #[tokio::test]
    async fn create_gives_up_after_a_second_clash() {
        let mut repo = MockApiKeyRepository::new();
        repo.expect_insert()
            .times(2)
            .returning(|_| Err(RepositoryError::Conflict));
        let err = service(repo).create("ci", "read", None).await.unwrap_err();
        assert!(matches!(
            err,
            ApiKeyError::Repository(RepositoryError::Conflict)
        ));
    }

    #[tokio::test]
    async fn create_refuses_bad_input_before_storage() {
        let past = Some(UnixTime::from_secs(NOW));
        let long = "n".repeat(101);
        let cases: [(&str, &str, Option<UnixTime>); 6] = [
            ("", "read", None),
            ("a\nb", "read", None),
            (&long, "read", None),
            ("ci", "read  write", None),
            ("ci", "", None),
            ("ci", "read", past),
        ];
        for (name, scopes, expiry) in cases {
            // insert must not be called.
            let err = service(MockApiKeyRepository::new())
                .create(name, scopes, expiry)
                .await
                .unwrap_err();
            let expected = match () {
                _ if expiry.is_some() => matches!(err, ApiKeyError::ExpiryInPast),
                _ if scopes.is_empty() => matches!(err, ApiKeyError::NoScope),
                _ if name == "ci" => matches!(err, ApiKeyError::InvalidScope(_)),
                _ => matches!(err, ApiKeyError::InvalidName),
            };
            assert!(expected, "{name:?} {scopes:?}: {err:?}");
        }
    }

    #[tokio::test]
    async fn list_is_the_repository_s() {
        let mut repo = MockApiKeyRepository::new();
        let keys = vec![stored(&full_key(2)), stored(&full_key(1))];
        let k = keys.clone();
        repo.expect_list().returning(move || Ok(k.clone()));
        assert_eq!(service(repo).list().await.unwrap(), keys);
    }

    #[tokio::test]
    async fn revoke_by_id_at_now() {
        let mut repo = MockApiKeyRepository::new();
        let revoked = Recorder::default();
        let r = revoked.clone();
        repo.expect_revoke().returning(move |p, now| {
            r.push((p.as_str().to_owned(), now.as_secs()));
            Ok(p.as_str() == "ab12cd34")
        });
        let svc = service(repo);
        assert!(svc.revoke("ab12cd34").await.unwrap());
        assert!(!svc.revoke("zz99zz99").await.unwrap());
        // Ids that cannot exist never reach the repository.
        assert!(!svc.revoke("nope").await.unwrap());
        assert_eq!(
            revoked.all(),
            vec![("ab12cd34".into(), NOW), ("zz99zz99".into(), NOW)]
        );
    }

    #[tokio::test]
    async fn authenticate_accepts_the_exact_key_and_records_its_use() {
        let full = full_key(7);
        let touches = Recorder::default();
        let key = service(finding(stored(&full), &touches))
            .authenticate(&full)
            .await
            .unwrap()
            .expect("accepted");
        assert_eq!(key.prefix.as_str(), "ab12cd34");
        assert_eq!(key.last_used_at, Some(UnixTime::from_secs(NOW)));
        assert!(key.allows("read") && !key.allows("write"));
        assert_eq!(touches.only(), NOW);
    }

    #[tokio::test]
    async fn authenticate_refuses_malformed_keys_without_a_lookup() {
        // find must not be called.
        let svc = service(MockApiKeyRepository::new());
        let full = full_key(7);
        for bad in [
            "",
            "Bearer",
            &full[..full.len() - 1],
            &format!("{full}x"),
            &full.replace("tsk_", "tsk-"),
        ] {
            assert!(svc.authenticate(bad).await.unwrap().is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn authenticate_refuses_unknown_wrong_revoked_and_expired_keys() {
        let full = full_key(7);
        let mut unknown = MockApiKeyRepository::new();
        unknown.expect_find().returning(|_| Ok(None));
        assert!(service(unknown)
            .authenticate(&full)
            .await
            .unwrap()
            .is_none());

        let touches = Recorder::default();
        let other_secret = full_key(8);
        let revoked = ApiKey {
            revoked_at: Some(UnixTime::from_secs(NOW - 1)),
            ..stored(&full)
        };
        let expired = ApiKey {
            expires_at: Some(UnixTime::from_secs(NOW)),
            ..stored(&full)
        };
        for (key, presented) in [
            (stored(&full), other_secret.as_str()),
            (revoked, full.as_str()),
            (expired, full.as_str()),
        ] {
            let svc = service(finding(key.clone(), &touches));
            assert!(
                svc.authenticate(presented).await.unwrap().is_none(),
                "{key:?}"
            );
        }
        assert!(touches.all().is_empty(), "a refused key is not touched");
    }

    #[tokio::test]
    async fn last_used_is_written_at_most_once_a_minute() {
        let full = full_key(7);
        for (last_used, touched) in [(NOW - 59, false), (NOW - 60, true), (NOW - 3_600, true)] {
            let touches = Recorder::default();
            let key = ApiKey {
                last_used_at: Some(UnixTime::from_secs(last_used)),
                ..stored(&full)
            };
            let got = service(finding(key, &touches))
                .authenticate(&full)
                .await
                .unwrap()
                .expect("accepted");
            assert_eq!(!touches.all().is_empty(), touched, "last used {last_used}");
            let expected = if touched { NOW } else { last_used };
            assert_eq!(got.last_used_at, Some(UnixTime::from_secs(expected)));
        }
    }

    #[tokio::test]
    async fn a_failed_touch_does_not_refuse_a_valid_key() {
        let full = full_key(7);
        let key = stored(&full);
        let mut repo = MockApiKeyRepository::new();
        repo.expect_find().returning(move |_| Ok(Some(key.clone())));
        repo.expect_touch()
            .returning(|_, _| Err(RepositoryError::Unavailable));
        let got = service(repo).authenticate(&full).await.unwrap();
        assert_eq!(got.unwrap().last_used_at, None);
    }

    #[tokio::test]
    async fn lookup_failures_are_errors_not_refusals() {
        let mut repo = MockApiKeyRepository::new();
        repo.expect_find()
            .returning(|_| Err(RepositoryError::Unavailable));
        let err = service(repo).authenticate(&full_key(7)).await.unwrap_err();
        assert!(matches!(
            err,
            ApiKeyError::Repository(RepositoryError::Unavailable)
        ));
    }
}
