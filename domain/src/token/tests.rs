use super::*;

fn claims(exp: i64, iat: i64) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://id.example".into(),
        sub: "svc".into(),
        aud: "https://id.example".into(),
        exp,
        iat,
        jti: "j".into(),
        client_id: "svc".into(),
        scope: "read".into(),
        auth_time: None,
        grant_id: None,
        act: None,
        cnf: None,
    }
}

#[test]
fn as_27_digest_comparison_is_constant_time_and_exact() {
    let d = TokenDigest::of("abc");
    assert!(d.matches("abc"));
    assert!(!d.matches("abd"));
    assert_eq!(TokenDigest::from_bytes(d.as_bytes()).unwrap(), d);
    assert!(TokenDigest::from_bytes(&[0; 31]).is_none());
    assert_eq!(format!("{d:?}"), "TokenDigest(..)");
}

#[test]
fn access_token_expiry_is_exclusive() {
    let c = claims(100, 50);
    assert!(!c.is_expired(UnixTime::from_secs(99)));
    assert!(c.is_expired(UnixTime::from_secs(100)));
    assert!(!c.is_from_the_future(UnixTime::from_secs(30), 20));
    assert!(c.is_from_the_future(UnixTime::from_secs(29), 20));
}

#[test]
fn claims_serialise_per_rfc_9068() {
    let v = serde_json::to_value(claims(100, 50));
    let v = v.unwrap();
    for k in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "jti",
        "client_id",
        "scope",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert!(v.get("auth_time").is_none());
}

#[test]
fn refresh_token_idle_and_absolute_expiry() {
    let rt = RefreshToken {
        dpop_jkt: None,
        resources: Vec::new(),
        amr: crate::AuthMethods::password(),
        digest: TokenDigest::of("r"),
        grant_id: "f".into(),
        client_id: ClientId::parse("app").unwrap(),
        user_id: UserId::from_random([2; 16]),
        scope: ScopeSet::parse("openid").unwrap(),
        expires_at: UnixTime::from_secs(100),
        family_expires_at: UnixTime::from_secs(150),
        auth_time: UnixTime::from_secs(0),
    };
    assert!(!rt.is_expired(UnixTime::from_secs(99)));
    assert!(rt.is_expired(UnixTime::from_secs(100)));
    assert_eq!(
        rt.successor_expiry(UnixTime::from_secs(90), 30),
        UnixTime::from_secs(120)
    );
    assert_eq!(
        rt.successor_expiry(UnixTime::from_secs(140), 30),
        UnixTime::from_secs(150)
    );
}

#[test]
fn code_expiry() {
    let code = AuthorizationCode {
        sid: None,
        resources: Vec::new(),
        amr: crate::AuthMethods::password(),
        digest: TokenDigest::of("c"),
        client_id: ClientId::parse("app").unwrap(),
        user_id: UserId::from_random([3; 16]),
        grant_id: "g".into(),
        redirect_uri: None,
        code_challenge: None,
        scope: ScopeSet::default(),
        nonce: None,
        auth_time: UnixTime::from_secs(0),
        expires_at: UnixTime::from_secs(60),
    };
    assert!(!code.is_expired(UnixTime::from_secs(59)));
    assert!(code.is_expired(UnixTime::from_secs(60)));
}

#[test]
fn rfc8693_act_is_absent_unless_delegated() {
    let v = serde_json::to_value(claims(100, 50)).unwrap();
    assert!(v.get("act").is_none());
    let back: AccessTokenClaims = serde_json::from_value(v).unwrap();
    assert_eq!(back.act, None);
}

#[test]
fn rfc8693_act_chain_nests_the_previous_actor() {
    let first = Actor::on_top_of("svc-a".into(), Some("svc-a".into()), None);
    let second = Actor::on_top_of("svc-b".into(), None, Some(first.clone()));
    assert_eq!(first.depth(), 1);
    assert_eq!(second.depth(), 2);
    let mut c = claims(100, 50);
    c.act = Some(second);
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(
        v["act"],
        serde_json::json!({"sub": "svc-b", "act": {"sub": "svc-a", "client_id": "svc-a"}})
    );
    let back: AccessTokenClaims = serde_json::from_value(v).unwrap();
    assert_eq!(back, c);
}

#[test]
fn rfc8693_act_reads_the_rfc_example() {
    // RFC 8693 §4.1, the nested example.
    let act: Actor = serde_json::from_value(serde_json::json!({
        "sub": "consumer.example.com-web-application",
        "iss": "https://issuer.example.net",
        "act": {"sub": "admin@example.net"}
    }))
    .unwrap();
    assert_eq!(act.sub, "consumer.example.com-web-application");
    assert_eq!(
        act.act.as_deref().map(|a| a.sub.as_str()),
        Some("admin@example.net")
    );
}
