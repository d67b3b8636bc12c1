use super::*;

const SECRET: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";

fn key() -> ApiKey {
    ApiKey {
        prefix: ApiKeyPrefix::parse("ab12cd34").unwrap(),
        name: "deploy bot".into(),
        digest: TokenDigest::of("k"),
        scopes: ScopeSet::parse("read write").unwrap(),
        created_at: UnixTime::from_secs(100),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    }
}

#[test]
fn prefixes_are_eight_lowercase_alphanumerics() {
    assert_eq!(
        ApiKeyPrefix::parse("ab12cd34").unwrap().as_str(),
        "ab12cd34"
    );
    for bad in [
        "",
        "ab12cd3",
        "ab12cd345",
        "AB12cd34",
        "ab12-d34",
        "ab12cd3é",
    ] {
        assert_eq!(ApiKeyPrefix::parse(bad), Err(ApiKeyPrefixError), "{bad:?}");
    }
    let p = ApiKeyPrefix::from_random([0, 25, 26, 35, 36, 255, 7, 200]);
    assert_eq!(ApiKeyPrefix::parse(p.as_str()), Ok(p.clone()));
    assert_eq!(p.as_str(), "az09adhu");
}

#[test]
fn split_accepts_exactly_the_issued_shape() {
    assert_eq!(SECRET.len(), API_KEY_SECRET_LEN);
    let prefix = ApiKeyPrefix::parse("ab12cd34").unwrap();
    let full = compose_api_key(&prefix, SECRET);
    assert_eq!(full, format!("tsk_ab12cd34{SECRET}"));
    assert_eq!(split_api_key(&full), Some((prefix, SECRET)));
}

#[test]
fn split_rejects_other_shapes() {
    let bad = [
        String::new(),
        "tsk_".into(),
        format!("tsk_ab12cd34{}", &SECRET[1..]),
        format!("tsk_ab12cd34{SECRET}A"),
        format!("tsk_ab12cd34{SECRET}="),
        format!("TSK_ab12cd34{SECRET}"),
        format!("tsk-ab12cd34{SECRET}"),
        format!("ab12cd34{SECRET}"),
        format!("tsk_AB12cd34{SECRET}"),
        format!("tsk_ab12cd34{}+", &SECRET[1..]),
        format!("tsk_ab12cd34{}/", &SECRET[1..]),
        format!("tsk_ab12cd34{}é", &SECRET[2..]),
        format!(" tsk_ab12cd34{SECRET}"),
        // The last character carries 4 bits; "B" sets one of the 2 unused ones.
        format!("tsk_ab12cd34{}B", &SECRET[..42]),
    ];
    for b in &bad {
        assert_eq!(split_api_key(b), None, "{b:?}");
    }
}

#[test]
fn names() {
    assert!(is_valid_api_key_name("deploy bot ☃"));
    assert!(is_valid_api_key_name(&"n".repeat(100)));
    for bad in ["", "  ", "a\nb", "\u{1b}[31m", &"n".repeat(101)] {
        assert!(!is_valid_api_key_name(bad), "{bad:?}");
    }
}

#[test]
fn usable_until_revoked_or_expired() {
    let now = UnixTime::from_secs(1_000);
    assert!(key().is_usable(now));
    let expiring = ApiKey {
        expires_at: Some(now),
        ..key()
    };
    assert!(expiring.is_usable(UnixTime::from_secs(999)));
    assert!(!expiring.is_usable(now), "expiry is exclusive");
    let revoked = ApiKey {
        revoked_at: Some(UnixTime::from_secs(500)),
        ..key()
    };
    assert!(!revoked.is_usable(now));
}

#[test]
fn allows_only_its_scopes() {
    let k = key();
    assert!(k.allows("read") && k.allows("write"));
    assert!(!k.allows("admin"));
    assert!(!k.allows(""));
}
