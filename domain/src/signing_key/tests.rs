use super::*;

fn key(state: KeyState) -> SigningKey {
    SigningKey {
        kid: "k1".into(),
        alg: SigningAlgorithm::Rs256,
        state,
        created_at: UnixTime::from_secs(0),
        retire_after: None,
        public_jwk: "{}".into(),
    }
}

#[test]
fn algorithm_allow_list() {
    for a in [
        SigningAlgorithm::Rs256,
        SigningAlgorithm::Es256,
        SigningAlgorithm::EdDsa,
    ] {
        assert_eq!(SigningAlgorithm::parse(a.as_str()).unwrap(), a);
    }
    for bad in ["none", "HS256", "rs256", "RS512", ""] {
        assert!(SigningAlgorithm::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn retiring_key_is_published_until_its_tokens_expire() {
    let mut k = key(KeyState::Active);
    k.begin_retiring(UnixTime::from_secs(100), 50);
    assert_eq!(k.state_at(UnixTime::from_secs(149)), KeyState::Retiring);
    assert!(k.is_published(UnixTime::from_secs(149)));
    assert_eq!(k.state_at(UnixTime::from_secs(150)), KeyState::Retired);
    assert!(!k.is_published(UnixTime::from_secs(150)));
}

#[test]
fn states_round_trip_and_next_is_published() {
    for s in [
        KeyState::Next,
        KeyState::Active,
        KeyState::Retiring,
        KeyState::Retired,
    ] {
        assert_eq!(KeyState::parse(s.as_str()), Some(s));
    }
    assert_eq!(KeyState::parse("x"), None);
    assert!(key(KeyState::Next).is_published(UnixTime::from_secs(0)));
    assert!(!key(KeyState::Retired).is_published(UnixTime::from_secs(0)));
}
