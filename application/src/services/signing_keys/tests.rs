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
        .rotate(SigningAlgorithm::Rs256, false)
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
    let kid = s.rotate(SigningAlgorithm::Es256, true).await.unwrap();
    assert_ne!(kid, "n");
}

/// An active key, and a next one published `age` seconds before the clock's 1,000.
fn next_published_ago(age: i64) -> MockSigningKeyRepository {
    let mut repo = MockSigningKeyRepository::new();
    repo.expect_list().returning(move || {
        let mut n = stored("n", SigningAlgorithm::Rs256, KeyState::Next, None);
        n.key.created_at = UnixTime::from_secs(1_000 - age);
        Ok(vec![
            n,
            stored("a", SigningAlgorithm::Rs256, KeyState::Active, None),
        ])
    });
    repo
}

fn expect_promoted(repo: &mut MockSigningKeyRepository) {
    repo.expect_save()
        .withf(|u, i| {
            u.iter()
                .any(|k| k.kid == "n" && k.state == KeyState::Active)
                && i.len() == 1
                && i[0].key.state == KeyState::Next
        })
        .times(1)
        .returning(|_, _| Ok(()));
}

#[tokio::test]
async fn keys_r_04_a_second_rotation_before_caches_know_the_next_key_is_refused() {
    // The next key was published 100 s ago (by a rotation or the first start); caches may
    // keep the key set for 310 s. Nothing is saved: the mock fails on any save.
    let s = service(
        next_published_ago(100),
        MockJwsEngine::new(),
        passthrough_cipher(),
    );
    let err = s.rotate(SigningAlgorithm::Rs256, false).await.unwrap_err();
    let KeyError::TooSoon(too_soon) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        *too_soon,
        RotationTooSoon {
            kid: "n".into(),
            alg: SigningAlgorithm::Rs256,
            published_now: false,
            published_secs: 100,
            lead_secs: DEFAULT_PUBLISH_LEAD_SECS,
            ready_at: UnixTime::from_secs(1_210),
            wait_secs: 210,
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("allowed in 210 s (at Unix time 1210)"),
        "{msg}"
    );
    assert!(msg.contains("key n"), "{msg}");
}

#[tokio::test]
async fn keys_r_04_rotation_once_the_lead_has_passed_or_forced_promotes_the_next_key() {
    let mut repo = next_published_ago(100);
    expect_promoted(&mut repo);
    let s = service(repo, MockJwsEngine::new(), passthrough_cipher()).with_publish_lead(100);
    assert_eq!(s.rotate(SigningAlgorithm::Rs256, false).await.unwrap(), "n");

    let mut repo = next_published_ago(1);
    expect_promoted(&mut repo);
    let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
    assert_eq!(s.rotate(SigningAlgorithm::Rs256, true).await.unwrap(), "n");
}

#[tokio::test]
async fn keys_r_04_rotation_of_a_database_without_an_active_key_needs_no_wait() {
    let mut repo = MockSigningKeyRepository::new();
    repo.expect_list().returning(|| Ok(vec![]));
    repo.expect_save()
        .withf(|u, i| u.is_empty() && i.len() == 2 && i[0].key.state == KeyState::Active)
        .times(1)
        .returning(|_, _| Ok(()));
    let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
    s.rotate(SigningAlgorithm::Rs256, false).await.unwrap();
}

#[tokio::test]
async fn keys_r_04_rotation_to_an_algorithm_with_no_waiting_key_publishes_one_and_refuses() {
    let mut repo = next_published_ago(1_000);
    repo.expect_save()
        .withf(|u, i| {
            u.is_empty()
                && i.len() == 1
                && i[0].key.state == KeyState::Next
                && i[0].key.alg == SigningAlgorithm::Es256
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let s = service(repo, MockJwsEngine::new(), passthrough_cipher());
    let err = s.rotate(SigningAlgorithm::Es256, false).await.unwrap_err();
    assert!(
        matches!(&err, KeyError::TooSoon(t) if t.published_now
            && t.alg == SigningAlgorithm::Es256
            && t.wait_secs == DEFAULT_PUBLISH_LEAD_SECS
            && t.ready_at == UnixTime::from_secs(1_000 + DEFAULT_PUBLISH_LEAD_SECS)),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("no key was published ahead"),
        "{err}"
    );
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
        .returning(|_, _| Err(CryptoError::backend("tag mismatch")));
    let err = service(repo, MockJwsEngine::new(), cipher)
        .load()
        .await
        .unwrap_err();
    assert!(
        matches!(err, KeyError::Crypto(CryptoError::Decrypt { kid: k, source: Some(_) }) if k == "a")
    );
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
