use super::*;

/// Cheap parameters so the tests stay fast.
fn small(iterations: u32) -> Argon2Settings {
    Argon2Settings {
        memory_kib: 256,
        iterations,
        parallelism: 1,
        max_concurrent: 2,
        max_waiting: 8,
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[tokio::test]
async fn round_trip_matches_without_rehash() {
    let hasher = Argon2Hasher::new(small(2)).unwrap();
    let phc = hasher
        .hash(secret("correct horse battery staple"))
        .await
        .unwrap();
    let check = hasher
        .verify(secret("correct horse battery staple"), &phc)
        .await
        .unwrap();
    assert_eq!(
        check,
        PasswordCheck {
            matches: true,
            needs_rehash: false
        }
    );
}

#[tokio::test]
async fn wrong_password_does_not_match() {
    let hasher = Argon2Hasher::new(small(2)).unwrap();
    let phc = hasher.hash(secret("the right one")).await.unwrap();
    let check = hasher.verify(secret("the wrong one"), &phc).await.unwrap();
    assert!(!check.matches);
    assert!(!check.needs_rehash);
}

#[tokio::test]
async fn salts_are_unique() {
    let hasher = Argon2Hasher::new(small(1)).unwrap();
    let a = hasher.hash(secret("same")).await.unwrap();
    let b = hasher.hash(secret("same")).await.unwrap();
    assert_ne!(a, b);
}

#[tokio::test]
async fn changed_parameters_ask_for_a_rehash() {
    let old = Argon2Hasher::new(small(1)).unwrap();
    let current = Argon2Hasher::new(small(2)).unwrap();
    let phc = old.hash(secret("pw pw pw pw pw pw")).await.unwrap();
    let check = current
        .verify(secret("pw pw pw pw pw pw"), &phc)
        .await
        .unwrap();
    assert!(check.matches, "old hashes still verify");
    assert!(check.needs_rehash);

    // Another algorithm (argon2i) also counts as outdated.
    let params = Params::new(256, 2, 1, None).unwrap();
    let mut memory = work_memory(params.block_count());
    let phc = hash_blocking(Algorithm::Argon2i, &params, b"pw", &mut memory).unwrap();
    assert!(phc.starts_with("$argon2i$"));
    let check = current.verify(secret("pw"), &phc).await.unwrap();
    assert!(check.matches && check.needs_rehash);
}

#[tokio::test]
async fn default_settings_produce_the_owasp_phc_prefix() {
    let settings = Argon2Settings::default();
    assert_eq!(
        (
            settings.memory_kib,
            settings.iterations,
            settings.parallelism
        ),
        (19456, 2, 1)
    );
    assert_eq!(settings.max_waiting, 64);
    assert!(settings.max_concurrent >= 2);
    let hasher = Argon2Hasher::new(settings).unwrap();
    let phc = hasher.hash(secret("a long enough password")).await.unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(hasher
        .dummy_hash()
        .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

#[tokio::test]
async fn busy_when_no_slot_and_no_queue() {
    let hasher = Argon2Hasher::new(Argon2Settings {
        max_concurrent: 1,
        max_waiting: 0,
        ..small(2)
    })
    .unwrap();
    let phc = hasher.dummy_hash();
    // join! polls the first future (which takes the only permit) before the second.
    let (a, b) = tokio::join!(
        hasher.verify(secret("one"), &phc),
        hasher.verify(secret("two"), &phc)
    );
    assert!(a.is_ok());
    assert!(matches!(b, Err(HashError::Busy)), "{b:?}");
    // The permit and the waiting count were released.
    assert!(hasher.verify(secret("three"), &phc).await.is_ok());
    assert_eq!(hasher.waiting.load(Ordering::Acquire), 0);
}

#[tokio::test]
async fn callers_within_the_queue_wait_their_turn() {
    let hasher = Argon2Hasher::new(Argon2Settings {
        max_concurrent: 1,
        max_waiting: 2,
        ..small(1)
    })
    .unwrap();
    let phc = hasher.dummy_hash();
    let (a, b, c) = tokio::join!(
        hasher.verify(secret("one"), &phc),
        hasher.verify(secret("two"), &phc),
        hasher.hash(secret("three"))
    );
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    assert_eq!(hasher.waiting.load(Ordering::Acquire), 0);
}

#[tokio::test]
async fn reused_work_memory_gives_the_same_answers() {
    // Everything runs queued behind one slot, so buffers are handed from hash to hash.
    let hasher = Arc::new(
        Argon2Hasher::new(Argon2Settings {
            max_concurrent: 1,
            max_waiting: 16,
            ..small(2)
        })
        .unwrap(),
    );
    let phc = hasher.hash(secret("right")).await.unwrap();
    let checks = verify_many(&hasher, &phc, 8).await;
    for (i, check) in checks.into_iter().enumerate() {
        assert_eq!(check.matches, i % 2 == 0, "check {i}");
    }
    assert!(
        hasher.memory.buffers.lock().unwrap().is_empty(),
        "no spare memory kept once the queue is empty"
    );
}

/// `n` verifications at once, alternating the right and a wrong password.
async fn verify_many(hasher: &Arc<Argon2Hasher>, phc: &str, n: usize) -> Vec<PasswordCheck> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (hasher, phc) = (hasher.clone(), phc.to_owned());
            tokio::spawn(async move {
                let pw = if i % 2 == 0 { "right" } else { "wrong" };
                hasher.verify(secret(pw), &phc).await.unwrap()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn dummy_hash_never_matches() {
    let hasher = Argon2Hasher::new(small(1)).unwrap();
    let dummy = hasher.dummy_hash();
    assert_eq!(dummy, hasher.dummy_hash(), "computed once");
    for guess in ["", "password", "correct horse battery staple", &dummy] {
        let check = hasher.verify(secret(guess), &dummy).await.unwrap();
        assert!(!check.matches);
        assert!(!check.needs_rehash, "same parameters as real hashes");
    }
}

#[tokio::test]
async fn unparsable_hashes_are_invalid() {
    let hasher = Argon2Hasher::new(small(1)).unwrap();
    for phc in [
        "",
        "not a phc string",
        "$bcrypt$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0",
        "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=99$m=256,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    ] {
        let result = hasher.verify(secret("pw"), phc).await;
        assert!(
            matches!(result, Err(HashError::InvalidHash)),
            "{phc}: {result:?}"
        );
    }
}

#[tokio::test]
async fn hashes_agree_with_the_argon2_crate_both_ways() {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
    let hasher = Argon2Hasher::new(small(2)).unwrap();
    let ours = hasher
        .hash(secret("correct horse battery staple"))
        .await
        .unwrap();
    let reference = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(256, 2, 1, None).unwrap(),
    );
    let parsed = PasswordHash::new(&ours).unwrap();
    assert!(reference
        .verify_password(b"correct horse battery staple", &parsed)
        .is_ok());
    assert!(reference.verify_password(b"wrong", &parsed).is_err());
    // Same salt, same parameters: the same PHC string.
    let again = reference
        .hash_password(b"correct horse battery staple", parsed.salt.unwrap())
        .unwrap()
        .to_string();
    assert_eq!(again, ours);
    // A hash made by the crate (another variant, version and output length) verifies.
    for (alg, version) in [
        (Algorithm::Argon2id, Version::V0x13),
        (Algorithm::Argon2i, Version::V0x10),
        (Algorithm::Argon2d, Version::V0x13),
    ] {
        let theirs = Argon2::new(alg, version, Params::new(128, 1, 2, Some(24)).unwrap())
            .hash_password(b"pw", &SaltString::encode_b64(b"0123456789abcdef").unwrap())
            .unwrap()
            .to_string();
        let check = hasher.verify(secret("pw"), &theirs).await.unwrap();
        assert!(check.matches && check.needs_rehash, "{theirs}");
        assert!(!hasher.verify(secret("px"), &theirs).await.unwrap().matches);
    }
}

#[test]
fn bad_settings_are_rejected() {
    assert!(Argon2Hasher::new(Argon2Settings {
        max_concurrent: 0,
        ..small(1)
    })
    .is_err());
    assert!(Argon2Hasher::new(Argon2Settings {
        iterations: 0,
        ..small(1)
    })
    .is_err());
}
