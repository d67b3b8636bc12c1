use super::*;
use crate::ports::{MockJwsEngine, MockRandomSource};
use crate::services::access_tokens::tests::{clock_at, ISS};
use crate::services::client_authentication::tests::confidential;
use crate::OAuthErrorCode;
use secrecy::ExposeSecret;
use tessera_domain::TokenEndpointAuthMethod;

fn grant(jws: MockJwsEngine) -> ClientCredentialsGrant {
    let mut rng = MockRandomSource::new();
    rng.expect_fill().returning(|b| b.fill(7));
    ClientCredentialsGrant::new(
        Arc::new(jws),
        clock_at(1_000),
        Arc::new(rng),
        IssuerSettings::new(ISS),
    )
}

#[test]
fn issues_rfc_9068_claims_with_default_scope() {
    let mut jws = MockJwsEngine::new();
    jws.expect_sign()
        .withf(|typ, c| {
            typ == "at+jwt"
                && c["iss"] == ISS
                && c["sub"] == "svc"
                && c["client_id"] == "svc"
                && c["aud"] == ISS
                && c["iat"] == 1_000
                && c["exp"] == 1_900
                && c["scope"] == "read write"
                && c["jti"].as_str().is_some_and(|j| j.len() == 22)
        })
        .returning(|_, _| Ok("signed".into()));
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let t = grant(jws).issue(&client, None).unwrap();
    assert_eq!(t.access_token.expose_secret(), "signed");
    assert_eq!(t.expires_in, 900);
    assert_eq!(t.scope.to_string(), "read write");
}

#[test]
fn narrower_scope_is_granted_wider_is_invalid_scope() {
    let mut jws = MockJwsEngine::new();
    jws.expect_sign()
        .withf(|_, c| c["scope"] == "read")
        .returning(|_, _| Ok("t".into()));
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    let g = grant(jws);
    assert_eq!(
        g.issue(&client, Some("read")).unwrap().scope.to_string(),
        "read"
    );
    assert!(matches!(
        g.issue(&client, Some("read admin")),
        Err(TokenError::InvalidScope(_))
    ));
    assert!(matches!(
        g.issue(&client, Some("bad\"scope")),
        Err(TokenError::InvalidScope(_))
    ));
}

#[test]
fn client_without_the_grant_is_unauthorized() {
    let mut client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    client.grant_types = vec![tessera_domain::GrantType::RefreshToken];
    let err = grant(MockJwsEngine::new())
        .issue(&client, None)
        .unwrap_err();
    assert_eq!(err.code(), OAuthErrorCode::UnauthorizedClient, "{err:?}");
}

#[test]
fn signing_failure_is_a_server_error() {
    let mut jws = MockJwsEngine::new();
    jws.expect_sign()
        .returning(|_, _| Err(CryptoError::NoActiveKey));
    let client = confidential(TokenEndpointAuthMethod::ClientSecretBasic, "s");
    assert!(matches!(
        grant(jws).issue(&client, None),
        Err(TokenError::Crypto(_))
    ));
}
