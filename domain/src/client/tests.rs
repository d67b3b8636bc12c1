use super::*;
use crate::{ClientJwks, ClientSecurityError};

fn client(method: TokenEndpointAuthMethod, grants: &[GrantType]) -> Client {
    Client {
        origin: Default::default(),
        registration_access_digest: None,
        application_type: Default::default(),
        exchange_audiences: Vec::new(),
        metadata: Default::default(),
        security: Default::default(),
        require_mfa: false,
        id: ClientId::parse("svc").unwrap(),
        name: "Service".into(),
        secret_digest: (method != TokenEndpointAuthMethod::None).then(|| TokenDigest::of("s3cret")),
        auth_method: method,
        grant_types: grants.to_vec(),
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        scope: ScopeSet::parse("read write").unwrap(),
        skip_consent: false,
        created_at: UnixTime::from_secs(0),
    }
}

#[test]
fn confidential_service_client_is_valid() {
    let c = client(
        TokenEndpointAuthMethod::ClientSecretBasic,
        &[GrantType::ClientCredentials],
    );
    assert_eq!(c.validate(), Ok(()));
    assert!(c.ensure_grant(GrantType::ClientCredentials).is_ok());
    assert_eq!(
        c.ensure_grant(GrantType::RefreshToken),
        Err(ClientRuleError::GrantNotAllowed(GrantType::RefreshToken))
    );
}

#[test]
fn public_clients_cannot_use_client_credentials() {
    let c = client(
        TokenEndpointAuthMethod::None,
        &[GrantType::ClientCredentials],
    );
    assert_eq!(c.validate(), Err(ClientRuleError::PublicClientCredentials));
    assert_eq!(
        c.ensure_grant(GrantType::ClientCredentials),
        Err(ClientRuleError::PublicClientCredentials)
    );
}

#[test]
fn registration_rules() {
    let mut c = client(
        TokenEndpointAuthMethod::ClientSecretPost,
        &[GrantType::AuthorizationCode],
    );
    assert_eq!(c.validate(), Err(ClientRuleError::MissingRedirectUri));
    c.redirect_uris
        .push(RedirectUri::parse("https://a.example/cb").unwrap());
    assert_eq!(c.validate(), Ok(()));
    c.name = " ".into();
    assert_eq!(c.validate(), Err(ClientRuleError::Name));
    c.name = "a\u{0}b".into();
    assert_eq!(c.validate(), Err(ClientRuleError::Name));
    let mut none = client(TokenEndpointAuthMethod::ClientSecretPost, &[]);
    assert_eq!(none.validate(), Err(ClientRuleError::NoGrant));
    none.secret_digest = None;
    none.grant_types = vec![GrantType::ClientCredentials];
    assert_eq!(none.validate(), Err(ClientRuleError::AuthMethodMismatch));
    let jwt = client(
        TokenEndpointAuthMethod::PrivateKeyJwt,
        &[GrantType::ClientCredentials],
    );
    let mut jwt = jwt;
    jwt.security.jwks = ClientJwks::Uri("https://rp.example/jwks".into());
    assert_eq!(
        jwt.validate(),
        Err(ClientRuleError::AuthMethodMismatch),
        "a key-authenticated client holds no secret"
    );
    jwt.secret_digest = None;
    jwt.security.jwks = ClientJwks::None;
    assert_eq!(jwt.validate(), Err(ClientSecurityError::MissingKeys.into()));
    jwt.security.jwks = ClientJwks::Uri("https://rp.example/jwks".into());
    assert_eq!(jwt.validate(), Ok(()));
    let mut hmac = client(
        TokenEndpointAuthMethod::ClientSecretJwt,
        &[GrantType::ClientCredentials],
    );
    assert_eq!(
        hmac.validate(),
        Err(ClientSecurityError::MissingSealedSecret.into())
    );
    hmac.security.sealed_secret = Some(vec![1, 2, 3]);
    assert_eq!(hmac.validate(), Ok(()));
}

#[test]
fn scope_defaults_and_narrows() {
    let c = client(
        TokenEndpointAuthMethod::ClientSecretBasic,
        &[GrantType::ClientCredentials],
    );
    assert_eq!(c.grant_scope(None).unwrap().to_string(), "read write");
    let read = ScopeSet::parse("read").unwrap();
    assert_eq!(c.grant_scope(Some(&read)).unwrap(), read);
    let admin = ScopeSet::parse("admin").unwrap();
    assert!(matches!(
        c.grant_scope(Some(&admin)),
        Err(ClientRuleError::Scope(_))
    ));
}

#[test]
fn secret_check() {
    let c = client(
        TokenEndpointAuthMethod::ClientSecretBasic,
        &[GrantType::ClientCredentials],
    );
    assert!(c.secret_matches("s3cret"));
    assert!(!c.secret_matches("s3cret "));
    assert!(!client(TokenEndpointAuthMethod::None, &[]).secret_matches(""));
}

#[test]
fn auth_method_names_round_trip() {
    for m in [
        TokenEndpointAuthMethod::ClientSecretBasic,
        TokenEndpointAuthMethod::ClientSecretPost,
        TokenEndpointAuthMethod::PrivateKeyJwt,
        TokenEndpointAuthMethod::ClientSecretJwt,
        TokenEndpointAuthMethod::None,
    ] {
        assert_eq!(TokenEndpointAuthMethod::parse(m.as_str()), Some(m));
    }
    assert_eq!(TokenEndpointAuthMethod::parse("tls_client_auth"), None);
}

#[test]
fn a_fapi2_client_authenticates_by_key_only() {
    let mut c = client(
        TokenEndpointAuthMethod::ClientSecretBasic,
        &[GrantType::ClientCredentials],
    );
    c.security.profile = crate::SecurityProfile::Fapi2;
    assert_eq!(c.validate(), Err(ClientRuleError::ProfileAuthMethod));
    c.auth_method = TokenEndpointAuthMethod::PrivateKeyJwt;
    c.secret_digest = None;
    c.security.jwks = ClientJwks::Uri("https://rp.example/jwks".into());
    assert_eq!(c.validate(), Ok(()));
    let standard = crate::SecurityProfile::Standard;
    assert_eq!(c.profile(standard), crate::SecurityProfile::Fapi2);
    c.security.profile = standard;
    assert_eq!(
        c.profile(crate::SecurityProfile::Fapi2),
        crate::SecurityProfile::Fapi2,
        "the server's profile holds for every client"
    );
    assert_eq!(c.profile(standard), standard);
}
