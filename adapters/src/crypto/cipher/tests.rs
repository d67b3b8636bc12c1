use super::*;

fn cipher(secret: &str) -> AeadKeyCipher {
    AeadKeyCipher::from_secret(&SecretString::from(secret), CipherPurpose::SigningKeys)
}

fn replay_cipher(secret: &str) -> AeadKeyCipher {
    AeadKeyCipher::from_secret(&SecretString::from(secret), CipherPurpose::RefreshReplay)
}

#[test]
fn keys_each_purpose_has_its_own_key_and_ciphertexts_do_not_cross() {
    let (keys, replays) = (cipher("one secret"), replay_cipher("one secret"));
    assert_ne!(keys.key().unwrap(), replays.key().unwrap());
    assert_ne!(
        CipherPurpose::SigningKeys.label(),
        CipherPurpose::RefreshReplay.label()
    );
    // The same plaintext and associated data: only the purpose differs.
    let sealed_key = keys.encrypt(b"plain", b"aad").unwrap();
    let sealed_replay = replays.encrypt(b"plain", b"aad").unwrap();
    assert!(replays.decrypt(&sealed_key, b"aad").is_err());
    assert!(keys.decrypt(&sealed_replay, b"aad").is_err());
    assert_eq!(
        replays
            .decrypt(&sealed_replay, b"aad")
            .unwrap()
            .expose_secret(),
        b"plain"
    );
}

#[test]
fn keys_refresh_replay_key_is_hmac_sha256_of_its_own_label() {
    // HMAC-SHA256(key = "key", "tessera/refresh-replay-encryption/v1"), computed
    // independently with `openssl dgst -sha256 -hmac key`.
    assert_eq!(
        hex(replay_cipher("key").key().unwrap()),
        "52ceb37c8bac50bf8da45fca9c020ca5c3e1f0c13bbd9f51df4774408c3055b7"
    );
}

#[test]
fn round_trip_with_layout() {
    let c = cipher("correct horse battery staple");
    let sealed = c.encrypt(b"private key", b"kid-1").unwrap();
    assert_eq!(sealed[0], VERSION);
    assert_eq!(sealed.len(), 1 + NONCE_LEN + b"private key".len() + TAG_LEN);
    let opened = c.decrypt(&sealed, b"kid-1").unwrap();
    assert_eq!(opened.expose_secret().as_slice(), b"private key");
    // A fresh nonce each time.
    assert_ne!(sealed, c.encrypt(b"private key", b"kid-1").unwrap());
    // An empty plaintext is fine too.
    let empty = c.encrypt(b"", b"").unwrap();
    assert!(c.decrypt(&empty, b"").unwrap().expose_secret().is_empty());
}

#[test]
fn wrong_secret_fails() {
    let sealed = cipher("one").encrypt(b"private key", b"kid").unwrap();
    let err = cipher("two").decrypt(&sealed, b"kid").unwrap_err();
    assert!(matches!(err, CryptoError::Decrypt { kid, .. } if kid == "kid"));
}

#[test]
fn any_flipped_byte_fails() {
    let c = cipher("secret");
    let sealed = c.encrypt(b"private key", b"kid").unwrap();
    for i in 0..sealed.len() {
        let mut altered = sealed.clone();
        altered[i] ^= 0x01;
        assert!(c.decrypt(&altered, b"kid").is_err(), "byte {i}");
    }
    assert!(c.decrypt(&sealed[..sealed.len() - 1], b"kid").is_err());
    assert!(c
        .decrypt(&sealed[..1 + NONCE_LEN + TAG_LEN - 1], b"kid")
        .is_err());
    assert!(c.decrypt(&[], b"kid").is_err());
}

#[test]
fn aad_mismatch_fails() {
    let c = cipher("secret");
    let sealed = c.encrypt(b"private key", b"kid-1").unwrap();
    assert!(c.decrypt(&sealed, b"kid-2").is_err());
    assert!(c.decrypt(&sealed, b"").is_err());
}

#[test]
fn key_is_hmac_sha256_of_the_label_and_never_printed() {
    // HMAC-SHA256(key = "key", "tessera/signing-key-encryption/v1"), computed independently
    // with `openssl dgst -sha256 -hmac key`.
    let c = cipher("key");
    assert_eq!(
        hex(c.key().unwrap()),
        "88862cf059ca3bf1d8b044cd30b4eb0d573a6fbbf80e52b20b83bf8663d62cb3"
    );
    assert_eq!(format!("{c:?}"), r#"AeadKeyCipher { key: "[REDACTED]" }"#);
}

#[test]
fn an_empty_secret_still_derives_a_key_or_fails_closed() {
    let c = cipher("");
    match c.encrypt(b"x", b"k") {
        Ok(sealed) => assert_eq!(c.decrypt(&sealed, b"k").unwrap().expose_secret(), b"x"),
        Err(e) => assert!(matches!(e, CryptoError::Backend(_))),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
