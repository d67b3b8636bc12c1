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
