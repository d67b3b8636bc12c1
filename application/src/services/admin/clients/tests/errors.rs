//! How registration and rule failures become admin-API refusals: each names the field it is
//! about (what the admin API answers as `invalid_request` with that field), keeps the cause,
//! and maps to its protocol error code.

use super::*;
use std::error::Error as _;
use tessera_domain::{
    ClientRuleError, ClientSecurityError, GrantType, GrantTypeError, RedirectUriError,
    ResourceError, ScopeError,
};

fn field_of(e: AdminClientError) -> &'static str {
    match e {
        AdminClientError::Invalid {
            field,
            message,
            source,
        } => {
            assert_eq!(message, source.to_string(), "the message is the cause's");
            field
        }
        other => panic!("not an invalid field: {other:?}"),
    }
}

#[test]
fn registration_failures_name_their_field() {
    let cases: Vec<(RegisterClientError, &str)> = vec![
        (
            RegisterClientError::RedirectUri {
                uri: "http://evil".into(),
                source: RedirectUriError::InsecureHttp,
            },
            "redirect_uris",
        ),
        (GrantTypeError("password".into()).into(), "grant_types"),
        (ScopeError::Separator.into(), "scope"),
        (
            RegisterClientError::AuthMethod("tls_client_auth".into()),
            "token_endpoint_auth_method",
        ),
        (
            RegisterClientError::ExchangeAudience {
                value: "x#y".into(),
                source: ResourceError::Fragment,
            },
            "exchange_audiences",
        ),
        (RegisterClientError::JwksAndUri, "jwks"),
        (RegisterClientError::Profile("fapi9".into()), "profile"),
        (ClientRuleError::Name.into(), "name"),
    ];
    for (error, field) in cases {
        let text = error.to_string();
        let admin = AdminClientError::from(error);
        assert_eq!(admin.code(), OAuthErrorCode::InvalidRequest, "{text}");
        assert!(admin.source().is_some(), "{text}: the cause is kept");
        assert_eq!(field_of(admin), field, "{text}");
    }
    let stored = AdminClientError::from(RegisterClientError::Repository(
        RepositoryError::Unavailable,
    ));
    assert!(matches!(
        stored,
        AdminClientError::Repository(RepositoryError::Unavailable)
    ));
    assert_eq!(stored.code(), OAuthErrorCode::TemporarilyUnavailable);
}

#[test]
fn rule_failures_name_the_field_the_rule_is_about() {
    let cases: Vec<(ClientRuleError, &str)> = vec![
        (ClientRuleError::Name, "name"),
        (ClientRuleError::MissingRedirectUri, "redirect_uris"),
        (
            ClientRuleError::AuthMethodMismatch,
            "token_endpoint_auth_method",
        ),
        (
            ClientRuleError::ProfileAuthMethod,
            "token_endpoint_auth_method",
        ),
        (ClientSecurityError::Jwks.into(), "jwks"),
        (ClientSecurityError::Url("jwks_uri").into(), "jwks_uri"),
        (
            ClientSecurityError::Url("backchannel_logout_uri").into(),
            "backchannel_logout_uri",
        ),
        (
            ClientSecurityError::MissingKeys.into(),
            "token_endpoint_auth_method",
        ),
        (
            ClientSecurityError::MissingSealedSecret.into(),
            "token_endpoint_auth_method",
        ),
        (ScopeError::TooLong.into(), "scope"),
        (
            ClientRuleError::GrantNotAllowed(GrantType::ClientCredentials),
            "grant_types",
        ),
        (ClientRuleError::PublicClientCredentials, "grant_types"),
        (ClientRuleError::NoGrant, "grant_types"),
    ];
    for (rule, field) in cases {
        let text = rule.to_string();
        let admin = AdminClientError::from(RegisterClientError::Rule(rule));
        assert_eq!(field_of(admin), field, "{text}");
    }
}

#[test]
fn the_other_refusals_have_their_codes() {
    assert_eq!(AdminClientError::NotFound.code(), OAuthErrorCode::NotFound);
    assert_eq!(
        AdminClientError::PublicClient.code(),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        AdminClientError::KeyClient.code(),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        AdminClientError::Repository(RepositoryError::Conflict).code(),
        OAuthErrorCode::ServerError
    );
}
