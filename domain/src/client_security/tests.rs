use super::*;

#[test]
fn urls_are_https_or_loopback_http() {
    assert!(is_https_url("https://rp.example/jwks"));
    assert!(is_https_url("https://rp.example"));
    assert!(is_https_url("http://127.0.0.1:8080/logout"));
    assert!(is_https_url("http://localhost/logout"));
    assert!(is_https_url("http://[::1]:9/x"));
    assert!(!is_https_url("http://rp.example/logout"));
    assert!(!is_https_url("http://localhost.evil.example/x"));
    assert!(!is_https_url("http://localhost@evil.example/x"));
    assert!(!is_https_url("https://rp.example/x#frag"));
    assert!(!is_https_url("https:///path"));
    assert!(!is_https_url("ftp://rp.example/"));
    assert!(!is_https_url("https://rp.example/a b"));
}

#[test]
fn jwks_must_hold_public_keys_only() {
    let ok = |doc: &str| {
        ClientSecurity {
            jwks: ClientJwks::Inline(doc.into()),
            ..Default::default()
        }
        .validate()
    };
    assert_eq!(
        ok(r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#),
        Ok(())
    );
    assert_eq!(ok(r#"{"keys":[]}"#), Ok(()));
    assert_eq!(
        ok(r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"secret"}]}"#),
        Err(ClientSecurityError::Jwks)
    );
    assert_eq!(
        ok(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#),
        Err(ClientSecurityError::Jwks)
    );
    assert_eq!(ok(r#"[1]"#), Err(ClientSecurityError::Jwks));
    assert_eq!(ok("not json"), Err(ClientSecurityError::Jwks));
    let bad_uri = ClientSecurity {
        backchannel_logout_uri: Some("http://rp.example/bcl".into()),
        ..Default::default()
    };
    assert_eq!(
        bad_uri.validate(),
        Err(ClientSecurityError::Url("backchannel_logout_uri"))
    );
}

#[test]
fn profiles_only_ratchet_up() {
    use SecurityProfile::*;
    assert_eq!(Standard.max(Fapi2), Fapi2);
    assert_eq!(Fapi2.max(Standard), Fapi2);
    assert_eq!(Standard.max(Standard), Standard);
    for p in [Standard, Fapi2] {
        assert_eq!(SecurityProfile::parse(p.as_str()), Some(p));
    }
    assert_eq!(SecurityProfile::parse("fapi1"), None);
}

#[test]
fn fapi2_narrows_algorithms_and_methods() {
    use crate::TokenEndpointAuthMethod as M;
    let fapi = SecurityProfile::Fapi2;
    assert!(!fapi.client_signing_algorithms().contains(&"RS256"));
    assert!(SecurityProfile::Standard
        .client_signing_algorithms()
        .contains(&"RS256"));
    for algs in [fapi, SecurityProfile::Standard].map(SecurityProfile::client_signing_algorithms) {
        assert!(!algs.iter().any(|a| a.starts_with("HS") || *a == "none"));
    }
    assert!(fapi.allows_auth_method(M::PrivateKeyJwt));
    for m in [
        M::ClientSecretBasic,
        M::ClientSecretPost,
        M::ClientSecretJwt,
        M::None,
    ] {
        assert!(!fapi.allows_auth_method(m), "{m:?}");
        assert!(SecurityProfile::Standard.allows_auth_method(m));
    }
    assert!(fapi.requires_par() && fapi.requires_dpop());
    assert!(!SecurityProfile::Standard.requires_par());
    assert!(!SecurityProfile::Standard.requires_dpop());
}
