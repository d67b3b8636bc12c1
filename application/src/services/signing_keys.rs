use crate::errors::CryptoError;
use crate::ports::{
    random_token, Clock, JwsEngine, KeyCipher, KeyGenerator, KeyMaterial, RandomSource,
    SigningKeyRepository, StoredSigningKey,
};
use crate::{IssuerSettings, RepositoryError};
use secrecy::ExposeSecret;
use std::sync::Arc;
use tessera_domain::{KeyState, SigningAlgorithm, SigningKey};

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Generation, encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Signing-key life cycle: creation on first start, rotation, listing, and loading the
/// published keys into the [`JwsEngine`].
///
/// Rotation keeps one `next` key published ahead of use, so when it becomes active every
/// JWKS cache has long known it (R-04); the key it replaces stays published as `retiring`
/// until the longest-lived token it could have signed has expired.
pub struct KeyService {
    repo: Arc<dyn SigningKeyRepository>,
    generator: Arc<dyn KeyGenerator>,
    cipher: Arc<dyn KeyCipher>,
    jws: Arc<dyn JwsEngine>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    settings: IssuerSettings,
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
        }
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
    pub async fn rotate(&self, alg: SigningAlgorithm) -> Result<String, KeyError> {
        let keys = self.repo.list().await?;
        let now = self.clock.now();
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
                .map_err(|_| CryptoError::Decrypt(stored.key.kid.clone()))?;
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
mod tests {
    use super::*;
    use crate::ports::{
        GeneratedKey, MockJwsEngine, MockKeyCipher, MockKeyGenerator, MockRandomSource,
        MockSigningKeyRepository,
    };
    use crate::services::access_tokens::tests::clock_at;
    use secrecy::SecretBox;
    use tessera_domain::UnixTime;

    fn stored(
        kid: &str,
        alg: SigningAlgorithm,
        state: KeyState,
        retire_after: Option<i64>,
    ) -> StoredSigningKey {
        StoredSigningKey {
            key: SigningKey {
                kid: kid.into(),
                alg,
                state,
                created_at: UnixTime::from_secs(0),
                retire_after: retire_after.map(UnixTime::from_secs),
                public_jwk: "{}".into(),
            },
            encrypted_private_key: kid.as_bytes().to_vec(),
        }
    }

    fn service(
        repo: MockSigningKeyRepository,
        jws: MockJwsEngine,
        cipher: MockKeyCipher,
    ) -> KeyService {
        let mut generator = MockKeyGenerator::new();
        generator.expect_generate().returning(|_| {
            Ok(GeneratedKey {
                private_pkcs8_der: SecretBox::new(Box::new(vec![1, 2, 3])),
                public_jwk: serde_json::Map::new(),
            })
        });
        let mut rng = MockRandomSource::new();
        let mut n = 0u8;
        rng.expect_fill().returning(move |b| {
            n += 1;
            b.fill(n)
        });
        KeyService::new(
            Arc::new(repo),
            Arc::new(generator),
            Arc::new(cipher),
            Arc::new(jws),
            clock_at(1_000),
            Arc::new(rng),
            IssuerSettings::new("https://id.example"),
        )
    }

    fn passthrough_cipher() -> MockKeyCipher {
        let mut c = MockKeyCipher::new();
        c.expect_encrypt().returning(|p, _| Ok(p.to_vec()));
        c.expect_decrypt()
            .returning(|p, _| Ok(SecretBox::new(Box::new(p.to_vec()))));
        c
    }

    #[tokio::test]
    async fn first_start_creates_an_active_key_and_its_successor() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| Ok(vec![]));
        repo.expect_save()
            .withf(|u, i| {
                u.is_empty()
                    && i.len() == 2
                    && i[0].key.state == KeyState::Active
                    && i[1].key.state == KeyState::Next
                    && i[0].key.kid != i[1].key.kid
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let created = service(repo, MockJwsEngine::new(), passthrough_cipher())
            .ensure_active(SigningAlgorithm::Rs256)
            .await
            .unwrap();
        assert!(created);
    }

    #[tokio::test]
    async fn existing_active_key_is_kept_and_a_lost_race_is_fine() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![stored(
                "a",
                SigningAlgorithm::Rs256,
                KeyState::Active,
                None,
            )])
        });
        let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
        assert!(!s.ensure_active(SigningAlgorithm::Rs256).await.unwrap());

        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| Ok(vec![]));
        repo.expect_save()
            .returning(|_, _| Err(RepositoryError::Conflict));
        let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
        assert!(!s.ensure_active(SigningAlgorithm::Rs256).await.unwrap());
    }

    #[tokio::test]
    async fn rotation_promotes_next_and_retires_active_after_max_token_lifetime() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![
                stored("n", SigningAlgorithm::Rs256, KeyState::Next, None),
                stored("a", SigningAlgorithm::Rs256, KeyState::Active, None),
                stored("old", SigningAlgorithm::Rs256, KeyState::Retiring, Some(10)),
            ])
        });
        repo.expect_save()
            .withf(|u, i| {
                let a = u.iter().find(|k| k.kid == "a").unwrap();
                let n = u.iter().find(|k| k.kid == "n").unwrap();
                u.len() == 2
                    && u[0].kid == "a"
                    && u[1].kid == "n"
                    && a.state == KeyState::Retiring
                    && a.retire_after == Some(UnixTime::from_secs(1_000 + 3_630))
                    && n.state == KeyState::Active
                    && i.len() == 1
                    && i[0].key.state == KeyState::Next
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let kid = service(repo, MockJwsEngine::new(), passthrough_cipher())
            .rotate(SigningAlgorithm::Rs256)
            .await
            .unwrap();
        assert_eq!(kid, "n");
    }

    #[tokio::test]
    async fn rotation_to_another_algorithm_makes_a_fresh_active_key() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![
                stored("n", SigningAlgorithm::Rs256, KeyState::Next, None),
                stored("a", SigningAlgorithm::Rs256, KeyState::Active, None),
            ])
        });
        repo.expect_save()
            .withf(|u, i| {
                let n = u.iter().find(|k| k.kid == "n").unwrap();
                n.state == KeyState::Retiring
                    && n.retire_after == Some(UnixTime::from_secs(1_000))
                    && i.len() == 2
                    && i.iter().all(|k| k.key.alg == SigningAlgorithm::Es256)
                    && i[0].key.state == KeyState::Active
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
        let kid = s.rotate(SigningAlgorithm::Es256).await.unwrap();
        assert_ne!(kid, "n");
    }

    #[tokio::test]
    async fn load_installs_only_published_keys() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![
                stored("a", SigningAlgorithm::Rs256, KeyState::Active, None),
                stored(
                    "gone",
                    SigningAlgorithm::Rs256,
                    KeyState::Retiring,
                    Some(999),
                ),
                stored(
                    "r",
                    SigningAlgorithm::Rs256,
                    KeyState::Retiring,
                    Some(2_000),
                ),
            ])
        });
        let mut jws = MockJwsEngine::new();
        jws.expect_install()
            .withf(|m| m.iter().map(|k| k.key.kid.as_str()).collect::<Vec<_>>() == ["a", "r"])
            .times(1)
            .returning(|_| Ok(()));
        service(repo, jws, passthrough_cipher())
            .load()
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn load_fails_loudly_when_a_key_does_not_decrypt() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![stored(
                "a",
                SigningAlgorithm::Rs256,
                KeyState::Active,
                None,
            )])
        });
        let mut cipher = MockKeyCipher::new();
        cipher
            .expect_decrypt()
            .returning(|_, _| Err(CryptoError::Backend("tag mismatch".into())));
        let err = service(repo, MockJwsEngine::new(), cipher)
            .load()
            .await
            .unwrap_err();
        assert!(matches!(err, KeyError::Crypto(CryptoError::Decrypt(k)) if k == "a"));
    }

    #[tokio::test]
    async fn list_reports_effective_states() {
        let mut repo = MockSigningKeyRepository::new();
        repo.expect_list().returning(|| {
            Ok(vec![stored(
                "gone",
                SigningAlgorithm::Es256,
                KeyState::Retiring,
                Some(500),
            )])
        });
        let keys = service(repo, MockJwsEngine::new(), passthrough_cipher())
            .list()
            .await
            .unwrap();
        assert_eq!(keys[0].state, KeyState::Retired);
    }
}
